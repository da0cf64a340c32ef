from tests.bench import db
srv = db.start()
for size in (10_000, 1_000_000):
    print(db.ensure_template(srv, size, 1, log=print), flush=True)

"""``make reliability`` and ``make soak``: the reliability checks (docs/operations.md) that
need real processes.

Runs on its own embedded PostgreSQL in ``.pgdata/reliability/`` (it stops and restarts
that server, so never the benchmark's or the development one), with gunicorn as in
production on 127.0.0.1, ports 8320-8329. Every check is bounded in requests and time.

    python -m tests.bench.reliability all  # R4, R5, R6, R8, statelessness, the cache down
    python -m tests.bench.reliability r5   # one of: r4 r5 r6 outage r8 stateless cache_down
    python -m tests.bench.reliability soak --minutes 10   # R10
"""

import argparse
import collections
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tests.bench import db, server

DATA_DIR = db.BASE_DIR / ".pgdata" / "reliability" / "data"
DATABASE = "reliability"
TEMPLATE = "reliability_template"
PASSWORD = "load-test-password-not-for-production"  # noqa: S105 - generated accounts
OFFICIAL, COORDINATOR = "load-official-ca-000", "load-coordinator-000"
PORT, SECOND_PORT = 8321, 8322


def log(message):
    print(message, flush=True)


def prepare(srv, updates=2000):
    """A fresh database with a small generated history (the template is kept)."""
    if not db.exists(srv, TEMPLATE):
        db.execute(srv, f'CREATE DATABASE "{TEMPLATE}"')
        db.manage(srv, TEMPLATE, "migrate", "--noinput", "-v0")
        db.manage(srv, TEMPLATE, "generate_load_data", "--updates", str(updates), "--users", "30")
        db.execute(srv, "VACUUM ANALYZE", database=TEMPLATE)
    db.fresh_copy(srv, TEMPLATE, DATABASE, log=lambda message: None)


def count(srv, sql):
    return db.execute(srv, sql, database=DATABASE)[0][0]


def objective_and_period(srv):
    objective = count(
        srv,
        "SELECT o.id FROM commitments_objective o JOIN commitments_objectiveset s "
        "ON s.id = o.objective_set_id WHERE s.year = 2024 AND o.number = 1",
    )
    period = count(
        srv,
        "SELECT p.id FROM commitments_reportingperiod p JOIN commitments_objectiveset s "
        "ON s.id = p.objective_set_id WHERE s.year = 2024 ORDER BY p.starts_on LIMIT 1",
    )
    return objective, period


def post_update(port, jar, objective, period, narrative):
    form = server.new_update_form(jar, period, narrative=narrative)
    return server.request(
        port,
        "POST",
        f"/objectives/{objective}/updates/new/",
        cookies=server.session_cookies(jar),
        form=form,
    )


def durability_settings(srv):
    return {
        name: db.execute(srv, f"SHOW {name}", database=DATABASE)[0][0]
        for name in ("fsync", "synchronous_commit", "full_page_writes")
    }


def r4(srv):
    """A committed update survives a crash (pg_ctl stop -m immediate)."""
    settings = durability_settings(srv)
    process = server.start_gunicorn(srv, DATABASE, PORT, settings="nadd.settings")
    try:
        jar = server.sign_in(PORT, OFFICIAL, PASSWORD)
        objective, period = objective_and_period(srv)
        marker = f"R4 durability check {uuid.uuid4()}"
        response = post_update(PORT, jar, objective, period, marker)
        db.pg_ctl(srv, "-m", "immediate", "stop")
        db.pg_ctl(srv, "-w", "restart")
        found = count(
            srv, f"SELECT COUNT(*) FROM commitments_progressupdate WHERE narrative = '{marker}'"
        )
    finally:
        server.stop(process)
    ok = response.status == 302 and found == 1 and set(settings.values()) == {"on"}
    return ok, f"POST {response.status}, crash, restart: row present {found == 1}; {settings}"


def r5(srv):
    """Restart PostgreSQL under persistent connections: 6 requests, none fails."""
    process = server.start_gunicorn(srv, DATABASE, PORT, settings="nadd.settings")
    try:
        jar = server.session_cookies(server.sign_in(PORT, COORDINATOR, PASSWORD))
        # Enough requests that both workers hold a persistent connection.
        for _ in range(10):
            server.request(PORT, "GET", "/", cookies=jar)
        db.pg_ctl(srv, "-w", "-m", "fast", "restart")
        statuses = [server.request(PORT, "GET", "/", cookies=jar).status for _ in range(6)]
    finally:
        server.stop(process)
    return statuses == [200] * 6, f"after the restart: {statuses}"


def r6(srv):
    """Database down: /healthz 503 fast, /livez 200, pages fail fast; back: no app restart."""
    process = server.start_gunicorn(srv, DATABASE, PORT, settings="nadd.settings")
    try:
        jar = server.session_cookies(server.sign_in(PORT, COORDINATOR, PASSWORD))
        server.request(PORT, "GET", "/", cookies=jar)
        db.pg_ctl(srv, "-w", "-m", "fast", "stop")
        try:
            health = server.request(PORT, "GET", "/healthz")
            live = server.request(PORT, "GET", "/livez")
            page = server.request(PORT, "GET", "/", cookies=jar)
        finally:
            db.pg_ctl(srv, "-w", "restart")
        back = server.request(PORT, "GET", "/", cookies=jar)
    finally:
        server.stop(process)
    ok = (
        health.status == 503
        and live.status == 200
        and page.status == 503
        and page.headers.get("Retry-After") == "30"
        and max(health.seconds, page.seconds) < 1
        and back.status == 200
    )
    return ok, (
        f"down: /healthz {health.status} in {health.seconds * 1000:.0f} ms, /livez {live.status}, "
        f"dashboard {page.status} (Retry-After {page.headers.get('Retry-After')}) in "
        f"{page.seconds * 1000:.0f} ms; back up: dashboard {back.status} without restarting the app"
    )


def outage(srv):
    """Requests during a database restart: reads and writes answer 503 (never 500) while it
    is down, and every write retried until it succeeds is saved exactly once."""
    process = server.start_gunicorn(srv, DATABASE, PORT, settings="nadd.settings")
    statuses = collections.Counter()
    narratives = []
    try:
        official = server.sign_in(PORT, OFFICIAL, PASSWORD)
        reader = server.session_cookies(server.sign_in(PORT, COORDINATOR, PASSWORD))
        objective, period = objective_and_period(srv)
        stop = threading.Event()

        def read():
            while not stop.is_set():
                statuses[("GET", server.request(PORT, "GET", "/", cookies=reader).status)] += 1

        def write():
            # Under the writing rate limit (sixty an hour), spread over the restart.
            while not stop.is_set() and len(narratives) < 25:
                narrative = f"Outage check {uuid.uuid4()}"
                form = server.new_update_form(official, period, narrative=narrative)
                for _attempt in range(100):  # the same form again, as a user would resend it
                    status = server.request(
                        PORT,
                        "POST",
                        f"/objectives/{objective}/updates/new/",
                        cookies=server.session_cookies(official),
                        form=form,
                    ).status
                    statuses[("POST", status)] += 1
                    if status != 503:
                        break
                    time.sleep(0.2)
                narratives.append(narrative)
                time.sleep(0.15)

        threads = [threading.Thread(target=read), threading.Thread(target=write)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        db.pg_ctl(srv, "-w", "-m", "fast", "restart")
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        server.stop(process)
    saved = {
        narrative: count(
            srv,
            "SELECT COUNT(*) FROM commitments_progressupdate WHERE narrative = "
            + "'"
            + narrative.replace("'", "''")
            + "'",
        )
        for narrative in narratives
    }
    errors = sum(n for (method, status), n in statuses.items() if status >= 500 and status != 503)
    unavailable = sum(n for (method, status), n in statuses.items() if status == 503)
    once = all(n == 1 for n in saved.values())
    ok = errors == 0 and once and statuses[("POST", 302)] == len(narratives)
    return ok, (
        f"during a restart: {dict(statuses)}; {unavailable} answered 503, {errors} other 5xx; "
        f"{len(narratives)} writes retried until saved, each saved once: {once}"
    )


def r8(srv):
    """pg_dump -Fc, pg_restore into a scratch database; counts and checksum match."""
    checksum = (
        "SELECT COUNT(*), md5(string_agg(id::text || ':' || narrative || ':' || "
        "created_at::text, '|' ORDER BY id)) FROM commitments_progressupdate"
    )
    others = "SELECT (SELECT COUNT(*) FROM commitments_comment), (SELECT COUNT(*) FROM " + (
        "commitments_auditentry), (SELECT COUNT(*) FROM auth_user)"
    )
    uri = srv.get_uri(DATABASE)
    scratch = "reliability_restored"
    with tempfile.TemporaryDirectory() as folder:
        dump = Path(folder) / "backup.dump"
        started = time.monotonic()
        subprocess.run([db.bin_path("pg_dump"), "-Fc", "-f", str(dump), uri], check=True)
        dumped = time.monotonic() - started
        db.execute(srv, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        db.execute(srv, f'CREATE DATABASE "{scratch}"')
        started = time.monotonic()
        subprocess.run(
            [db.bin_path("pg_restore"), "--no-owner", "-d", srv.get_uri(scratch), str(dump)],
            check=True,
        )
        restored = time.monotonic() - started
        size = dump.stat().st_size
    source = db.execute(srv, checksum, database=DATABASE)[0], db.execute(srv, others, DATABASE)
    copy = db.execute(srv, checksum, database=scratch)[0], db.execute(srv, others, scratch)
    migrations = subprocess.run(
        [sys.executable, str(db.BASE_DIR / "manage.py"), "migrate", "--check"],
        cwd=db.BASE_DIR,
        env=db.child_env(srv, scratch),
        capture_output=True,
        check=False,
    )
    db.execute(srv, f'DROP DATABASE "{scratch}" WITH (FORCE)')
    ok = source == copy and migrations.returncode == 0
    return ok, (
        f"{source[0][0]} updates, checksum {'equal' if source == copy else 'DIFFERENT'}, "
        f"comments/audit/users {list(copy[1][0])}; migrate --check exit {migrations.returncode}; "
        f"dump {size / 1e6:.1f} MB in {dumped:.1f} s, restore in {restored:.1f} s"
    )


def stateless(srv):
    """Two gunicorn instances, one database, one session cookie used on both."""
    first = server.start_gunicorn(srv, DATABASE, PORT, settings="nadd.settings")
    second = server.start_gunicorn(srv, DATABASE, SECOND_PORT, settings="nadd.settings")
    try:
        jar = server.sign_in(PORT, OFFICIAL, PASSWORD)
        objective, period = objective_and_period(srv)
        marker = f"Written through the second instance {uuid.uuid4()}"
        read_second = server.request(SECOND_PORT, "GET", "/", cookies=server.session_cookies(jar))
        written = post_update(SECOND_PORT, jar, objective, period, marker)
        location = written.headers.get("Location", "")
        read_first = server.request(
            PORT, "GET", location or "/", cookies=server.session_cookies(jar)
        )
        logout = server.request(
            SECOND_PORT,
            "POST",
            "/accounts/logout/",
            cookies=server.session_cookies(jar),
            form={"csrfmiddlewaretoken": jar["_csrf_form_token"]},
        )
        after = server.request(PORT, "GET", "/", cookies=server.session_cookies(jar))
    finally:
        server.stop(first)
        server.stop(second)
    ok = (
        read_second.status == 200
        and written.status == 302
        and read_first.status == 200
        and marker.encode() in read_first.body
        and logout.status == 302
        and after.status == 302
    )
    return ok, (
        f"signed in on :{PORT}; on :{SECOND_PORT} dashboard {read_second.status}, POST "
        f"{written.status}; the update read back on :{PORT} {read_first.status}; signed out "
        f"on :{SECOND_PORT} {logout.status}, then :{PORT} answers {after.status} (to sign-in)"
    )


def worker_rss(process):
    import psutil  # noqa: PLC0415 - installed with pgserver

    return sum(child.memory_info().rss for child in psutil.Process(process.pid).children())


def soak(srv, minutes):
    """R10: mixed reads and writes from 4 clients; no error, flat memory, p99/p50 <= 10.

    Memory is compared from the end of the first fifth of the run, once the per-process
    fragment cache has filled to its bound, to the end: growth after that would be a
    leak. (From the first request, the cache filling is reported too.) The benchmark's
    settings lift the per-user posting throttle, as for ``make bench``: the soak posts
    thousands of updates from one account.
    """
    process = server.start_gunicorn(srv, DATABASE, PORT)
    results, lock = [], threading.Lock()
    statuses = collections.Counter()
    try:
        coordinator = server.session_cookies(server.sign_in(PORT, COORDINATOR, PASSWORD))
        official = server.sign_in(PORT, OFFICIAL, PASSWORD)
        objective, period = objective_and_period(srv)
        reads = ["/", "/updates/", f"/objectives/{objective}/", "/updates/?q=naloxone"]
        for path in reads:  # warm both workers before the first memory reading
            for _ in range(4):
                server.request(PORT, "GET", path, cookies=coordinator)
        rss_first = worker_rss(process)
        started = time.monotonic()
        deadline = started + minutes * 60
        settled_at = started + minutes * 60 / 5
        rss_settled = None

        def client(seed):
            rng = random.Random(seed)  # noqa: S311
            while time.monotonic() < deadline:
                if rng.random() < 0.2:
                    response = post_update(PORT, official, objective, period, "Soak test update.")
                    ok = response.status == 302
                else:
                    response = server.request(PORT, "GET", rng.choice(reads), cookies=coordinator)
                    ok = response.status == 200
                with lock:
                    results.append((ok, response.seconds))
                    statuses[response.status] += 1

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        while time.monotonic() < settled_at:
            time.sleep(1)
        rss_settled = worker_rss(process)
        for thread in threads:
            thread.join()
        rss_end = worker_rss(process)
    finally:
        server.stop(process)
    failures = sum(not ok for ok, _ in results)
    times = sorted(seconds for _, seconds in results)
    p50 = statistics.median(times)
    p99 = times[int(0.99 * (len(times) - 1))]
    growth = rss_end / rss_settled - 1
    ok = failures == 0 and growth < 0.10 and p99 / p50 <= 10
    return ok, (
        f"{len(results)} requests in {minutes} min, {failures} failed "
        f"(statuses {dict(sorted(statuses.items()))}); p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms (ratio {p99 / p50:.1f}); worker RSS "
        f"{rss_settled / 2**20:.0f} -> {rss_end / 2**20:.0f} MB ({growth:+.1%}) after the first "
        f"fifth ({rss_first / 2**20:.0f} MB at the first request)"
    )


def cache_down(srv):
    """The shared fragment cache (Redis) stops and comes back: every page still 200, and the
    processes use Redis again once it is back, without a restart."""
    import redis  # noqa: PLC0415

    from commitments.cache import RETRY_SECONDS  # noqa: PLC0415
    from tests.support.redis_server import RedisServer  # noqa: PLC0415

    folder = DATA_DIR.parent / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    cache = RedisServer(folder).start()
    process = server.start_gunicorn(
        srv, DATABASE, PORT, settings="nadd.settings", CACHE_URL=cache.url
    )
    pages = ["/", "/updates/", "/objectives/", "/countries/"]
    try:
        jar = server.session_cookies(server.sign_in(PORT, COORDINATOR, PASSWORD))

        def read_all():
            return [server.request(PORT, "GET", path, cookies=jar) for path in pages * 3]

        before = read_all()
        filled = redis.Redis.from_url(cache.url).dbsize()
        cache.stop()
        down = read_all()
        cache.start()  # the same port, empty
        time.sleep(RETRY_SECONDS + 1)
        back = read_all()
        refilled = redis.Redis.from_url(cache.url).dbsize()
    finally:
        server.stop(process)
        cache.stop()
    slowest = max(response.seconds for response in down)
    ok = (
        all(response.status == 200 for response in before + down + back)
        and filled > 0
        and refilled > 0
        and slowest < 1
    )
    return ok, (
        f"Redis up: {len(before)} pages, {filled} keys; Redis stopped: statuses "
        f"{sorted({response.status for response in down})}, slowest {slowest * 1000:.0f} ms; "
        f"Redis back: statuses {sorted({response.status for response in back})}, "
        f"{refilled} keys written again without restarting the app"
    )


CHECKS = {
    "r4": r4,
    "r5": r5,
    "r6": r6,
    "outage": outage,
    "r8": r8,
    "stateless": stateless,
    "cache_down": cache_down,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", choices=[*CHECKS, "all", "soak"])
    parser.add_argument("--minutes", type=float, default=10)
    options = parser.parse_args(argv)
    srv = db.start(DATA_DIR)
    prepare(srv)
    if options.check == "soak":
        checks = {"soak (R10)": lambda s: soak(s, options.minutes)}
    elif options.check == "all":
        checks = CHECKS
    else:
        checks = {options.check: CHECKS[options.check]}
    failed = 0
    try:
        for name, check in checks.items():
            ok, detail = check(srv)
            failed += not ok
            log(f"{name.upper()}: {'pass' if ok else 'FAIL'} - {detail}")
    finally:
        # pg_ctl restarted the server under pgserver's feet, so pgserver no longer
        # recognises it as its own at exit: stop it here.
        db.pg_ctl(srv, "-w", "-m", "fast", "stop")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

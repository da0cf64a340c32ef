"""Throughput under load: many clients at once, each asking for pages of a mix one after
another (a closed loop: a client asks again as soon as it has its answer), for a fixed
time. Threads are enough: a client spends its time waiting for the server.
"""

import random
import statistics
import threading
import time

from tests.bench import server


def throughput(port, jars, mix, clients, seconds, seed=1):
    """``clients`` clients asking for the pages of ``mix`` ((label, method, path, who,
    expected status), GET only) at random for ``seconds``: requests per second, p50 and
    p99 in ms, and the errors (an unexpected status, a timeout, a refused connection)."""
    deadline = time.monotonic() + seconds
    times, errors = [], []
    lock = threading.Lock()

    def client(number):
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline:
            _label, method, path, who, expected = rng.choice(mix)
            cookies = server.session_cookies(jars[who]) if who else None
            started = time.perf_counter()
            try:
                status = server.request(port, method, path, cookies=cookies).status
            except OSError as error:
                status = type(error).__name__
            elapsed = time.perf_counter() - started
            with lock:
                times.append(elapsed)
                if status != expected:
                    errors.append(status)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(times)
    return {
        "clients": clients,
        "requests": len(times),
        "rps": len(times) / elapsed,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
        "errors": len(errors),
        "error_kinds": sorted({str(error) for error in errors}),
    }

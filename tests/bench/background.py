"""Files prepared by the background workers, measured as a user gets them: ask (the export
or PDF button's POST answers 302 to the job's page), wait while the page's status reports progress,
then download the finished file. Meanwhile the workers' memory is sampled.
"""

import json
import time

from tests.bench import server

POLL_SECONDS = 0.2


def start(port, jar, path):
    """Ask for a file; returns the job's status address."""
    response = server.ask_for_file(port, jar, path)
    if response.status != 302 or "/files/" not in response.headers["Location"]:
        raise RuntimeError(f"{path} answered {response.status}, not a job")
    return response.headers["Location"] + "status.json"


def status(port, jar, status_url):
    response = server.request(port, "GET", status_url, cookies=server.session_cookies(jar))
    return json.loads(response.body)


def workers_memory(workers):
    return max(server.memory_mb(worker) for worker in workers)


def prepare(port, jar, path, workers, timeout=3600):
    """Ask for one file and wait for it: seconds to the finished file (asking, waiting and
    downloading), its bytes, its state, and the workers' memory before and at the peak."""
    before = workers_memory(workers)
    peak = before
    started = time.perf_counter()
    status_url = start(port, jar, path)
    while (found := status(port, jar, status_url))["active"]:
        peak = max(peak, workers_memory(workers))
        if time.perf_counter() - started > timeout:
            raise RuntimeError(f"{path} was not ready after {timeout} s")
        time.sleep(POLL_SECONDS)
    size = 0
    if found["download_url"]:
        _code, size, _seconds = server.download(
            port, found["download_url"], server.session_cookies(jar)
        )
    return {
        "seconds": time.perf_counter() - started,
        "bytes": size,
        "state": found["state"],
        "download_url": found["download_url"],
        "memory_before": before,
        "memory_peak": max(peak, workers_memory(workers)),
    }


class Running:
    """Files asked for at once and left to the workers, for measuring pages meanwhile."""

    def __init__(self, port, asks):
        """``asks``: (jar, path) pairs, each asked for now."""
        self.port = port
        self.jobs = [(jar, start(port, jar, path)) for jar, path in asks]
        self.started = time.perf_counter()

    def active(self):
        return any(status(self.port, jar, url)["active"] for jar, url in self.jobs)

    def wait(self, timeout=3600):
        while self.active():
            if time.perf_counter() - self.started > timeout:
                raise RuntimeError(f"the exports were not ready after {timeout} s")
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - self.started

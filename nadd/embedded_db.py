"""An embedded PostgreSQL for development and tests, used when DATABASE_URL is unset.

pgserver ships PostgreSQL's binaries in a wheel, so a fresh machine needs only Python.
The data lives in ``.pgdata/`` of the checkout (ignored by git), so a second run finds
the same database. The server is started (or joined) when a process makes its first
connection (nadd/embedded_postgresql/base.py), not when the settings are read: a process
that never touches the database never starts one. Every process that uses the server
registers its pid; the last one to exit stops it.
"""

import json
import os
import signal
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
ROOT = BASE_DIR / ".pgdata"
DATA_DIR = ROOT / "data"
DATABASE_NAME = "nadd"
USER = "postgres"

_lock = threading.Lock()
_started = {}  # pid -> the server's URI, once this process has started or joined it


def url():
    """Where the embedded database is, or will be once started: nothing is started."""
    return f"postgresql://{USER}:@/{DATABASE_NAME}?host={socket_dir()}"


def socket_dir():
    """The folder of the server's socket, as its postmaster.pid says when it has run,
    otherwise the data folder (pgserver's choice whenever the path is short enough)."""
    try:
        lines = (DATA_DIR / "postmaster.pid").read_text().splitlines()
    except OSError:
        lines = []
    if len(lines) > 4 and lines[4].strip():
        return lines[4].strip()
    return str(DATA_DIR)


def ensure_running():
    """Start (or join) the server once per process; returns the folder of its socket."""
    with _lock:
        if os.getpid() not in _started:
            _started[os.getpid()] = start()
        uri = _started[os.getpid()]
    return parse_qs(urlsplit(uri).query)["host"][0]


def _prune_stale_handles():
    """Forget processes that died without unregistering (killed by SIGKILL, say).

    pgserver stops the server when its list of live handles empties; a dead pid left in
    the list would keep the server running for ever.
    """
    handles = DATA_DIR / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if _is_running(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exit_normally_on_sigterm():
    # A SIGTERM would otherwise skip atexit, leaving the server running and our pid
    # registered. Only take the signal if nobody else (gunicorn, say) already has.
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def start():
    """Start (or join) the embedded server and return a DATABASE_URL for it."""
    runtime = ROOT / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    # pgserver keeps a lock file under the user's runtime folder; give it ours.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))

    import pgserver  # noqa: PLC0415 - imported only when the embedded server is wanted

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    _prune_stale_handles()
    server = pgserver.get_server(DATA_DIR)
    if threading.current_thread() is threading.main_thread():
        _exit_normally_on_sigterm()
    _ensure_database(server)
    return server.get_uri(DATABASE_NAME)


def _ensure_database(server):
    import psycopg2  # noqa: PLC0415

    connection = psycopg2.connect(server.get_uri("postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        connection.close()

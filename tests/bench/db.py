"""The benchmark's own embedded PostgreSQL, never the development data.

Its data directory is ``.pgdata/bench/`` (ignored by git). Each dataset is generated once
into a template database named after its size and seed; every run copies the template
(``CREATE DATABASE … TEMPLATE``, seconds even at a million updates), migrates the copy
and measures it, so a run never sees the writes of the one before.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
ROOT = BASE_DIR / ".pgdata" / "bench"
DATA_DIR = ROOT / "data"
# Bump when generate_load_data changes what it writes, so cached templates are rebuilt.
GENERATOR_VERSION = 2


def start(data_dir=None):
    """Start (or join) the benchmark's server (or another one in ``data_dir``)."""
    data_dir = data_dir or DATA_DIR
    runtime = ROOT / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver  # noqa: PLC0415

    from nadd import embedded_db  # noqa: PLC0415

    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        # Same recovery as the development server: forget pids of killed runs.
        import json  # noqa: PLC0415

        pids = json.loads(handles.read_text() or "[]")
        handles.write_text(json.dumps([pid for pid in pids if embedded_db._is_running(pid)]))
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return pgserver.get_server(data_dir)


def pg_ctl(server, *args):
    """pg_ctl on the server's data directory, as the user PostgreSQL runs as."""
    from pgserver._commands import pg_ctl as run  # noqa: PLC0415

    return run(list(args), pgdata=server.pgdata, user=server.system_user, timeout=60)


def bin_path(name):
    from pgserver._commands import POSTGRES_BIN_PATH  # noqa: PLC0415

    return str(POSTGRES_BIN_PATH / name)


def admin_connection(server):
    import psycopg2  # noqa: PLC0415

    connection = psycopg2.connect(server.get_uri("postgres"))
    connection.autocommit = True
    return connection


def exists(server, name):
    with admin_connection(server) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def execute(server, sql, database="postgres"):
    import psycopg2  # noqa: PLC0415

    connection = psycopg2.connect(server.get_uri(database))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def child_env(server, database, **extra):
    """The environment for manage.py and gunicorn: this database, the worktree's Python."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYENV_VERSION", "PYENV_DIR", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DATABASE_URL=server.get_uri(database), PYTHONUNBUFFERED="1", **extra)
    return env


def manage(server, database, *args, **extra):
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        check=True,
        cwd=BASE_DIR,
        env=child_env(server, database, **extra),
    )


def template_name(updates, seed):
    return f"bench_v{GENERATOR_VERSION}_{updates}_s{seed}"


def ensure_template(server, updates, seed, log=print):
    """The generated dataset of this size as a template database, generated if missing."""
    name = template_name(updates, seed)
    if exists(server, name):
        log(f"Using the cached dataset {name}.")
        return name
    building = name + "_building"
    execute(server, f'DROP DATABASE IF EXISTS "{building}"')
    execute(server, f'CREATE DATABASE "{building}"')
    started = time.monotonic()
    log(f"Generating {updates} updates into {building} (cached for later runs)...")
    manage(server, building, "migrate", "--noinput", "-v0")
    manage(server, building, "generate_load_data", "--updates", str(updates), "--seed", str(seed))
    execute(server, "VACUUM ANALYZE", database=building)
    # Renamed only when complete, so an interrupted run never leaves a half dataset cached.
    execute(server, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    log(f"Generated and analysed in {time.monotonic() - started:.0f} s.")
    return name


def fresh_copy(server, template, name, log=print):
    """A disposable copy of the template, migrated to the current code, vacuumed and
    analysed."""
    execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    started = time.monotonic()
    execute(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    manage(server, name, "migrate", "--noinput", "-v0")  # the cache table included
    # VACUUM too: a migration that rewrote every row (filling a new column) leaves the
    # visibility map empty, so index-only scans fetch every heap row until autovacuum
    # catches up; the benchmark measures the steady state a production database is in.
    execute(server, "VACUUM ANALYZE", database=name)
    log(f"Copied {template} to {name} and migrated it in {time.monotonic() - started:.0f} s.")
    return name

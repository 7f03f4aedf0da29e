#!/usr/bin/env python
"""Choose the PostgreSQL and Redis the project runs against and write them to a shell-sourceable env file.

Usage (the Makefile runs the first form before `make run` and `make test`):

    .venv/bin/python bin/services.py --write .data/services.env [--force-embedded] [--data-dir DIR]
    .venv/bin/python bin/services.py --stop [--data-dir DIR]      # stop the embedded PostgreSQL

Order of preference (PRODUCT.md section 4 item 9):

* PostgreSQL: ``DATABASE_URL`` from the environment; else a server at 127.0.0.1:5432 (database
  ``nidia_flow`` is created when missing); else an embedded PostgreSQL 16 from the ``pgserver`` wheel,
  data in ``<data-dir>/pg``, reachable only through a Unix socket.
* Redis: ``REDIS_URL`` from the environment; else a server at 127.0.0.1:6379 that answers PING; else
  no server at all: Celery uses kombu's filesystem transport and a file result backend under
  ``<data-dir>``, the Django cache is in-process (locmem), and ``REDIS_URL`` is written empty, which
  tells the apps there is no Redis (API calls are counted and API requests logged in the database).

``--force-embedded`` (or ``NIDIA_FORCE_EMBEDDED=1``) skips the local servers, never an explicit URL.
Only the variables that need a value other than the settings' defaults are written, and a variable
already set in the environment is never overwritten (the env file is sourced after the environment).

Plain Python on purpose: stdlib, psycopg and pgserver only; Django is not imported.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO / ".data"
DB_NAME = "nidia_flow"
PG_HOST, PG_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
LOCAL_DATABASE_URL = f"postgres://postgres@{PG_HOST}:{PG_PORT}/{DB_NAME}"
LOCAL_REDIS_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"
# Variables the Redis fallback writes; any of them set in the environment wins over the fallback.
BROKER_VARS = ("CELERY_BROKER_URL", "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_RESULT_BACKEND", "CACHE_URL")
NO_REDIS = ""  # REDIS_URL of the fallback: empty means "no Redis" to the apps (usage counter, API request log)

HINTS = f"""\
What to do:
  * Start the local servers (Debian/Ubuntu):
      pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  * or point the project at servers of your own:
      export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/{DB_NAME}  REDIS_URL=redis://HOST:6379/0
  * or use the embedded fallback even though something answers locally:
      NIDIA_FORCE_EMBEDDED=1 make run
  * an embedded PostgreSQL that will not start: stop it with `bin/services.py --stop`, or delete .data/pg
    (its data is lost) and run again."""


def read_env_file(path: Path | None) -> dict[str, str]:
    """KEY='value' lines of an env file this script wrote earlier ({} when there is none)."""
    values: dict[str, str] = {}
    if path is None or not path.is_file():
        return values
    for line in path.read_text().splitlines():
        key, sep, raw = line.partition("=")
        if sep and not line.startswith("#"):
            with contextlib.suppress(ValueError):
                values[key.strip()] = "".join(shlex.split(raw))
    return values


def set_by_user(name: str, previous: dict[str, str]) -> bool:
    """Whether the environment sets `name` itself, not just because our previous env file was sourced."""
    value = os.environ.get(name)
    return bool(value) and previous.get(name) != value


class ServiceError(Exception):
    """A service could not be set up; the message says which and why."""


def rel(path: Path) -> str:
    """A path relative to the repository when it lies inside it, for friendlier messages."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def tcp_accepts(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_answer(host: str, port: int, timeout: float = 1.0) -> str | None:
    """The first line Redis sends back to PING, or None when nothing accepts the connection."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            data = b""
            while b"\r\n" not in data and len(data) < 512:
                chunk = sock.recv(512)
                if not chunk:
                    break
                data += chunk
    except OSError:
        return None
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def ensure_database(name: str = DB_NAME, **conninfo: object) -> tuple[str, str]:
    """Create the database on the server when it is missing; return the server version and what was done."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **conninfo) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return version.split()[0], ("existing" if exists else "new") + f" database {name}"


def ensure_database_of_url(url: str) -> str:
    """For an explicit DATABASE_URL: create its database when the server answers but it is missing."""
    from urllib.parse import parse_qs, unquote, urlparse

    parts = urlparse(url)
    name = unquote(parts.path.lstrip("/"))
    conninfo: dict[str, object] = {"user": unquote(parts.username or "") or None, "port": parts.port}
    conninfo["host"] = parts.hostname or parse_qs(parts.query).get("host", [None])[0]
    if parts.password:
        conninfo["password"] = unquote(parts.password)
    try:
        return ensure_database(name, **{k: v for k, v in conninfo.items() if v})[1]
    except Exception as exc:  # noqa: BLE001 - report, and let Django's own error speak later
        return f"could not check the database ({exc.__class__.__name__}: {str(exc).strip()[:120]})"


def import_pgserver():
    # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp/runtime-<uid>: that is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.postgres_server  # evaluates the runtime path under the filter
    return pgserver


def start_embedded_postgres(data_dir: Path) -> tuple[Path, int]:
    """Start (or reuse) the embedded server in data_dir/pg; return its socket directory and port."""
    pgserver = import_pgserver()
    pgdata = data_dir / "pg"
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # cleanup_mode=None: the server keeps running after this script exits (web, worker, beat use it).
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is None:
        raise ServiceError(f"embedded PostgreSQL in {rel(pgdata)} reports no Unix socket directory")
    return Path(info.socket_dir), int(info.port or 5432)


def pg_ctl_path() -> Path:
    pgserver = import_pgserver()
    return Path(pgserver.__file__).resolve().parent / "pginstall" / "bin" / "pg_ctl"


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server in data_dir/pg if it runs; return whether one was stopped."""
    pgdata = (data_dir / "pg").resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    kwargs: dict = {}
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        kwargs["user"] = "pgserver"  # pg_ctl refuses to run as root; pgserver runs the server as this user
    result = subprocess.run(
        [str(pg_ctl_path()), "-D", str(pgdata), "-w", "-m", "fast", "stop"],
        cwd=pgdata,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        **kwargs,
    )
    if result.returncode != 0:
        raise ServiceError(f"pg_ctl stop failed for {pgdata}:\n{result.stdout}{result.stderr}")
    return True


def socket_database_url(socket_dir: Path, port: int) -> str:
    # django-environ reads ?host=... into OPTIONS["host"], which psycopg takes as the socket directory.
    url = f"postgres://postgres@/{DB_NAME}?host={quote(str(socket_dir), safe='/')}"
    if port != 5432:
        url += f"&port={port}"
    return url


def choose_postgres(args, env: dict[str, str], previous: dict[str, str]) -> None:
    if set_by_user("DATABASE_URL", previous):
        print(
            "PostgreSQL: DATABASE_URL is set in the environment — using it as is "
            f"({ensure_database_of_url(os.environ['DATABASE_URL'])})"
        )
        return
    if not args.force_embedded and tcp_accepts(PG_HOST, PG_PORT):
        try:
            version, database = ensure_database(host=PG_HOST, port=PG_PORT, user="postgres")
        except Exception as exc:  # any connection failure gets the same advice
            raise ServiceError(
                f"a server answers at {PG_HOST}:{PG_PORT} but connecting as postgres to it failed: {exc}\n"
                "Set DATABASE_URL to a user that may connect, or use the embedded fallback."
            ) from exc
        print(f"PostgreSQL: local server at {PG_HOST}:{PG_PORT} (PostgreSQL {version}), {database}")
        if int(version.split(".")[0]) < 15:
            print("            warning: the product needs PostgreSQL 15 or newer (PRODUCT.md section 2)")
        env["DATABASE_URL"] = LOCAL_DATABASE_URL
        return
    reason = "--force-embedded" if args.force_embedded else f"nothing answers at {PG_HOST}:{PG_PORT}"
    socket_dir, port = start_embedded_postgres(args.data_dir)
    version, database = ensure_database(host=str(socket_dir), port=port, user="postgres")
    print(
        f"PostgreSQL: {reason} — using embedded PostgreSQL {version} (pgserver) in {rel(args.data_dir / 'pg')},\n"
        f"            Unix socket in {rel(socket_dir)}, {database}; it keeps running after `make run` "
        "stops\n            (stop it with `.venv/bin/python bin/services.py --stop`)"
    )
    env["DATABASE_URL"] = socket_database_url(socket_dir, port)


def choose_redis(args, env: dict[str, str], previous: dict[str, str]) -> None:
    if set_by_user("REDIS_URL", previous):
        print("Redis:      REDIS_URL is set in the environment — using it as is")
        return
    answer = None if args.force_embedded else redis_answer(REDIS_HOST, REDIS_PORT)
    if answer == "+PONG":
        # Nothing to write: the settings default to this server (and test settings pick database 15).
        print(f"Redis:      local server at {REDIS_HOST}:{REDIS_PORT} answers PING — broker, results and cache use it")
        return
    if args.force_embedded:
        reason = "--force-embedded"
    elif answer is None:
        reason = f"nothing answers at {REDIS_HOST}:{REDIS_PORT}"
    else:
        reason = f"{REDIS_HOST}:{REDIS_PORT} answered PING with {answer!r}"
    data_dir = args.data_dir
    broker = data_dir / "broker"
    options = {
        "data_folder_in": str(broker / "queue"),  # producers and consumers share one folder
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "control_folder": str(broker / "control"),  # exchange bindings; default would be ./control
    }
    for folder in (*map(Path, options.values()), data_dir / "celery-results"):
        folder.mkdir(parents=True, exist_ok=True)
    wanted = {
        # The host part means nothing to this transport; naming one stops kombu warning "No hostname was supplied".
        "CELERY_BROKER_URL": "filesystem://localhost/",
        "CELERY_BROKER_TRANSPORT_OPTIONS": json.dumps(options),
        "CELERY_RESULT_BACKEND": f"file://{data_dir / 'celery-results'}",
        "CACHE_URL": "locmemcache://",
    }
    kept = [name for name in BROKER_VARS if set_by_user(name, previous)]
    env.update({name: value for name, value in wanted.items() if name not in kept})
    env["REDIS_URL"] = NO_REDIS
    print(
        f"Redis:      {reason} — no Redis needed: Celery uses kombu's filesystem transport in "
        f"{rel(broker)}\n            and stores results in {rel(data_dir / 'celery-results')}; "
        "the Django cache is in-process (locmem, one per process);\n            "
        "API calls are counted and API requests logged in the database"
    )
    if kept:
        print(f"            kept from the environment: {', '.join(kept)}")


def shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def write_env(path: Path, env: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by bin/services.py — regenerated on every `make run` / `make test`; do not edit.",
        "# Variables already set in your environment are not repeated here.",
        *(f"{key}={shell_quote(value)}" for key, value in env.items()),
    ]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def parse_args(argv: list[str] | None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="env file to write (KEY='value' lines)")
    parser.add_argument("--force-embedded", action="store_true", help="ignore servers on 127.0.0.1")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="where embedded data lives")
    parser.add_argument("--stop", action="store_true", help="stop the embedded PostgreSQL in --data-dir")
    args = parser.parse_args(argv)
    if not args.write and not args.stop:
        parser.error("one of --write or --stop is required")
    if os.environ.get("NIDIA_FORCE_EMBEDDED", "").lower() in {"1", "true", "yes", "on"}:
        args.force_embedded = True
    args.data_dir = args.data_dir.expanduser().resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stage = "the embedded PostgreSQL"
    try:
        if args.stop:
            stopped = stop_embedded_postgres(args.data_dir)
            where = rel(args.data_dir / "pg")
            print(f"Embedded PostgreSQL in {where}: {'stopped' if stopped else 'not running'}")
            return 0
        env: dict[str, str] = {}
        previous = read_env_file(args.write)
        stage = "PostgreSQL"
        choose_postgres(args, env, previous)
        stage = "Redis / the Celery broker"
        choose_redis(args, env, previous)
        stage = f"the env file {args.write}"
        write_env(args.write, env)
        print(f"Service settings written to {args.write}")
        return 0
    except Exception as exc:  # noqa: BLE001  (whatever went wrong, say it and how to get going)
        print(f"\nCould not set up {stage}: {exc}\n\n{HINTS}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)

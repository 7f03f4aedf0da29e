#!/usr/bin/env python
"""`make prod-check`: the production stack on loopback, with production settings, and a smoke request per surface.

What it does, in order (docs/deploy/README.md):
1. generates secrets and a production environment (loopback only, a file email backend, dummy Stripe
   keys with BILLING_PROVIDER=manual);
2. starts its own Redis (PORT+3) and, when Debian's pgbouncer is installed, its own PgBouncer in session
   mode (PORT+2) from a generated ini in a temp dir; without pgbouncer it fails in CI and warns locally;
3. drops and recreates the database (nidia_prodcheck), cloned from a cached template when one built from
   the same migrations exists (the first build migrates everything: a few minutes), then runs
   `platform_setup` (migrations, reference data, demo tenants acme/globex and their users);
4. `collectstatic` into .data/prodcheck/static (skipped when the static inputs did not change);
5. starts the Procfile (gunicorn, uvicorn, celery worker, celery beat) through honcho;
6. runs the smoke checks and prints PASS/FAIL for each; exits 1 on any failure.

Every process it started is stopped on the way out (also on failure and Ctrl-C). With --keep the stack stays
up until Ctrl-C (for a load test); --reuse-db keeps the database and setup of the previous run.
Plain Python on purpose: stdlib only (it must not import Django: it drives processes that do).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
STATE = REPO / ".data" / "prodcheck"
# The PostgreSQL server: the one of DATABASE_URL (.data/services.env, which `make` loads), another database on it.
SERVER_URL = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
DOMAIN = "localhost"
TENANT = "acme"
STOP_TIMEOUT = 30.0  # honcho itself gives its children 5 s, then SIGKILL


def say(text: str) -> None:
    print(f"prod-check| {text}", flush=True)


class CheckFailed(Exception):
    """A check's verdict, with what was seen."""


# --- Processes ------------------------------------------------------------------------------------


class Processes:
    """Everything this script starts, each in its own process group, stopped in reverse order."""

    def __init__(self) -> None:
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        handle = log.open("ab")
        proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append((name, proc))
        return proc

    def stop_all(self) -> None:
        """SIGTERM each group, SIGKILL what is left after STOP_TIMEOUT. honcho puts each of its children in a
        session of its own: their groups are noted first and killed too if honcho leaves any behind."""
        child_groups = descendant_groups([proc.pid for _, proc in self.started if proc.poll() is None])
        for _name, proc in reversed(self.started):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, proc in reversed(self.started):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_TIMEOUT:.0f} s: SIGKILL")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for group in child_groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        self.started.clear()


def descendant_groups(roots: list[int]) -> set[int]:
    """The process groups of every descendant of `roots` (from ps), other than the roots' own."""
    listing = subprocess.run(["ps", "-e", "-o", "pid=,ppid=,pgid="], capture_output=True, text=True, check=False)
    rows = [tuple(int(v) for v in line.split()) for line in listing.stdout.splitlines() if line.strip()]
    found, frontier = set(roots), list(roots)
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid, _ in rows if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return {pgid for pid, _, pgid in rows if pid in found} - set(roots)


def wait_for_port(port: int, *, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise CheckFailed(f"the process behind port {port} exited")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.3)
    raise CheckFailed(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# --- Environment ----------------------------------------------------------------------------------


def generated_secrets() -> dict[str, str]:
    """Secrets generated on the first run and kept in .data/prodcheck/secrets.json (mode 0600): the cached
    database template holds values encrypted with FIELD_ENCRYPTION_KEY (TOTP secrets, webhook secrets)."""
    path = STATE / "secrets.json"
    values = dict(json.loads(path.read_text())) if path.exists() else {}
    wanted = {"SECRET_KEY": 50, "FIELD_ENCRYPTION_KEY": 32, "AUDIT_CHECKPOINT_KEY": 32, "BACKUP_ENCRYPTION_KEY": 32,
              "METRICS_TOKEN": 24}  # fmt: skip
    missing = {name: secrets.token_urlsafe(size) for name, size in wanted.items() if not values.get(name)}
    if missing:  # a secret added since the file was written: the others (and the cached template) stay valid
        values.update(missing)
        path.touch(mode=0o600)
        path.write_text(json.dumps(values))
    return values


def production_env(args: argparse.Namespace, *, redis_port: int, database_url: str) -> dict[str, str]:
    """A complete production environment (docs/deploy.env.sample), on loopback, with generated secrets."""
    redis = f"redis://127.0.0.1:{redis_port}/0"
    return {
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", str(STATE)),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        **generated_secrets(),
        "PLATFORM_DOMAIN": DOMAIN,
        "ALLOWED_HOSTS": f"{DOMAIN},.{DOMAIN},127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis,
        "EMAIL_URL": "filemail://" + str(STATE / "mail"),  # nothing leaves the machine
        "DEFAULT_FROM_EMAIL": "NIDIA Flow <no-reply@localhost>",
        "STRIPE_LIVE_SECRET_KEY": "sk_live_" + "0" * 24 + "prodcheck",
        "DJSTRIPE_WEBHOOK_SECRET": "whsec_prodcheck",
        "BILLING_PROVIDER": "manual",  # no call leaves for Stripe (production.py's billing_provider_default)
        "HOST": "127.0.0.1",
        "PORT": str(args.port),
        "REALTIME_PORT": str(args.port + 1),
        "PUBLIC_URL_PORT": str(args.port),
        "STATIC_ROOT": str(STATE / "static"),
        "GDPR_EXPORT_ROOT": str(STATE / "gdpr"),
        "ARCHIVE_ROOT": str(STATE / "archive"),
        # Every process of the stack writes its metrics there; /metrics merges them (docs/observability.md).
        "PROMETHEUS_MULTIPROC_DIR": str(STATE / "metrics"),
        "REALTIME_CHANNEL_PREFIX": f"nf-rt-prodcheck-{args.port}",
        # Only when set: gunicorn and uvicorn both read WEB_CONCURRENCY and fail on an empty value.
        **({"WEB_CONCURRENCY": os.environ["WEB_CONCURRENCY"]} if os.environ.get("WEB_CONCURRENCY") else {}),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": "false",
        **{name: secrets.token_urlsafe(16) for name in DEMO_PASSWORDS.values()},
    }


DEMO_PASSWORDS = {
    "admin@nidia.localhost": "DEMO_ADMIN_PASSWORD",
    f"admin@{TENANT}.localhost": f"DEMO_{TENANT.upper()}_PASSWORD",
}


def manage(env: dict[str, str], *argv: str, log: Path, timeout: float = 3600) -> str:
    """A management command under the production environment; its output goes to the log (and is returned)."""
    result = subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *argv], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    with log.open("a") as handle:
        handle.write(f"$ manage.py {' '.join(argv)}\n{result.stdout}{result.stderr}\n")
    if result.returncode:
        raise CheckFailed(f"manage.py {argv[0]} failed (exit {result.returncode}): {result.stderr.strip()[-800:]}")
    return result.stdout


# --- Database -------------------------------------------------------------------------------------


def server_url(database: str) -> str:
    """SERVER_URL with another database name (its host, port, user and query kept)."""
    parts = urlsplit(SERVER_URL)
    return parts._replace(path=f"/{database}").geturl()


def server_address() -> tuple[str, int]:
    parts = urlsplit(SERVER_URL)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def psql(sql: str) -> str:
    argv = ["psql", server_url("postgres"), "-v", "ON_ERROR_STOP=1", "-Atqc", sql]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode:
        raise CheckFailed(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def migrations_fingerprint(encryption_key: str) -> str:
    """Names and contents of every migration, and the encryption key: a template built from other migrations,
    or whose encrypted values this run could not read, is not reused."""
    digest = hashlib.sha256(encryption_key.encode())
    for path in sorted([*REPO.glob("apps/*/migrations/*.py"), *REPO.glob("requirements/*.txt")]):
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def database_recreate(name: str, *, template: str) -> bool:
    """Drop and create the database, from the cached template when there is one; True when cloned."""
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return True
    psql(f'CREATE DATABASE "{name}"')
    return False


def template_save(name: str, *, template: str) -> None:
    """Keep a copy of the freshly set-up database so the next run clones it in seconds; drop older ones."""
    for old in psql(f"SELECT datname FROM pg_database WHERE datname LIKE '{name}_tpl_%'").split():
        if old != template:
            psql(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    psql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')


# --- Static files ---------------------------------------------------------------------------------


def static_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted([*REPO.glob("static/**/*"), *REPO.glob("apps/*/static/**/*"), *REPO.glob("requirements/*.txt")]):
        if path.is_file():
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def collectstatic(env: dict[str, str], log: Path) -> str:
    stamp = STATE / "static.sha256"
    want = static_fingerprint()
    manifest = STATE / "static" / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == want:
        return "unchanged since the last run: kept"
    shutil.rmtree(STATE / "static", ignore_errors=True)
    manage(env, "collectstatic", "--noinput", "-v", "0", log=log)
    stamp.write_text(want)
    return "collected, hashed and compressed"


# --- PgBouncer and Redis --------------------------------------------------------------------------


def pgbouncer_ini(workdir: Path, *, port: int, database: str, mode: str) -> Path:
    """A PgBouncer of our own: loopback, trust (like the local PostgreSQL), the given pool mode."""
    (workdir / "userlist.txt").write_text('"postgres" ""\n')
    ini = workdir / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{database} = host={server_address()[0]} port={server_address()[1]} dbname={database} user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {workdir / "userlist.txt"}
admin_users = postgres
pool_mode = {mode}
max_client_conn = 2000
default_pool_size = 40
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
pidfile = {workdir / "pgbouncer.pid"}
"""
    )
    return ini


def pgbouncer_command(ini: Path) -> list[str]:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    # PgBouncer refuses to run as root (CI runs as root): it switches to the postgres user itself.
    return [binary, "-u", "postgres", str(ini)] if os.geteuid() == 0 else [binary, str(ini)]


def pgbouncer_installed() -> bool:
    return bool(shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists())


# --- HTTP client ----------------------------------------------------------------------------------


class Client:
    """Plain http.client to the loopback port, as a proxy would forward it: X-Forwarded-Proto https and
    the public Host. Cookies are kept by hand (they are Secure, which cookie jars withhold over http)."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": self.host, "X-Forwarded-Proto": "https", "User-Agent": "prod-check", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(raw).items():
                self.cookies[key] = morsel.value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{self.host}{path}",
            "X-CSRFToken": self.cookies.get("csrftoken", ""),
        }
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request("POST", path, body=urlencode(fields).encode(), headers=headers)

    def post_json(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json"}
        return self.request("POST", path, body=json.dumps(payload).encode(), headers=headers)


def expect(status: int, wanted: int | tuple[int, ...], what: str, body: bytes = b"") -> None:
    wanted = wanted if isinstance(wanted, tuple) else (wanted,)
    if status not in wanted:
        raise CheckFailed(f"{what}: HTTP {status}, wanted {'/'.join(map(str, wanted))}: {body[:200]!r}")


def sign_in(client: Client, email: str, password: str, *, totp_secret: str = "") -> None:
    """allauth's sign-in form, then its TOTP step when the account has one (staff do)."""
    expect(client.get("/accounts/login/")[0], 200, "login page")
    status, headers, body = client.post_form("/accounts/login/", {"login": email, "password": password})
    expect(status, 302, f"sign-in of {email}", body)
    if "/2fa/" in headers.get("location", ""):
        path = urlsplit(headers["location"]).path
        expect(client.get(path)[0], 200, "TOTP page")
        status, headers, body = client.post_form(path, {"code": totp_now(totp_secret)})
        expect(status, 302, f"TOTP step of {email}", body)


def totp_now(secret: str) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), the parameters allauth.mfa uses by default."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


# --- The run --------------------------------------------------------------------------------------


FIXTURES_SCRIPT = """
import json, time
from django_tenants.utils import tenant_context
from apps.accounts.models import User
from apps.accounts.totp import totp_ensure
from apps.integrations.services import api_key_create
from apps.tenancy.models import Tenant
secret, _ = totp_ensure(User.objects.get(email="admin@nidia.localhost"))
with tenant_context(Tenant.objects.get(slug=%(tenant)r)):
    _, raw = api_key_create(name=f"prod-check {time.time():.0f}", scopes=["solutions:read"], acting_user=None)
print(json.dumps({"totp_secret": secret, "api_key": raw}))
"""

WEBSOCKET_SCRIPT = """
import json, socket, sys
from websockets.sync.client import connect
# The URI gives the Host header (the tenant's name); the socket goes to loopback, as the proxy's would.
headers = {"Origin": "https://%(host)s", "X-Forwarded-Proto": "https"}
sock = socket.create_connection(("127.0.0.1", %(port)s), timeout=20)
with connect("ws://%(host)s:%(port)s/ws/", sock=sock, additional_headers=headers, open_timeout=20) as ws:
    ws.send(json.dumps({"type": "auth", "token": sys.argv[1], "ref": "a"}))
    print(ws.recv(timeout=20))
    ws.send(json.dumps({"type": "ping", "ref": "p"}))
    print(ws.recv(timeout=20))
"""

CELERY_SCRIPT = """
from apps.core.tasks import current_schema
print(current_schema.delay().get(timeout=60)["schema"])
"""


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.processes = Processes()
        self.results: list[tuple[str, bool, str]] = []
        self.log = STATE / "prod-check.log"
        self.stack_log = STATE / "stack.log"
        self.env: dict[str, str] = {}
        self.fixtures: dict[str, str] = {}
        self.honcho: subprocess.Popen[bytes] | None = None

    def check(self, name: str, run: Callable[[], str]) -> None:
        try:
            detail = run()
            ok = True
        except Exception as exc:  # noqa: BLE001 - every failure is a FAIL line, the run goes on
            detail, ok = f"{exc.__class__.__name__}: {exc}", False
        self.results.append((name, ok, detail))
        say(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")

    # -- preparation
    def prepare(self) -> None:
        STATE.mkdir(parents=True, exist_ok=True)
        (STATE / "mail").mkdir(exist_ok=True)
        for log in (self.log, self.stack_log):
            log.write_text("")
        ports = [self.args.port, self.args.port + 1, self.args.port + 2, self.args.port + 3]
        busy = [port for port in ports if not port_free(port)]
        if busy:
            raise CheckFailed(f"ports {busy} are in use on 127.0.0.1 (choose another with --port)")
        redis_port = self.args.port + 3
        self.start_redis(redis_port)
        direct = server_url(self.args.database)
        self.env = production_env(self.args, redis_port=redis_port, database_url=direct)
        self.setup_database()
        say(f"static files: {collectstatic(self.env, self.log)}")
        self.fixtures = json.loads(
            manage(self.env, "shell", "-c", FIXTURES_SCRIPT % {"tenant": TENANT}, log=self.log).strip().splitlines()[-1]
        )
        self.env.update(self.pooler_env())

    def start_redis(self, port: int) -> None:
        if not shutil.which("redis-server"):
            raise CheckFailed("redis-server is not installed (apt-get install redis-server)")
        argv = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
        proc = self.processes.start("redis", argv, env=dict(os.environ), log=STATE / "redis.log")
        wait_for_port(port, timeout=15, alive=lambda: proc.poll() is None)

    def setup_database(self) -> None:
        name = self.args.database
        template = f"{name}_tpl_{migrations_fingerprint(self.env['FIELD_ENCRYPTION_KEY'])}"
        if self.args.reuse_db and psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            say(f"database {name}: reused (--reuse-db)")
        else:
            cloned = database_recreate(name, template=template)
            say(f"database {name}: recreated{' from the cached template ' + template if cloned else ''}")
            if not cloned:
                say("first run with these migrations: migrating every schema (a few minutes)")
        started = time.monotonic()
        manage(self.env, "platform_setup", "--no-billing-run", log=self.log)
        say(f"platform_setup: done in {time.monotonic() - started:.0f} s")
        if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
            template_save(name, template=template)

    def pooler_env(self) -> dict[str, str]:
        """Send the stack through our own PgBouncer (session mode) when Debian's package is installed."""
        if self.args.no_pooler:
            say("WARNING: --no-pooler: the stack talks to PostgreSQL directly")
            return {"DATABASE_POOLER": "none"}
        if not pgbouncer_installed():
            if os.environ.get("CI"):
                raise CheckFailed("pgbouncer is not installed (.ci/run installs it: apt-get install -y pgbouncer)")
            say("WARNING: pgbouncer is not installed: the smoke suite runs WITHOUT the pooler (CI refuses this)")
            return {"DATABASE_POOLER": "none"}
        port = self.args.port + 2
        workdir = Path(tempfile.mkdtemp(prefix="prodcheck-pgbouncer-"))
        workdir.chmod(0o755)
        ini = pgbouncer_ini(workdir, port=port, database=self.args.database, mode=self.args.pool_mode)
        if os.geteuid() == 0:
            shutil.chown(workdir, user="postgres")
        proc = self.processes.start(
            "pgbouncer", pgbouncer_command(ini), env=dict(os.environ), log=STATE / "pgbouncer.log"
        )
        wait_for_port(port, timeout=15, alive=lambda: proc.poll() is None)
        say(f"pgbouncer: {self.args.pool_mode} mode on 127.0.0.1:{port}")
        return {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/{self.args.database}",
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_POOL_MODE": self.args.pool_mode,
            "PGBOUNCER_ADMIN_URL": f"postgres://postgres@127.0.0.1:{port}/pgbouncer",
        }

    # -- the stack
    def start_stack(self) -> None:
        metrics = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])  # emptied before any process starts, as in production
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        argv = [
            str(VENV_BIN / "honcho"),
            "-f",
            str(REPO / "Procfile"),
            "start",
            "--no-colour",
            "-p",
            str(self.args.port),
        ]
        self.honcho = self.processes.start("honcho", argv, env=self.env, log=self.stack_log)
        alive = lambda: self.honcho is not None and self.honcho.poll() is None  # noqa: E731
        wait_for_port(self.args.port, timeout=120, alive=alive)
        wait_for_port(self.args.port + 1, timeout=120, alive=alive)
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and alive():
            status = Client(self.args.port, DOMAIN).get("/healthz")[0]
            if status == 200:
                return
            time.sleep(1)
        raise CheckFailed(f"/healthz did not answer 200 within 90 s (last {status}); see {self.stack_log}")

    def stack_process_up(self, name: str, marker: str) -> str:
        """Wait (up to 90 s) for the process's readiness line in honcho's output."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            text = self.stack_log.read_text(errors="replace")
            if re.search(rf"^\S* ?{name}\.1\s*\|.*{re.escape(marker)}", text, re.MULTILINE):
                return f"{name}.1 logged '{marker}'"
            time.sleep(1)
        raise CheckFailed(f"no '{marker}' from {name} in {self.stack_log}")

    # -- checks
    def run_checks(self) -> None:
        port, tenant_host = self.args.port, f"{TENANT}.{DOMAIN}"
        for name, marker in (("web", "Booting worker"), ("socket", "Uvicorn running on"),
                             ("worker", "ready."), ("beat", "beat: Starting")):  # fmt: skip
            self.check(f"process {name} up", lambda n=name, m=marker: self.stack_process_up(n, m))
        self.check("healthz", lambda: self.healthz(Client(port, DOMAIN)))
        self.check("readyz", lambda: self.readyz(Client(port, DOMAIN)))
        self.check("https redirect without the proxy header", lambda: self.https_redirect())
        self.check(
            "platform admin login page", lambda: self.page(Client(port, DOMAIN), "/accounts/login/", b"password")
        )
        self.check("platform admin signed in (password + TOTP)", self.admin_signed_in)
        self.check("tenant portal signed in", self.portal_signed_in)
        self.check("OpenAPI docs (platform and tenant)", self.openapi_docs)
        token = ""
        try:
            token = self.user_token()
            self.check("REST API with a user token", lambda: self.api_get(f"Bearer {token}"))
        except Exception as exc:  # noqa: BLE001
            self.results.append(("REST API with a user token", False, str(exc)))
            say(f"FAIL  REST API with a user token: {exc}")
        self.check("REST API with an API key", lambda: self.api_get(f"Api-Key {self.fixtures['api_key']}"))
        self.check("WebSocket ping on the socket server", lambda: self.websocket_ping(token))
        self.check("Celery round trip through the broker", self.celery_round_trip)
        self.check("static files with hashed names", self.static_hashed)
        self.check("metrics scrape (token required)", self.metrics)
        if self.env.get("DATABASE_POOLER") == "pgbouncer":
            self.check("requests went through PgBouncer", self.pooler_used)
        del tenant_host

    def healthz(self, client: Client) -> str:
        status, _, body = client.get("/healthz")
        expect(status, 200, "/healthz", body)
        return body.decode()[:120]

    def readyz(self, client: Client) -> str:
        status, _, body = client.get("/readyz")
        expect(status, 200, "/readyz", body)
        checks = json.loads(body)["checks"]
        if set(checks.values()) != {"ok"}:
            raise CheckFailed(f"/readyz: {checks}")
        return ", ".join(f"{name} {state}" for name, state in checks.items())

    def metrics(self) -> str:
        """/metrics refuses a scrape without its token and, with it, shows requests of several processes."""
        status, _, body = Client(self.args.port, DOMAIN).get("/metrics")
        expect(status, 401, "/metrics without a token", body)
        status, _, body = Client(self.args.port, DOMAIN).get(
            "/metrics", Authorization=f"Bearer {self.env['METRICS_TOKEN']}"
        )
        expect(status, 200, "/metrics with the token", body)
        text = body.decode()
        for name in ("nidia_http_requests_total", "nidia_http_request_duration_seconds_bucket"):
            if name not in text:
                raise CheckFailed(f"/metrics has no {name}")
        if "tenant=" in text or "user=" in text:
            raise CheckFailed("/metrics has a tenant or user label")
        return f"{len(text.splitlines())} lines, 401 without the token"

    def https_redirect(self) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
        conn.request("GET", "/admin/login/", headers={"Host": DOMAIN})
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location", "")
        if response.status != 301 or not location.startswith("https://"):
            raise CheckFailed(f"HTTP {response.status} to {location!r}")
        return f"301 to {location}"

    def page(self, client: Client, path: str, needle: bytes) -> str:
        status, headers, body = client.get(path)
        expect(status, 200, path, body)
        if needle not in body:
            raise CheckFailed(f"{path} does not contain {needle!r}")
        return f"{path} 200 ({len(body)} bytes, request id {headers.get('x-request-id', '?')})"

    def admin_signed_in(self) -> str:
        client = Client(self.args.port, DOMAIN)
        sign_in(
            client, "admin@nidia.localhost", self.env["DEMO_ADMIN_PASSWORD"], totp_secret=self.fixtures["totp_secret"]
        )
        return self.page(client, "/admin/tenancy/tenant/", b"acme")

    def portal_signed_in(self) -> str:
        client = Client(self.args.port, f"{TENANT}.{DOMAIN}")
        sign_in(client, f"admin@{TENANT}.localhost", self.env[f"DEMO_{TENANT.upper()}_PASSWORD"])
        return self.page(client, "/manage/", b"</html>")

    def openapi_docs(self) -> str:
        platform, tenant = Client(self.args.port, DOMAIN), Client(self.args.port, f"{TENANT}.{DOMAIN}")
        seen = [self.page(platform, "/api/docs/", b"swagger"), self.page(tenant, "/api/v1/docs/", b"swagger")]
        status, _, body = platform.get("/api/schema/")
        expect(status, 200, "/api/schema/", body)
        return "; ".join(seen)

    def user_token(self) -> str:
        client = Client(self.args.port, f"{TENANT}.{DOMAIN}")
        email = f"admin@{TENANT}.localhost"
        status, _, body = client.post_json(
            "/api/v1/auth/token/", {"email": email, "password": self.env[f"DEMO_{TENANT.upper()}_PASSWORD"]}
        )
        expect(status, 200, "token", body)
        return str(json.loads(body)["access"])

    def api_get(self, authorization: str) -> str:
        client = Client(self.args.port, f"{TENANT}.{DOMAIN}")
        path = "/api/v1/members/" if authorization.startswith("Bearer") else "/api/v1/solutions/"
        status, _, body = client.get(path, Authorization=authorization)
        expect(status, 200, path, body)
        data = json.loads(body)
        rows = data if isinstance(data, list) else data.get("results", [])
        return f"{path} 200 with {len(rows)} row(s)"

    def websocket_ping(self, token: str) -> str:
        if not token:
            raise CheckFailed("no user token to authenticate the socket")
        # The websockets client lives in the venv, not in this interpreter's stdlib: run it there.
        script = WEBSOCKET_SCRIPT % {"port": self.args.port + 1, "host": f"{TENANT}.{DOMAIN}"}
        result = subprocess.run(
            [str(VENV_BIN / "python"), "-c", script, token], capture_output=True, text=True, timeout=60, check=False
        )
        frames = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode or len(frames) < 2 or frames[-1].get("type") != "pong":
            raise CheckFailed(f"frames {frames}: {result.stderr.strip()[-400:]}")
        return f"auth answered {frames[0].get('type')}, ping answered pong"

    def celery_round_trip(self) -> str:
        started = time.monotonic()
        schema = manage(self.env, "shell", "-c", CELERY_SCRIPT, log=self.log, timeout=120).strip().splitlines()[-1]
        return f"core.current_schema ran on the worker (schema {schema}) in {time.monotonic() - started:.1f} s"

    def static_hashed(self) -> str:
        manifest = json.loads((STATE / "static" / "staticfiles.json").read_text())["paths"]
        client = Client(self.args.port, DOMAIN)
        status, _, body = client.get("/accounts/login/")
        found = re.search(rb"/static/([\w./-]+\.[0-9a-f]{12}\.(?:css|js))", body)
        if not found:
            raise CheckFailed(f"the login page (HTTP {status}) links no hashed static file")
        path = "/static/" + found.group(1).decode()
        status, headers, _ = client.get(path, **{"Accept-Encoding": "gzip"})
        expect(status, 200, path)
        if "immutable" not in headers.get("cache-control", ""):
            raise CheckFailed(f"{path} is not cached for ever: {headers.get('cache-control')}")
        encoding = headers.get("content-encoding", "plain")
        return f"{len(manifest)} files in the manifest; {path} served {encoding}, immutable"

    def pooler_used(self) -> str:
        port = self.args.port + 2
        out = subprocess.run(
            ["psql", f"postgres://postgres@127.0.0.1:{port}/pgbouncer", "-Atc", "SHOW POOLS"],
            capture_output=True, text=True, timeout=20, check=False,
        )  # fmt: skip
        line = next((row for row in out.stdout.splitlines() if row.startswith(self.args.database + "|")), "")
        if not line:
            raise CheckFailed(f"PgBouncer has no pool for {self.args.database}: {out.stdout or out.stderr}")
        return f"SHOW POOLS: {line}"

    # -- wrap-up
    def report(self) -> int:
        failed = [name for name, ok, _ in self.results if not ok]
        passed = len(self.results) - len(failed)
        if failed:
            say(f"FAIL: {len(failed)} of {len(self.results)} checks failed: {', '.join(failed)}")
            say(f"logs: {self.stack_log} (the stack), {self.log} (commands)")
            return 1
        say(f"PASS: all {passed} checks passed")
        return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PROD_CHECK_PORT", "18000")),
                        help="HTTP port; WebSockets take +1, PgBouncer +2, Redis +3 (default 18000)")  # fmt: skip
    parser.add_argument("--database", default=os.environ.get("PROD_CHECK_DATABASE", "nidia_prodcheck"))
    parser.add_argument("--keep", action="store_true", help="leave the stack running after the checks until Ctrl-C")
    parser.add_argument("--reuse-db", action="store_true", help="keep the previous run's database (no drop)")
    parser.add_argument("--no-pooler", action="store_true", help="talk to PostgreSQL directly (no PgBouncer)")
    parser.add_argument("--pool-mode", default="session", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    run = Run(args)
    started = time.monotonic()
    try:
        run.prepare()
        say("starting the Procfile through honcho (web, socket, worker, beat)")
        run.start_stack()
        run.run_checks()
        status = run.report()
        say(f"finished in {time.monotonic() - started:.0f} s")
        if args.keep:
            say(f"--keep: http://{DOMAIN}:{args.port}/ (send X-Forwarded-Proto: https); Ctrl-C stops everything")
            say(f"environment: {STATE / 'stack.env'}")
            (STATE / "stack.env").write_text("".join(f"{k}={v!r}\n" for k, v in sorted(run.env.items())))
            while run.honcho and run.honcho.poll() is None:
                time.sleep(1)
        return status
    except CheckFailed as exc:
        say(f"FAIL: {exc}")
        say(f"logs: {run.stack_log} (the stack), {run.log} (commands)")
        return 1
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    finally:
        run.processes.stop_all()
        say("every process started here is stopped")


if __name__ == "__main__":
    sys.exit(main())

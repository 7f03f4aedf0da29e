#!/usr/bin/env python
"""Run web, sockets, worker and beat together in the foreground; `make run` calls this after setup.

web is Django's runserver on PORT (default 8000); socket is uvicorn serving config.asgi on PORT + 1
(REALTIME_PORT): the WebSockets of apps/realtime (docs/realtime.md). runserver keeps its debug pages,
static files and quick reloads for the pages; uvicorn reloads too (--reload). Both get
DJANGO_SETTINGS_MODULE=config.settings.local unless it is set: config/asgi.py refuses to guess it.

With STRIPE_STUB=1 (environment or .data/services.env) it also starts the local Stripe stub
(bin/stripe_stub.py, port STRIPE_STUB_PORT, default 12111) and exports STRIPE_API_HOST, a test key
and the webhook signing secret to web and worker, so new subscriptions use the Stripe provider and
cards are entered on the stub's hosted checkout page, all offline.

With CONEKTA_STUB=1 it also starts the local Conekta stub (bin/conekta_stub.py, port CONEKTA_STUB_PORT,
default 12112) first, waits (at most 15 s) for the webhook public key the stub writes to
.data/conekta-stub-public.pem, and exports CONEKTA_API_HOST, a test key and that key as
CONEKTA_WEBHOOK_PUBLIC_KEY to web and worker. It does not change the provider of new subscriptions
(BILLING_PROVIDER=conekta does); staff switch a tenant to Conekta in the admin.

The environment is already loaded (the Makefile sources .data/services.env). Each child runs in its
own process group with its output prefixed by its name. Ctrl-C or SIGTERM stops all three (SIGTERM,
then SIGKILL after 10 s) and exits 0; a child that exits on its own stops the others and exits 1.
Plain Python on purpose: stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STOP_TIMEOUT = 10.0
COLOURS = {
    "web": "\033[32m",
    "socket": "\033[34m",
    "worker": "\033[36m",
    "beat": "\033[35m",
    "stripe": "\033[33m",
    "conekta": "\033[93m",
    "run": "\033[1m",
}
STRIPE_STUB_SECRET = "whsec_localstub_" + "0" * 32  # the stub signs, the web checks: both get it from here
STRIPE_STUB_KEY = "sk_test_" + "0" * 24 + "localstub"
CONEKTA_STUB_KEY = "key_test_" + "0" * 11 + "localstub"  # the stub takes any "key_…"
# The stub writes its webhook public key here once it listens (a new key pair each start).
CONEKTA_STUB_PUBLIC_KEY_FILE = REPO / ".data" / "conekta-stub-public.pem"
CONEKTA_STUB_WAIT = 15.0
RESET = "\033[0m"

_print_lock = threading.Lock()
_use_colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def say(name: str, text: str) -> None:
    prefix = f"{name:<7}|"
    if _use_colour:
        prefix = f"{COLOURS.get(name, '')}{prefix}{RESET}"
    with _print_lock:
        sys.stdout.write(f"{prefix} {text}\n")
        sys.stdout.flush()


def stripe_stub_enabled() -> bool:
    return os.environ.get("STRIPE_STUB", "").lower() in ("1", "true", "yes", "on")


def stripe_stub_command(port: str) -> list[str]:
    """The stub's command line; exports what web and worker need to talk to it (they inherit os.environ)."""
    stub_port = os.environ.get("STRIPE_STUB_PORT") or "12111"
    secret = os.environ.get("BILLING_STRIPE_WEBHOOK_SECRET") or STRIPE_STUB_SECRET
    os.environ.update(
        STRIPE_API_HOST=f"http://127.0.0.1:{stub_port}",
        STRIPE_TEST_SECRET_KEY=os.environ.get("STRIPE_TEST_SECRET_KEY") or STRIPE_STUB_KEY,
        STRIPE_LIVE_MODE="false",
        BILLING_STRIPE_WEBHOOK_SECRET=secret,
    )
    webhook_url = f"http://localhost:{port}/billing/webhooks/stripe/"
    return [str(REPO / ".venv" / "bin" / "python"), "bin/stripe_stub.py", "--port", stub_port,
            "--webhook-url", webhook_url, "--webhook-secret", secret]  # fmt: skip


def conekta_stub_enabled() -> bool:
    return os.environ.get("CONEKTA_STUB", "").lower() in ("1", "true", "yes", "on")


def conekta_stub_command(port: str) -> list[str]:
    """The stub's command line; exports its address and a test key to web and worker. Its webhook public
    key exists only once it runs: conekta_stub_key_export reads it then. A stale key file is removed
    here, so that one from an earlier run is never taken for this one's."""
    stub_port = os.environ.get("CONEKTA_STUB_PORT") or "12112"
    os.environ.update(
        CONEKTA_API_HOST=f"http://127.0.0.1:{stub_port}",
        CONEKTA_API_KEY=os.environ.get("CONEKTA_API_KEY") or CONEKTA_STUB_KEY,
    )
    key_file = CONEKTA_STUB_PUBLIC_KEY_FILE
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.unlink(missing_ok=True)
    webhook_url = f"http://localhost:{port}/billing/webhooks/conekta/"
    return [str(REPO / ".venv" / "bin" / "python"), "bin/conekta_stub.py", "--port", stub_port,
            "--webhook-url", webhook_url, "--public-key-file", str(key_file)]  # fmt: skip


def conekta_stub_key_export(child: subprocess.Popen, timeout: float = CONEKTA_STUB_WAIT) -> str:
    """Wait for the started stub's webhook public key, export it as CONEKTA_WEBHOOK_PUBLIC_KEY, return it.
    ChildProcessError if the stub dies first (a taken port), TimeoutError after `timeout` seconds."""
    key_file = CONEKTA_STUB_PUBLIC_KEY_FILE
    deadline = time.monotonic() + timeout
    while True:
        pem = key_file.read_text() if key_file.exists() else ""
        if pem.rstrip().endswith("-----END PUBLIC KEY-----"):  # the stub writes it whole (by rename)
            os.environ["CONEKTA_WEBHOOK_PUBLIC_KEY"] = pem
            return pem
        code = child.poll()
        if code is not None:
            raise ChildProcessError(f"the Conekta stub exited with code {code} before writing {key_file}")
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the Conekta stub wrote no public key to {key_file} within {timeout:.0f} s")
        time.sleep(0.1)


def realtime_port(port: str) -> str:
    return os.environ.get("REALTIME_PORT") or str(int(port) + 1)


def commands(port: str) -> dict[str, list[str]]:
    venv = REPO / ".venv" / "bin"
    stubs = {"stripe": stripe_stub_command(port)} if stripe_stub_enabled() else {}
    if conekta_stub_enabled():
        stubs["conekta"] = conekta_stub_command(port)
    return {
        **stubs,  # first: web and worker inherit their addresses (and the Conekta stub's key, once written)
        "web": [str(venv / "python"), "manage.py", "runserver", f"0.0.0.0:{port}"],
        "socket": [
            str(venv / "uvicorn"),
            "config.asgi:application",
            "--host",
            "0.0.0.0",  # noqa: S104 - like runserver: the *.localhost names reach it
            "--port",
            realtime_port(port),
            "--ws-max-size",
            "65536",  # frames over REALTIME_FRAME_MAX_BYTES get an error frame; far larger ones are cut here
            "--reload",
            "--reload-dir",
            "apps",
            "--reload-dir",
            "config",
        ],
        "worker": [str(venv / "celery"), "-A", "config", "worker", "-l", "info", "--concurrency", "2"],
        "beat": [
            str(venv / "celery"),
            "-A",
            "config",
            "beat",
            "-l",
            "info",
            "--scheduler",
            "django_celery_beat.schedulers:DatabaseScheduler",
        ],
    }


def pump(name: str, stream) -> None:
    """Copy a child's output to ours, one prefixed line at a time."""
    for raw in iter(stream.readline, b""):
        say(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    stream.close()


class Supervisor:
    def __init__(self, port: str) -> None:
        self.port = port
        self.children: dict[str, subprocess.Popen] = {}
        self.readers: list[threading.Thread] = []
        self.stop_requested = threading.Event()
        self.signals_seen = 0

    def on_signal(self, signum, _frame) -> None:
        self.signals_seen += 1
        if self.signals_seen == 1:
            say("run", f"{signal.Signals(signum).name} received — stopping web, socket, worker and beat")
            self.stop_requested.set()
        elif self.signals_seen == 2:
            say("run", "again — killing the children now")
            self.signal_all(signal.SIGKILL)

    def start(self) -> None:
        children = commands(self.port)  # may export the stubs' settings into os.environ
        # The socket server and the pages ({% realtime_meta %}) agree on the port; asgi.py needs the settings.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        os.environ["REALTIME_PORT"] = realtime_port(self.port)
        for name, argv in children.items():
            env = dict(os.environ, PYTHONUNBUFFERED="1")  # read again: a stub started before may have added to it
            if not Path(argv[0]).exists():
                raise FileNotFoundError(f"{argv[0]} is missing — run `make venv` first")
            child = subprocess.Popen(
                argv,
                cwd=REPO,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,  # own group: the terminal's Ctrl-C reaches only us, we stop them in order
            )
            self.children[name] = child
            reader = threading.Thread(target=pump, args=(name, child.stdout), daemon=True)
            reader.start()
            self.readers.append(reader)
            say("run", f"started {name} (pid {child.pid}): {' '.join(argv[1:])}")
            if name == "conekta":
                conekta_stub_key_export(child)  # before web and worker start: they need the key
                say("run", "Conekta stub's webhook public key exported as CONEKTA_WEBHOOK_PUBLIC_KEY")

    def signal_all(self, sig: int) -> None:
        for name, child in self.children.items():
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if sig == signal.SIGTERM and name != "web":
                        # Celery shuts its own pool down (warm shutdown); signalling the pool processes
                        # directly kills tasks mid-way and stalls the shutdown.
                        os.kill(child.pid, sig)
                    else:
                        # runserver's autoreloader parent does not pass SIGTERM on to the server process.
                        os.killpg(child.pid, sig)

    def stop_all(self) -> None:
        self.signal_all(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and any(c.poll() is None for c in self.children.values()):
            time.sleep(0.1)
        left = [name for name, c in self.children.items() if c.poll() is None]
        if left:
            say("run", f"{', '.join(left)} still running after {STOP_TIMEOUT:.0f} s — killing")
        # Also reaps grandchildren that outlived their parent in the same group.
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        for reader in self.readers:
            reader.join(timeout=2)

    def watch(self) -> int:
        """Wait for a signal or a child's death; return the exit code."""
        while not self.stop_requested.wait(0.2):
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    say("run", f"{name} exited unexpectedly with code {code} — stopping the others")
                    self.stop_all()
                    say("run", f"stopped because {name} died; see its output above")
                    return code if code > 0 else 1
        self.stop_all()
        say("run", "all stopped")
        return 0


def print_urls(port: str) -> None:
    base = f"http://localhost:{port}"
    urls = [
        ("Staff admin", f"{base}/admin/"),
        ("Tenant portal (Acme)", f"http://acme.localhost:{port}/manage/"),
        ("Tenant portal (Globex)", f"http://globex.localhost:{port}/manage/"),
        ("API docs", f"{base}/api/docs/"),
        ("WebSockets (Acme)", f"ws://acme.localhost:{realtime_port(port)}/ws/"),
        ("Health", f"{base}/healthz"),
        ("Readiness", f"{base}/readyz"),
    ]
    if stripe_stub_enabled():
        urls.append(("Stripe stub (checkout)", os.environ.get("STRIPE_API_HOST", "")))
    if conekta_stub_enabled():
        urls.append(("Conekta stub", os.environ.get("CONEKTA_API_HOST", "")))
    say("run", "NIDIA Flow Back Office is starting:")
    for label, url in urls:
        say("run", f"  {label:<24}{url}")
    credentials = Path(os.environ.get("DEMO_CREDENTIALS_FILE") or REPO / ".data" / "demo-credentials.json")
    if credentials.exists():
        say("run", "Demo sign-ins (from seed_demo):")
        for email, password in json.loads(credentials.read_text()).items():
            say("run", f"  {email:<24}{password}")
    say("run", "Press Ctrl-C to stop web, socket, worker and beat.")


def main() -> int:
    port = os.environ.get("PORT") or "8000"
    supervisor = Supervisor(port)
    signal.signal(signal.SIGINT, supervisor.on_signal)
    signal.signal(signal.SIGTERM, supervisor.on_signal)
    try:
        supervisor.start()
    except OSError as exc:
        say("run", f"could not start: {exc}")
        supervisor.stop_all()
        return 1
    print_urls(port)
    return supervisor.watch()


if __name__ == "__main__":
    sys.exit(main())

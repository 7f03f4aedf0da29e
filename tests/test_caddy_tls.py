"""Custom domains over HTTPS through a real Caddy with on-demand TLS from its internal CA (no network).

The test starts Debian's caddy on free high ports with a Caddyfile written here (the local shape of
docs/deploy/Caddyfile: `tls internal` instead of a public ACME authority), in front of this test's own
application served by a WSGI server thread. That thread uses the test's database connection (as Django's
LiveServerTestCase does for in-memory SQLite), so the rows a test writes and never commits are what
Caddy's `ask` and the proxied pages see; the server handles one request at a time while the test waits
on the socket, so the connection is never used by two threads at once.
"""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.domains.tls import domains_tls_check, tls_probe
from apps.tenancy.domains import domain_add
from apps.tenancy.models import Domain, DomainVerificationStatus, TlsStatus

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # starts caddy

CADDY = shutil.which("caddy") or ("/usr/bin/caddy" if Path("/usr/bin/caddy").exists() else "")
VERIFIED = "portal.acme-corp.test"  # not www.: django-tenants routes www.x as x (remove_www)
UNVERIFIED = "new.acme-corp.test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def local_caddyfile(*, app_port: int, http_port: int, https_port: int, storage: Path) -> str:
    """docs/deploy/Caddyfile for one machine and no network: Caddy's internal CA issues on demand."""
    return f"""{{
	admin off
	skip_install_trust
	local_certs
	http_port {http_port}
	https_port {https_port}
	auto_https disable_redirects
	storage file_system {{
		root {storage}
	}}
	on_demand_tls {{
		ask http://127.0.0.1:{app_port}/internal/tls/allow
	}}
}}

https:// {{
	tls internal {{
		on_demand
	}}
	@internal path /internal/*
	respond @internal 404
	reverse_proxy 127.0.0.1:{app_port}
}}
"""


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def app_port(db) -> Iterator[int]:
    """This test's application on a free port, answering on the test's own connection and transaction."""
    httpd = WSGIServer(("127.0.0.1", 0), _QuietHandler, ipv6=False)  # one request at a time (not threaded)
    httpd.set_app(WSGIHandler())
    shared = connections["default"]  # the wrapper itself (django.db.connection is a per-thread proxy)
    shared.inc_thread_sharing()
    # A request must neither close the shared connection nor end its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def serve() -> None:
        connections["default"] = shared
        httpd.serve_forever(poll_interval=0.05)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        shared.dec_thread_sharing()  # (the autouse fixture puts the connection back on public)


class Caddy:
    def __init__(self, root: Path, https_port: int) -> None:
        self.https_port = https_port
        self.storage = root / "storage"
        self.root_ca = self.storage / "pki" / "authorities" / "local" / "root.crt"

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.root_ca))

    def get(self, hostname: str, path: str, *, cookie: str = "") -> tuple[int, bytes]:
        """GET https://<hostname><path> through this Caddy: SNI and Host `hostname`, its CA trusted."""
        conn = _PinnedHTTPS(hostname, self.https_port, context=self.context(), timeout=15)
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def issued(self, hostname: str) -> bool:
        return any(self.storage.glob(f"certificates/*/{hostname}/{hostname}.crt"))


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 whatever the name: the name is only the SNI and the Host header (no DNS)."""

    def connect(self) -> None:
        raw = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


@pytest.fixture
def caddy(app_port, tmp_path: Path) -> Iterator[Caddy]:
    if not CADDY:
        if os.environ.get("CI"):
            pytest.fail("caddy is not installed (.ci/run installs Debian's package)")
        pytest.skip("caddy is not installed (apt-get install caddy: Debian's package, 2.6)")
    http_port, https_port = _free_port(), _free_port()
    proxy = Caddy(tmp_path, https_port)
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(
        local_caddyfile(app_port=app_port, http_port=http_port, https_port=https_port, storage=proxy.storage)
    )
    # Its own home: Caddy writes its autosave and would install its root into the system store otherwise.
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    log = (tmp_path / "caddy.log").open("wb")
    process = subprocess.Popen(
        [CADDY, "run", "--config", str(caddyfile), "--adapter", "caddyfile"], stdout=log, stderr=log, env=env
    )
    try:
        _wait_listening(https_port, process, tmp_path / "caddy.log")
        yield proxy
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"caddy exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"caddy did not listen on {port}:\n{log.read_text()[-3000:]}")


@pytest.fixture
def custom_domains(acme, acme_admin) -> tuple[Domain, Domain]:
    verified = domain_add(tenant=acme, domain=VERIFIED, acting_user=acme_admin)
    Domain.objects.filter(pk=verified.pk).update(
        verification_status=DomainVerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    unverified = domain_add(tenant=acme, domain=UNVERIFIED, acting_user=acme_admin)
    return verified, unverified


def test_verified_custom_domain_is_served_over_https_with_its_tenant(caddy, custom_domains, acme_member):
    client = Client(HTTP_HOST=VERIFIED)
    client.force_login(acme_member)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    status, body = caddy.get(VERIFIED, "/api/v1/tenant/", cookie=cookie)

    assert status == 200, body[:500]
    assert b'"slug":"acme"' in body.replace(b" ", b"")
    assert caddy.issued(VERIFIED)


def test_unverified_custom_domain_gets_no_certificate(caddy, custom_domains):
    with pytest.raises(ssl.SSLError):
        caddy.get(UNVERIFIED, "/api/v1/tenant/")
    assert not caddy.issued(UNVERIFIED)


def test_unknown_domain_gets_no_certificate(caddy, custom_domains):
    with pytest.raises(ssl.SSLError):
        caddy.get("unknown.example.test", "/")
    assert not caddy.issued("unknown.example.test")


def test_the_ask_endpoint_is_not_reachable_through_the_proxy(caddy, custom_domains):
    status, _ = caddy.get(VERIFIED, f"/internal/tls/allow?domain={VERIFIED}")
    assert status == 404


def test_tls_check_records_what_caddy_serves(caddy, custom_domains, settings):
    verified, unverified = custom_domains
    settings.TLS_CHECK_CONNECT_HOST, settings.TLS_CHECK_PORT = "127.0.0.1", caddy.https_port
    settings.TLS_CHECK_CA_FILE = str(caddy.root_ca)

    # Caddy's internal CA issues 12-hour certificates: within any warning window.
    settings.TLS_EXPIRING_WITHIN_DAYS = 14
    counts = domains_tls_check()
    with schema_context("public"):
        verified.refresh_from_db()
        unverified.refresh_from_db()
    assert counts["expiring"] == 1 and counts["failed"] == 0
    assert verified.tls_status == TlsStatus.EXPIRING and verified.tls_error == ""
    assert verified.tls_checked_at is not None
    remaining = verified.tls_expires_at - timezone.now()
    assert 0 < remaining.total_seconds() <= 13 * 3600
    assert unverified.tls_status == TlsStatus.NONE  # not served: not checked

    settings.TLS_EXPIRING_WITHIN_DAYS = 0
    assert domains_tls_check()["active"] == 1
    with schema_context("public"):
        verified.refresh_from_db()
    assert verified.tls_status == TlsStatus.ACTIVE


def test_probe_of_an_unverified_domain_fails_the_handshake(caddy, custom_domains, settings):
    settings.TLS_CHECK_CONNECT_HOST, settings.TLS_CHECK_PORT = "127.0.0.1", caddy.https_port
    settings.TLS_CHECK_CA_FILE = str(caddy.root_ca)
    probe = tls_probe(UNVERIFIED)
    assert probe.expires_at is None and probe.error.startswith("TLS handshake failed")


def test_probe_without_the_internal_root_is_not_trusted(caddy, custom_domains, settings):
    settings.TLS_CHECK_CONNECT_HOST, settings.TLS_CHECK_PORT = "127.0.0.1", caddy.https_port
    settings.TLS_CHECK_CA_FILE = ""  # the system's roots do not know Caddy's internal CA
    probe = tls_probe(VERIFIED)
    assert probe.error.startswith("Certificate not trusted")

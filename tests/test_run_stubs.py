"""`make run`'s Conekta stub (bin/run.py with CONEKTA_STUB=1): the command line, what web and worker inherit,
and a real start of bin/conekta_stub.py that the official `conekta` client then talks to. No database."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import conekta
import pytest

from apps.billing.providers.conekta import webhook_verify

ROOT = Path(__file__).resolve().parent.parent
STUB_VARIABLES = ("CONEKTA_STUB", "CONEKTA_STUB_PORT", "CONEKTA_API_HOST", "CONEKTA_API_KEY",
                  "CONEKTA_WEBHOOK_PUBLIC_KEY", "STRIPE_STUB")  # fmt: skip


def _load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bin_run", ROOT / "bin" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load_run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def clean_env(monkeypatch, tmp_path: Path) -> Path:
    """No stub variables from the caller's environment (restored afterwards, also those run.py sets);
    the stub's key file in tmp_path, never the one of a `make run` in .data/."""
    for name in STUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "conekta-stub-public.pem"
    monkeypatch.setattr(run, "CONEKTA_STUB_PUBLIC_KEY_FILE", key_file)
    return key_file


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    children: list[subprocess.Popen] = []
    yield children
    for child in children:
        child.kill()
        child.wait(timeout=10)


def test_without_conekta_stub_there_is_no_conekta_process(clean_env):
    assert list(run.commands("8000")) == ["web", "socket", "worker", "beat"]
    assert not run.conekta_stub_enabled()
    assert "CONEKTA_API_HOST" not in os.environ


def test_with_conekta_stub_it_starts_first_and_web_and_worker_get_its_address_and_a_key(clean_env, monkeypatch):
    monkeypatch.setenv("CONEKTA_STUB", "1")
    clean_env.write_text("a stale key of an earlier run")

    children = run.commands("8000")

    assert list(children) == ["conekta", "web", "socket", "worker", "beat"]
    assert children["conekta"] == [
        str(ROOT / ".venv" / "bin" / "python"), "bin/conekta_stub.py", "--port", "12112",
        "--webhook-url", "http://localhost:8000/billing/webhooks/conekta/", "--public-key-file", str(clean_env),
    ]  # fmt: skip
    assert os.environ["CONEKTA_API_HOST"] == "http://127.0.0.1:12112"
    assert os.environ["CONEKTA_API_KEY"].startswith("key_test_")
    assert len(os.environ["CONEKTA_API_KEY"]) == len("key_test_") + 20
    assert not clean_env.exists()  # removed: only the key this stub writes is taken


def test_a_configured_port_and_key_are_kept(clean_env, monkeypatch):
    monkeypatch.setenv("CONEKTA_STUB", "true")
    monkeypatch.setenv("CONEKTA_STUB_PORT", "13000")
    monkeypatch.setenv("CONEKTA_API_KEY", "key_test_mine")

    argv = run.commands("8100")["conekta"]

    assert argv[argv.index("--port") + 1] == "13000"
    assert argv[argv.index("--webhook-url") + 1] == "http://localhost:8100/billing/webhooks/conekta/"
    assert os.environ["CONEKTA_API_HOST"] == "http://127.0.0.1:13000"
    assert os.environ["CONEKTA_API_KEY"] == "key_test_mine"


class _Webhooks(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append((body, self.headers.get("Digest") or ""))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_the_started_stub_answers_the_conekta_client_and_signs_with_the_exported_key(
    clean_env, monkeypatch, started, settings
):
    """The whole hand-over: the stub started from run.py's command line, its key read back as run.py does
    before web and worker start, a customer, a card and an order made with the official client, and the
    order.paid webhook the stub POSTs verified with the exported key by the provider's own check."""
    received: list[tuple[bytes, str]] = []
    webhooks = ThreadingHTTPServer(("127.0.0.1", 0), type("Webhooks", (_Webhooks,), {"received": received}))
    threading.Thread(target=webhooks.serve_forever, daemon=True).start()
    monkeypatch.setenv("CONEKTA_STUB", "1")
    monkeypatch.setenv("CONEKTA_STUB_PORT", str(_free_port()))
    argv = run.commands(str(webhooks.server_address[1]))["conekta"]
    url = argv.index("--webhook-url") + 1
    argv[url] = argv[url].replace("localhost", "127.0.0.1")  # the receiver listens on IPv4 only
    try:
        started.append(subprocess.Popen([sys.executable, *argv[1:]], cwd=ROOT, stdout=subprocess.DEVNULL))

        pem = run.conekta_stub_key_export(started[0])

        assert pem.startswith("-----BEGIN PUBLIC KEY-----") and pem == clean_env.read_text()
        assert os.environ["CONEKTA_WEBHOOK_PUBLIC_KEY"] == pem
        configuration = conekta.Configuration(host=os.environ["CONEKTA_API_HOST"],
                                              access_token=os.environ["CONEKTA_API_KEY"])  # fmt: skip
        configuration.retries = 0
        card = conekta.CreateCustomerPaymentMethodsRequest(
            conekta.PaymentMethodTokenRequest(type="card", token_id="tok_test_visa_4242")
        )
        with conekta.ApiClient(configuration) as client:
            customers, cards, orders = (conekta.CustomersApi(client), conekta.PaymentMethodsApi(client),
                                        conekta.OrdersApi(client))  # fmt: skip
            customer = json.loads(customers.create_customer_without_preload_content(
                conekta.Customer(name="Acme", email="a@acme.test", phone=""), _request_timeout=10).data)  # fmt: skip
            source = json.loads(
                cards.create_customer_payment_methods_without_preload_content(
                    customer["id"], card, _request_timeout=10
                ).data
            )
            order = conekta.OrderRequest(
                currency="MXN",
                customer_info=conekta.OrderRequestCustomerInfo(conekta.CustomerInfoCustomerId(customer_id=customer["id"])),
                line_items=[conekta.Product(name="Invoice 1", unit_price=1500, quantity=1)],
                charges=[conekta.ChargeRequest(amount=1500, payment_method=conekta.ChargeRequestPaymentMethod(
                    conekta.PaymentMethodGeneralRequest(type="card", payment_source_id=source["id"])))],
            )  # fmt: skip
            paid = json.loads(orders.create_order_without_preload_content(order, _request_timeout=10).data)
        assert (customer["id"].startswith("cus_"), source["last4"], paid["payment_status"]) == (True, "4242", "paid")

        for _ in range(100):
            if received:
                break
            threading.Event().wait(0.1)
        body, digest = received[0]
        settings.CONEKTA_WEBHOOK_PUBLIC_KEY = os.environ["CONEKTA_WEBHOOK_PUBLIC_KEY"]
        event = webhook_verify(body, {"Digest": digest})
        assert (event.type, event.object_id) == ("order.paid", paid["id"])
    finally:
        webhooks.shutdown()
        webhooks.server_close()


def test_a_stub_that_cannot_start_is_a_clear_error_not_a_wait(clean_env, monkeypatch, started):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("CONEKTA_STUB", "1")
        monkeypatch.setenv("CONEKTA_STUB_PORT", str(taken.getsockname()[1]))
        argv = run.commands("8000")["conekta"]
        started.append(subprocess.Popen([sys.executable, *argv[1:]], cwd=ROOT, stderr=subprocess.DEVNULL))

        with pytest.raises(ChildProcessError, match="Conekta stub exited"):
            run.conekta_stub_key_export(started[0])
    assert "CONEKTA_WEBHOOK_PUBLIC_KEY" not in os.environ


def test_the_supervisor_starts_web_only_once_the_stubs_key_is_exported(clean_env, monkeypatch, capsys):
    """Supervisor.start with the stub and a stand-in web that prints what it inherited."""
    monkeypatch.setenv("CONEKTA_STUB", "1")
    monkeypatch.setenv("CONEKTA_STUB_PORT", str(_free_port()))
    # Supervisor.start sets these two in os.environ: recorded here, so they are put back afterwards.
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", os.environ.get("DJANGO_SETTINGS_MODULE", ""))
    monkeypatch.setenv("REALTIME_PORT", "8001")
    stub = run.commands("8000")["conekta"]
    shows_key = "import os; print('inherited', os.environ['CONEKTA_WEBHOOK_PUBLIC_KEY'].splitlines()[0])"
    monkeypatch.setattr(run, "commands", lambda port: {"conekta": stub, "web": [sys.executable, "-c", shows_key]})
    supervisor = run.Supervisor("8000")
    try:
        supervisor.start()
        assert supervisor.children["web"].wait(timeout=30) == 0
    finally:
        supervisor.stop_all()

    output = capsys.readouterr().out
    assert "inherited -----BEGIN PUBLIC KEY-----" in output
    assert output.index("CONEKTA_WEBHOOK_PUBLIC_KEY") < output.index("started web")

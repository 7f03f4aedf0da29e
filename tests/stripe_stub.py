"""The local Stripe stub for tests: the server lives in bin/stripe_stub.py (runnable on its own, and
started by `make run` when STRIPE_STUB=1); this module re-exports it and adds the pytest fixture.

    from tests.stripe_stub import stripe_stub  # the fixture: a running stub, STRIPE_API_HOST pointing at it
    from tests.stripe_stub import event_payload, signature_header  # hand-built webhook events
"""

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bin" / "stripe_stub.py"
if "stripe_stub_server" not in sys.modules:  # one module object, whichever test imports it first
    _spec = importlib.util.spec_from_file_location("stripe_stub_server", _PATH)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["stripe_stub_server"] = _module
    _spec.loader.exec_module(_module)
_server = sys.modules["stripe_stub_server"]

StripeStub = _server.StripeStub
TEST_CARDS = _server.TEST_CARDS
DECLINED_LAST4 = _server.DECLINED_LAST4
event_payload = _server.event_payload
signature_header = _server.signature_header

STUB_WEBHOOK_SECRET = "whsec_stub_" + "b" * 32

__all__ = ["DECLINED_LAST4", "STUB_WEBHOOK_SECRET", "TEST_CARDS", "StripeStub", "event_payload",
           "signature_header", "stripe_stub"]  # fmt: skip


@pytest.fixture
def stripe_stub(settings) -> Iterator[Any]:
    """A running stub; `settings.STRIPE_API_HOST` points the billing code (and dj-stripe) at it.

    Its events (hosted checkout) are signed with STUB_WEBHOOK_SECRET and kept in `stub.events`: no
    webhook URL is set, because the test's database transaction is invisible to another thread; a
    test posts them to the endpoint with its client."""
    stub = StripeStub(webhook_secret=STUB_WEBHOOK_SECRET)
    settings.STRIPE_API_HOST = stub.start()
    settings.BILLING_STRIPE_WEBHOOK_SECRET = STUB_WEBHOOK_SECRET
    yield stub
    stub.stop()

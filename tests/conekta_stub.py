"""The local Conekta stub for tests: the server lives in bin/conekta_stub.py (runnable on its own);
this module re-exports it and adds the pytest fixture.

    from tests.conekta_stub import conekta_stub  # the fixture: a running stub, the settings pointing at it
"""

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_PATH = Path(__file__).resolve().parent.parent / "bin" / "conekta_stub.py"
if "conekta_stub_server" not in sys.modules:  # one module object, whichever test imports it first
    _spec = importlib.util.spec_from_file_location("conekta_stub_server", _PATH)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["conekta_stub_server"] = _module
    _spec.loader.exec_module(_module)
_server = sys.modules["conekta_stub_server"]

ConektaStub = _server.ConektaStub
TEST_TOKENS = _server.TEST_TOKENS

__all__ = ["TEST_TOKENS", "ConektaStub", "conekta_stub"]


@pytest.fixture
def conekta_stub(settings) -> Iterator[Any]:
    """A running stub: CONEKTA_API_HOST points at it, CONEKTA_WEBHOOK_PUBLIC_KEY is its webhook key.
    Its events are kept in `stub.events` (body, Digest) and not sent: the test's transaction is
    invisible to another thread, so a test posts them to the endpoint with its client."""
    stub = ConektaStub()
    settings.CONEKTA_API_HOST = stub.start()
    settings.CONEKTA_API_KEY = "key_test_" + "c" * 20
    settings.CONEKTA_WEBHOOK_PUBLIC_KEY = stub.public_key_pem
    yield stub
    stub.stop()

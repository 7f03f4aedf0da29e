"""A local stand-in for the ABR JSON web service: serves fixtures/abr/*.json as JSONP and counts requests.

`AbnDetails.aspx?abn=`, `AcnDetails.aspx?acn=` and `MatchingNames.aspx?name=` answer from
`abn_<abn>.json`, `acn_<acn>.json` and `name_<name>.json`; unknown values get `not_found.json`, and
the GUID "unregistered" gets `bad_guid.json`, as the register does.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

RECORDED = Path(settings.BASE_DIR, "fixtures", "abr")
ROUTES = {"/json/AbnDetails.aspx": ("abn", "abn"), "/json/AcnDetails.aspx": ("acn", "acn"),
          "/json/MatchingNames.aspx": ("name", "name")}  # fmt: skip


class AbrStub(ThreadingHTTPServer):
    requests_seen: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: AbrStub

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.server.requests_seen.append(self.path)
        route = ROUTES.get(url.path)
        if route is None:
            self.send_error(404)
            return
        prefix, param = route
        name = f"{prefix}_{query.get(param, '').replace(' ', '_')}.json"
        if query.get("guid") == "unregistered":
            name = "bad_guid.json"
        path = RECORDED / name if (RECORDED / name).exists() else RECORDED / "not_found.json"
        body = f"{query.get('callback', 'callback')}({json.dumps(json.loads(path.read_text()))})".encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def abr_stub(settings: Any) -> Iterator[AbrStub]:
    server = AbrStub(("127.0.0.1", 0), _Handler)
    server.requests_seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ABR_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/json/"
    settings.ABR_GUID = "test-guid"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

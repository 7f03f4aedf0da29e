#!/usr/bin/env python
"""A local SMS/WhatsApp provider stub speaking the common HTTP SMS API that
`apps.notifications.channels.HttpSmsProvider` uses: a threaded HTTP server on 127.0.0.1.

    POST /messages   Authorization: Bearer <key>
                     {"to": "+61412345678", "from": "NIDIA", "body": "...", "channel": "sms" | "whatsapp"}
    → 201 {"id": "msg_…", "status": "queued"}
    → 401 without the right key, 400 for a missing field or a "to" that is not E.164
    GET  /messages   → 200 [{"id", "to", "from", "body", "channel"}, …]  (what it accepted)

`fail_next(n)` (or POST /_stub/fail {"count": n}) makes the next n sends answer 503, for retry tests.

Run it on its own and point the platform at it:

    python bin/sms_stub.py --port 12121 --key dev-key
    NOTIFICATIONS_SMS_URL=http://127.0.0.1:12121/messages NOTIFICATIONS_SMS_KEY=dev-key make run

Tests start it in-process (`SmsStub().start()`, apps/notifications/tests). Standard library only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class SmsStub:
    def __init__(self, *, key: str = "stub-key") -> None:
        self.key = key
        self.messages: list[dict[str, Any]] = []
        self.failing = 0
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.server: ThreadingHTTPServer | None = None

    def fail_next(self, count: int) -> None:
        with self.lock:
            self.failing = count

    def _accept(self, headers: Any, body: bytes) -> tuple[int, Any]:
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, {"error": "unauthorised"}
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "invalid JSON"}
        missing = [name for name in ("to", "body", "channel") if not data.get(name)]
        if missing:
            return 400, {"error": f"missing {', '.join(missing)}"}
        if not E164.match(str(data["to"])) or data["channel"] not in ("sms", "whatsapp"):
            return 400, {"error": "to must be E.164 and channel sms or whatsapp"}
        with self.lock:
            if self.failing:
                self.failing -= 1
                return 503, {"error": "try again later"}
            message = {"id": f"msg_{next(self.ids)}", **{k: data.get(k, "") for k in ("to", "from", "body", "channel")}}
            self.messages.append(message)
        return 201, {"id": message["id"], "status": "queued"}

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving in a thread; returns the URL to POST messages to."""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/_stub/fail":
                    stub.fail_next(int(json.loads(body or b"{}").get("count", 1)))
                    self._send(200, {"failing": stub.failing})
                elif self.path == "/messages":
                    self._send(*stub._accept(self.headers, body))
                else:
                    self._send(404, {"error": "not found"})

            def do_GET(self) -> None:
                if self.path == "/messages":
                    with stub.lock:
                        self._send(200, list(stub.messages))
                else:
                    self._send(404, {"error": "not found"})

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return f"http://{host}:{self.server.server_port}/messages"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=12121)
    parser.add_argument("--key", default="dev-key")
    args = parser.parse_args()
    stub = SmsStub(key=args.key)
    print(f"SMS stub listening on {stub.start(port=args.port)} (key {args.key})", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

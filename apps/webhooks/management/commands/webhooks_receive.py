"""A local webhook receiver for development: prints every event it gets and whether its signature
verifies against the secrets of the endpoint(s) pointing at it (read from the database).

    manage.py webhooks_receive [--port 8765]

Then send a test event from /manage/webhooks/ (the demo endpoint of Acme points here).
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from apps.webhooks.models import WebhookEndpoint
from apps.webhooks.services import endpoint_secrets
from apps.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature_verify


def _verified(port: int, path: str, header: str, body: bytes) -> bool:
    close_old_connections()
    url = f"http://127.0.0.1:{port}{path}"
    endpoints = WebhookEndpoint.objects.filter(url__in=[url, url.replace("127.0.0.1", "localhost")])
    return any(
        signature_verify(header=header, body=body, secret=secret)
        for endpoint in endpoints
        for secret in endpoint_secrets(endpoint)
    )


class Command(BaseCommand):
    help = "Run a local webhook receiver that prints events and checks their signatures."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args: Any, **options: Any) -> None:
        port, out = options["port"], self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = _verified(port, self.path, self.headers.get(SIGNATURE_HEADER, ""), body)
                out.write(
                    f"{self.headers.get(EVENT_HEADER)} {self.headers.get(DELIVERY_HEADER)} "
                    f"signature {'OK' if ok else 'INVALID'}\n{json.dumps(json.loads(body or b'{}'), indent=2)}\n"
                )
                self.send_response(200 if ok else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        out.write(f"Listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

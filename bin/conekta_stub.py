#!/usr/bin/env python
"""A local Conekta API stub: a threaded HTTP server on 127.0.0.1 that answers the endpoints the real
`conekta` client calls for billing (customers, payment sources, orders with their charges, order
search, webhook keys), in Conekta's JSON shapes and errors, and signs its webhook events as Conekta
does: RSA-SHA256 over the body, base64 in the `Digest` header, with the key pair of a webhook key
(`POST /webhook_keys` returns the public half).

Tests point the real client at it (the `conekta_stub` fixture of tests/conekta_stub.py sets
`settings.CONEKTA_API_HOST` and `settings.CONEKTA_WEBHOOK_PUBLIC_KEY`); no request leaves the machine.

Test tokens, as Conekta's test mode has them: `tok_test_visa_4242`, `tok_test_mastercard_4444`,
`tok_test_amex_0005`; `tok_test_card_declined` (last4 0002) and `tok_test_insufficient_funds` (last4
9995) save fine and are declined when charged (402, as Conekta answers). Only MXN and USD are taken
(422 otherwise). Every order is also an event: `order.paid` or `order.declined`, signed and kept in
`events` (and POSTed to the webhook URL when one is given). `order_event(...)` builds a signed event
for an order made outside a charge (a payment that Conekta collected later).

    python bin/conekta_stub.py --port 12112 --webhook-url http://localhost:8000/billing/webhooks/conekta/

`CONEKTA_STUB=1 make run` starts it that way next to web and worker (bin/run.py), with
`--public-key-file`: once listening, the stub writes its webhook public key there (whole, by rename)
and run.py hands it to web and worker as CONEKTA_WEBHOOK_PUBLIC_KEY. The key pair is new each start.

Standard library and `cryptography` (a project dependency) only.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import secrets
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

logger = logging.getLogger("conekta_stub")

TEST_TOKENS = {
    "tok_test_visa_4242": ("visa", "4242"),
    "tok_test_mastercard_4444": ("mastercard", "4444"),
    "tok_test_amex_0005": ("american_express", "0005"),
    "tok_test_card_declined": ("visa", "0002"),
    "tok_test_insufficient_funds": ("visa", "9995"),
}
DECLINES = {
    "0002": ("conekta.errors.processing.bank.declined", "The card was declined by the bank."),
    "9995": ("conekta.errors.processing.bank.insufficient_funds", "The card has insufficient funds."),
}
CURRENCIES = {"MXN", "USD"}


def _error(status: int, kind: str, code: str, message: str, data: dict[str, Any] | None = None) -> tuple[int, dict]:
    body: dict[str, Any] = {
        "object": "error", "type": kind, "log_id": secrets.token_hex(12),
        "details": [{"debug_message": message, "message": message, "code": code}],
    }  # fmt: skip
    if data is not None:
        body["data"] = data
    return status, body


class ConektaStub:
    def __init__(self, *, webhook_url: str = "") -> None:
        self.customers: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.events: list[tuple[bytes, str]] = []  # (body, Digest header)
        self.lock = threading.Lock()
        self.webhook_url = webhook_url
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key_pem = (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        self.webhook_key = {"id": secrets.token_hex(12), "object": "webhook_key", "active": True, "livemode": False,
                            "created_at": int(time.time()), "public_key": self.public_key_pem}  # fmt: skip
        self.server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # --- signing --------------------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()

    def order_event(self, event_type: str, order: dict[str, Any]) -> tuple[bytes, str]:
        """A signed event about `order`, as Conekta sends it: (body, Digest header)."""
        event = {
            "id": secrets.token_hex(12), "object": "event", "type": event_type, "livemode": False,
            "created_at": int(time.time()), "webhook_status": "pending", "webhook_logs": [],
            "data": {"object": order, "previous_attributes": {}},
        }  # fmt: skip
        body = json.dumps(event).encode()
        signed = (body, self.sign(body))
        self.events.append(signed)
        if self.webhook_url:
            threading.Thread(target=self._deliver, args=signed, daemon=True).start()
        return signed

    def _deliver(self, body: bytes, digest: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the configured local webhook URL
            self.webhook_url, data=body, method="POST", headers={"Content-Type": "application/json", "Digest": digest}
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - a configured local URL
        except OSError as exc:
            logger.warning("webhook not delivered: %s", exc)

    # --- objects ----------------------------------------------------------------------------------

    def customer_create(self, params: dict[str, Any]) -> tuple[int, dict]:
        if not params.get("name"):
            return _error(422, "parameter_validation_error", "conekta.errors.parameter_validation.name.missing",
                          "The name is required.")  # fmt: skip
        customer = {
            "id": f"cus_{secrets.token_hex(8)}", "object": "customer", "livemode": False,
            "created_at": int(time.time()), "name": params["name"], "email": params.get("email") or "",
            "phone": params.get("phone") or "", "custom_reference": params.get("custom_reference") or "",
            "metadata": params.get("metadata") or {}, "corporate": False, "default_payment_source_id": None,
            "payment_sources": {"object": "list", "has_more": False, "total": 0, "data": []},
        }  # fmt: skip
        self.customers[customer["id"]] = customer
        return 200, customer

    def source_create(self, customer_id: str, params: dict[str, Any]) -> tuple[int, dict]:
        customer = self.customers.get(customer_id)
        if customer is None:
            return _error(404, "resource_not_found_error", "conekta.errors.resource_not_found.entity",
                          f"The customer {customer_id} does not exist.")  # fmt: skip
        token = params.get("token_id") or ""
        if params.get("type") != "card" or token not in TEST_TOKENS:
            return _error(422, "parameter_validation_error", "conekta.errors.parameter_validation.token.invalid",
                          "The token does not exist or was already used.")  # fmt: skip
        brand, last4 = TEST_TOKENS[token]
        source = {
            "id": f"src_{secrets.token_hex(8)}", "object": "payment_source", "type": "card",
            "created_at": int(time.time()), "parent_id": customer_id, "last4": last4, "bin": "424242",
            "card_type": "credit", "exp_month": "12", "exp_year": "30", "brand": brand, "name": customer["name"],
            "default": not customer["payment_sources"]["data"], "visible_on_checkout": True,
        }  # fmt: skip
        customer["payment_sources"]["data"].append(source)
        customer["payment_sources"]["total"] += 1
        if source["default"]:
            customer["default_payment_source_id"] = source["id"]
        return 200, source

    def _source(self, customer_id: str, source_id: str) -> dict[str, Any] | None:
        sources = (self.customers.get(customer_id) or {}).get("payment_sources", {}).get("data", [])
        return next((s for s in sources if s["id"] == source_id), None)

    def order_create(self, params: dict[str, Any]) -> tuple[int, dict]:
        currency = str(params.get("currency") or "").upper()
        if currency not in CURRENCIES:
            return _error(422, "parameter_validation_error", "conekta.errors.parameter_validation.currency.invalid",
                          f"The currency {currency} is not supported.")  # fmt: skip
        customer_id = (params.get("customer_info") or {}).get("customer_id") or ""
        charge = (params.get("charges") or [{}])[0]
        method = charge.get("payment_method") or {}
        source = self._source(customer_id, method.get("payment_source_id") or "")
        if source is None:
            return _error(422, "parameter_validation_error", "conekta.errors.parameter_validation.payment_source",
                          "The payment source does not belong to the customer.")  # fmt: skip
        amount = sum(int(item["unit_price"]) * int(item["quantity"]) for item in params.get("line_items") or [])
        declined = DECLINES.get(source["last4"])
        order = self._order(params, currency, customer_id, amount, charge, source, declined)
        self.orders[order["id"]] = order
        self.order_event("order.declined" if declined else "order.paid", order)
        if declined:
            return _error(402, "processing_error", declined[0], declined[1], data=order)
        return 200, order

    def _order(self, params: dict, currency: str, customer_id: str, amount: int, charge: dict, source: dict,
               declined: tuple[str, str] | None) -> dict[str, Any]:  # fmt: skip
        order_id, now = f"ord_{secrets.token_hex(8)}", int(time.time())
        status = "declined" if declined else "paid"
        charge_object = {
            "id": secrets.token_hex(12), "object": "charge", "livemode": False, "created_at": now,
            "currency": currency, "amount": int(charge.get("amount") or amount), "status": status,
            "order_id": order_id, "reference_id": charge.get("reference_id"), "customer_id": customer_id,
            "paid_at": None if declined else now, "fee": 0 if declined else round(amount * 0.029) + 300,
            "failure_code": declined[0].rsplit(".", 1)[-1] if declined else None,
            "failure_message": declined[1] if declined else None,
            "payment_method": {"object": "card_payment", "type": "credit", "brand": source["brand"],
                               "last4": source["last4"], "exp_month": source["exp_month"],
                               "exp_year": source["exp_year"], "payment_source_id": source["id"]},
        }  # fmt: skip
        return {
            "id": order_id, "object": "order", "livemode": False, "created_at": now, "updated_at": now,
            "currency": currency, "amount": amount, "amount_refunded": 0, "payment_status": status,
            "metadata": params.get("metadata") or {}, "line_items": {"object": "list", "has_more": False,
                                                                     "data": params.get("line_items") or []},
            "customer_info": {"object": "customer_info", "customer_id": customer_id},
            "charges": {"object": "list", "has_more": False, "total": 1, "data": [charge_object]},
        }  # fmt: skip

    def order_search(self, query: dict[str, str]) -> tuple[int, dict]:
        term = query.get("search", "")
        found = [o for o in self.orders.values() if not term or term in json.dumps(o)]
        return 200, {"object": "list", "has_more": False, "next_page_url": None, "previous_page_url": None,
                     "data": found[: int(query.get("limit") or 20)]}  # fmt: skip

    # --- dispatch ---------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, str], params: dict[str, Any], auth: str
    ) -> tuple[int, dict]:
        self.requests.append((method, path, params))
        if not auth.startswith("Bearer key_"):
            return _error(401, "authentication_error", "conekta.errors.authentication.missing_key",
                          "Please include your access key in your request.")  # fmt: skip
        parts = path.strip("/").split("/")
        if parts == ["customers"] and method == "POST":
            return self.customer_create(params)
        if len(parts) == 2 and parts[0] == "customers" and method == "GET" and parts[1] in self.customers:
            return 200, self.customers[parts[1]]
        if len(parts) == 3 and parts[0] == "customers" and parts[2] == "payment_sources" and method == "POST":
            return self.source_create(parts[1], params)
        if parts == ["orders"]:
            return self.order_create(params) if method == "POST" else self.order_search(query)
        if len(parts) == 2 and parts[0] == "orders" and parts[1] in self.orders:
            return 200, self.orders[parts[1]]
        if parts == ["webhook_keys"] and method == "POST":
            return 200, self.webhook_key
        return _error(404, "resource_not_found_error", "conekta.errors.resource_not_found.entity",
                      f"Unrecognized request URL ({method}: {path}).")  # fmt: skip

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    params = json.loads(raw) if raw else {}
                except ValueError:
                    status, body = _error(400, "parameter_validation_error", "conekta.errors.malformed_request",
                                          "The request body is not JSON.")  # fmt: skip
                else:
                    with stub.lock:
                        status, body = stub.handle(self.command, url.path, dict(parse_qsl(url.query)), params,
                                                   self.headers.get("Authorization") or "")  # fmt: skip
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug(format, *args)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--public-key-file", default="", help="write the webhook public key (PEM) here once listening")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    stub = ConektaStub(webhook_url=args.webhook_url)
    url = stub.start(port=args.port)
    if args.public_key_file:  # whole or not at all: bin/run.py waits for this file, then reads it
        partial = f"{args.public_key_file}.partial"
        with open(partial, "w") as handle:
            handle.write(stub.public_key_pem)
        os.replace(partial, args.public_key_file)
    print(f"Conekta stub on {url}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

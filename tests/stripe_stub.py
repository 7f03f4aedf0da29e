"""A local Stripe API stub: a threaded HTTP server on 127.0.0.1 that answers the endpoints the real
`stripe` client calls for billing (customers, products, prices, subscriptions, payment intents,
payment methods, invoices, the account), with objects shaped like recorded test-mode responses.

Tests point the real client at it (`stripe_stub` fixture sets `settings.STRIPE_API_HOST`), so the
code under test is the same that talks to Stripe; no request leaves the machine. The test card
`pm_card_chargeDeclined` is declined, as it is by Stripe in test mode. `Idempotency-Key` is
honoured: a repeated key replays the first response, as Stripe does.
"""

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

TEST_CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_mastercard": ("mastercard", "4444"),
    "pm_card_chargeDeclined": ("visa", "0002"),
}
DECLINED_LAST4 = "0002"
PREFIXES = {
    "customers": "cus",
    "products": "prod",
    "prices": "price",
    "subscriptions": "sub",
    "payment_intents": "pi",
    "payment_methods": "pm",
    "invoices": "in",
    "charges": "ch",
    "events": "evt",
}
INTERVAL_SECONDS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`items[0][price]=...`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def _bool(value: Any) -> bool:
    return str(value).lower() == "true"


class StripeStub:
    """The objects the stub holds, by resource, and the requests it has answered."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in PREFIXES}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.account = {
            "id": "acct_1NidiaFlowTest00",
            "object": "account",
            "business_profile": {"name": "NIDIA Flow (test)"},
            "charges_enabled": True,
            "country": "AU",
            "default_currency": "aud",
            "details_submitted": True,
            "email": "billing@nidiaflow.test",
            "payouts_enabled": True,
            "settings": {"dashboard": {"display_name": "NIDIA Flow", "timezone": "Etc/UTC"}},
            "type": "standard",
            "created": 1700000000,
            "metadata": {},
        }
        self.server: ThreadingHTTPServer | None = None

    # --- objects -------------------------------------------------------------------------------

    def new_id(self, resource: str) -> str:
        return f"{PREFIXES[resource]}_{secrets.token_hex(7)}"

    def store(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[resource][obj["id"]] = obj
        return obj

    def payment_method(self, pm_id: str) -> dict[str, Any] | None:
        if pm_id in self.objects["payment_methods"]:
            return self.objects["payment_methods"][pm_id]
        if pm_id not in TEST_CARDS:
            return None
        brand, last4 = TEST_CARDS[pm_id]
        return self.store("payment_methods", _payment_method_object(pm_id, brand, last4))

    # --- dispatch ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((method, path, params))
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        if parts == ["account"]:
            return 200, self.account
        resource, rest = parts[0], parts[1:]
        if resource not in PREFIXES:
            return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        if not rest:
            return (200, self.list(resource, params)) if method == "GET" else self.create(resource, params)
        obj = self.objects[resource].get(rest[0])
        if resource == "payment_methods":
            obj = self.payment_method(rest[0])
        if obj is None:
            return _error(404, "invalid_request_error", f"No such {resource[:-1]}: '{rest[0]}'", "resource_missing")
        if len(rest) == 2:
            return self.action(resource, obj, rest[1], params)
        if method == "GET":
            return 200, obj
        if method == "DELETE":
            return self.delete(resource, obj)
        return self.update(resource, obj, params)

    def list(self, resource: str, params: dict[str, Any]) -> dict[str, Any]:
        data = [
            obj
            for obj in self.objects[resource].values()
            if all(str(obj.get(key)) == str(value) for key, value in params.items() if key in ("customer", "product"))
        ]
        limit = int(params.get("limit", 10))
        return {
            "object": "list",
            "data": data[:limit],
            "has_more": len(data) > limit,
            "url": f"/v1/{resource}",
        }

    def create(self, resource: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        builder = getattr(self, f"create_{resource}", None)
        if builder is None:
            return _error(400, "invalid_request_error", f"The stub cannot create {resource}.")
        return builder(params)

    def update(self, resource: str, obj: dict[str, Any], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if resource == "subscriptions":
            return self.update_subscription(obj, params)
        for key, value in params.items():
            if key == "metadata":
                obj["metadata"].update(value)
            elif key not in ("expand",):
                obj[key] = value
        return 200, obj

    def delete(self, resource: str, obj: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if resource == "subscriptions":
            obj.update(status="canceled", canceled_at=int(time.time()), ended_at=int(time.time()))
            return 200, obj
        self.objects[resource].pop(obj["id"])
        return 200, {"id": obj["id"], "object": obj["object"], "deleted": True}

    def action(self, resource: str, obj: dict[str, Any], verb: str, params: dict[str, Any]) -> tuple[int, Any]:
        if resource == "payment_methods" and verb == "attach":
            obj["customer"] = params["customer"]
            return 200, obj
        if resource == "payment_intents" and verb == "confirm":
            return self.confirm(obj, params.get("payment_method") or obj["payment_method"])
        if resource == "products" and verb == "features":
            return 200, {"object": "list", "data": [], "has_more": False, "url": f"/v1/products/{obj['id']}/features"}
        return _error(404, "invalid_request_error", f"The stub has no {resource}/{verb}.")

    # --- builders ------------------------------------------------------------------------------

    def create_customers(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        obj = {
            "id": self.new_id("customers"),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": int(time.time()),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description"),
            "discount": None,
            "email": params.get("email"),
            "invoice_prefix": secrets.token_hex(4).upper(),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "name": params.get("name"),
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        return 200, self.store("customers", obj)

    def create_products(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = int(time.time())
        obj = {
            "id": params.get("id") or self.new_id("products"),
            "object": "product",
            "active": True,
            "created": now,
            "default_price": None,
            "description": params.get("description"),
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": params.get("metadata", {}),
            "name": params["name"],
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": None,
            "tax_code": None,
            "type": "service",
            "unit_label": None,
            "updated": now,
            "url": None,
        }
        return 200, self.store("products", obj)

    def create_prices(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        recurring = params.get("recurring")
        if recurring:
            recurring = {
                "aggregate_usage": None,
                "interval": recurring["interval"],
                "interval_count": int(recurring.get("interval_count", 1)),
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        obj = {
            "id": self.new_id("prices"),
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": int(time.time()),
            "currency": params["currency"],
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": params.get("lookup_key"),
            "metadata": params.get("metadata", {}),
            "nickname": params.get("nickname"),
            "product": params["product"],
            "recurring": recurring,
            "tax_behavior": params.get("tax_behavior", "unspecified"),
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": int(params["unit_amount"]),
            "unit_amount_decimal": str(params["unit_amount"]),
        }
        return 200, self.store("prices", obj)

    def create_subscriptions(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params["customer"] not in self.objects["customers"]:
            return _error(400, "invalid_request_error", f"No such customer: '{params['customer']}'", "resource_missing")
        now = int(time.time())
        trial_end = int(params["trial_end"]) if params.get("trial_end") not in (None, "", "now") else None
        obj: dict[str, Any] = {
            "id": self.new_id("subscriptions"),
            "object": "subscription",
            "billing_cycle_anchor": trial_end or now,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "collection_method": params.get("collection_method", "charge_automatically"),
            "created": now,
            "currency": None,
            "customer": params["customer"],
            "days_until_due": None,
            "default_payment_method": params.get("default_payment_method"),
            "discount": None,
            "ended_at": None,
            "items": {"object": "list", "data": [], "has_more": False, "url": ""},
            "latest_invoice": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "start_date": now,
            "status": "trialing" if trial_end else "active",
            "trial_end": trial_end,
            "trial_start": now if trial_end else None,
        }
        obj["items"]["url"] = f"/v1/subscription_items?subscription={obj['id']}"
        for item in params.get("items", []):
            error = self._subscription_item_set(obj, item)
            if error:
                return error
        self._subscription_period(obj, obj["billing_cycle_anchor"] if trial_end else now, trial_end)
        return 200, self.store("subscriptions", obj)

    def update_subscription(self, obj: dict[str, Any], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for item in params.get("items", []):
            error = self._subscription_item_set(obj, item)
            if error:
                return error
        if "cancel_at_period_end" in params:
            obj["cancel_at_period_end"] = _bool(params["cancel_at_period_end"])
            obj["canceled_at"] = int(time.time()) if obj["cancel_at_period_end"] else None
        if "metadata" in params:
            obj["metadata"].update(params["metadata"])
        return 200, obj

    def _subscription_item_set(self, sub: dict[str, Any], item: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        price = self.objects["prices"].get(item.get("price", ""))
        existing = next((i for i in sub["items"]["data"] if i["id"] == item.get("id")), None)
        if price is None and existing is None:
            return _error(400, "invalid_request_error", f"No such price: '{item.get('price')}'", "resource_missing")
        if existing is None:
            existing = {
                "id": f"si_{secrets.token_hex(7)}",
                "object": "subscription_item",
                "created": int(time.time()),
                "metadata": {},
                "subscription": sub["id"],
                "tax_rates": [],
            }
            sub["items"]["data"].append(existing)
        if price is not None:
            existing["price"] = price
            existing["plan"] = _legacy_plan(price)
            sub["currency"] = price["currency"]
        existing["quantity"] = int(item.get("quantity", existing.get("quantity", 1)))
        return None

    def _subscription_period(self, sub: dict[str, Any], start: int, trial_end: int | None) -> None:
        recurring = sub["items"]["data"][0]["price"]["recurring"] if sub["items"]["data"] else None
        length = INTERVAL_SECONDS[recurring["interval"]] * recurring["interval_count"] if recurring else 30 * 86400
        end = trial_end or start + length
        sub.update(current_period_start=int(time.time()) if trial_end else start, current_period_end=end)
        for item in sub["items"]["data"]:  # API versions from 2025-03-31 carry the period on items
            item.update(current_period_start=sub["current_period_start"], current_period_end=end)

    def create_payment_intents(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        obj = {
            "id": self.new_id("payment_intents"),
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "capture_method": "automatic_async",
            "client_secret": f"pi_secret_{secrets.token_hex(12)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": params["currency"],
            "customer": params.get("customer"),
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "off_session": _bool(params.get("off_session")),
            "payment_method": params.get("payment_method"),
            "payment_method_types": ["card"],
            "status": "requires_confirmation" if params.get("payment_method") else "requires_payment_method",
        }
        self.store("payment_intents", obj)
        if _bool(params.get("confirm")):
            return self.confirm(obj, obj["payment_method"])
        return 200, obj

    def confirm(self, intent: dict[str, Any], pm_id: str | None) -> tuple[int, dict[str, Any]]:
        method = self.payment_method(pm_id or "")
        if method is None:
            return _error(400, "invalid_request_error", f"No such PaymentMethod: '{pm_id}'", "resource_missing")
        intent["payment_method"] = method["id"]
        charge_id = self.new_id("charges")
        if method["card"]["last4"] == DECLINED_LAST4:
            error = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "generic_decline",
                "message": "Your card was declined.",
                "charge": charge_id,
                "payment_method": method,
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
            }
            intent.update(status="requires_payment_method", latest_charge=charge_id, last_payment_error=error)
            return 402, {"error": {**error, "payment_intent": intent}}
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge_id)
        return 200, intent

    # --- server --------------------------------------------------------------------------------

    def start(self) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = _nest(parse_qsl(url.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key")
                with stub.lock:
                    if key and key in stub.idempotent:
                        status, payload = stub.idempotent[key]
                    else:
                        status, payload = stub.handle(self.command, url.path, params)
                        if key and self.command == "POST":
                            stub.idempotent[key] = (status, json.loads(json.dumps(payload)))
                    raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                if key:
                    self.send_header("Idempotency-Key", key)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def _payment_method_object(pm_id: str, brand: str, last4: str) -> dict[str, Any]:
    return {
        "id": pm_id,
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "card": {
            "brand": brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
            "country": "US",
            "display_brand": brand,
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": hashlib.sha256(pm_id.encode()).hexdigest()[:16],
            "funding": "credit",
            "last4": last4,
            "networks": {"available": [brand], "preferred": None},
            "wallet": None,
        },
        "created": int(time.time()),
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
    }


def _legacy_plan(price: dict[str, Any]) -> dict[str, Any]:
    recurring = price["recurring"] or {"interval": "month", "interval_count": 1}
    return {
        "id": price["id"],
        "object": "plan",
        "active": True,
        "amount": price["unit_amount"],
        "amount_decimal": price["unit_amount_decimal"],
        "billing_scheme": "per_unit",
        "created": price["created"],
        "currency": price["currency"],
        "interval": recurring["interval"],
        "interval_count": recurring["interval_count"],
        "livemode": False,
        "metadata": {},
        "nickname": price["nickname"],
        "product": price["product"],
        "usage_type": "licensed",
    }


def _error(status: int, kind: str, message: str, code: str | None = None) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"type": kind, "message": message, "code": code}}


_event_numbers = itertools.count(1)


def event_payload(event_type: str, obj: dict[str, Any], *, created: int | None = None, event_id: str = "") -> str:
    """A webhook event body as Stripe sends it (API version and request block included)."""
    event = {
        "id": event_id or f"evt_{secrets.token_hex(7)}{next(_event_numbers)}",
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": created or int(time.time()),
        "data": {"object": obj, "previous_attributes": {}},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    return json.dumps(event)


def signature_header(payload: str, secret: str, *, timestamp: int | None = None) -> str:
    """`Stripe-Signature`: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<payload>" keyed with the secret>."""
    ts = timestamp or int(time.time())
    digest = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


@pytest.fixture
def stripe_stub(settings) -> Iterator[StripeStub]:
    """A running stub; `settings.STRIPE_API_HOST` points the billing code (and dj-stripe) at it."""
    stub = StripeStub()
    settings.STRIPE_API_HOST = stub.start()
    yield stub
    stub.stop()

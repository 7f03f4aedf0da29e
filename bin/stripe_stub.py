#!/usr/bin/env python
"""A local Stripe API stub: a threaded HTTP server on 127.0.0.1 that answers the endpoints the real
`stripe` client calls for billing (customers, products, prices, subscriptions, payment intents,
payment methods, setup intents, Checkout sessions, invoices, the account), with objects shaped like
recorded test-mode responses, plus a minimal hosted Checkout page.

Tests point the real client at it (the `stripe_stub` fixture of tests/stripe_stub.py sets
`settings.STRIPE_API_HOST`), so the code under test is the same that talks to Stripe; no request
leaves the machine. `Idempotency-Key` is honoured: a repeated key replays the first response, as
Stripe does.

Hosted Checkout (setup mode): `session.url` is `<stub>/checkout/<session id>`, a card form prefilled
with 4242 4242 4242 4242. "Save card" creates the PaymentMethod (attached to the session's customer)
and a succeeded SetupIntent, sends a signed `checkout.session.completed` event to the webhook URL and
redirects to the session's success_url; "Cancel" redirects to its cancel_url. Cards ending in 0002
(4000 0000 0000 0002, or the test card `pm_card_chargeDeclined`) save fine and are declined when
charged (`card_declined`, decline code `generic_decline`); `POST /_stub/payment_methods/<id>/decline`
(or `StripeStub.card_decline`) makes any saved card decline from then on, `/accept` undoes it.

Run it on its own (`make run` does when STRIPE_STUB=1):

    python bin/stripe_stub.py --port 12111 --webhook-url http://localhost:8000/billing/webhooks/stripe/ \
        --webhook-secret whsec_...

Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import html
import itertools
import json
import logging
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger("stripe_stub")

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
    "setup_intents": "seti",
    "checkout_sessions": "cs_test",
}
CARD_BRANDS = (("34", "amex"), ("37", "amex"), ("4", "visa"), ("5", "mastercard"), ("2", "mastercard"))
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

    def __init__(self, *, webhook_url: str = "", webhook_secret: str = "", webhook_delay: float = 0.0) -> None:
        self.objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in PREFIXES}
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self.lock = threading.Lock()
        # Where hosted-checkout events go: POSTed, signed with the secret, to webhook_url (after
        # webhook_delay seconds, in a thread, when it is not 0). Every event is also kept in `events`.
        self.webhook_url, self.webhook_secret, self.webhook_delay = webhook_url, webhook_secret, webhook_delay
        self.events: list[str] = []
        self.declining: set[str] = set()  # payment method ids declined when charged
        self.base_url = ""
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
        if parts[:1] == ["checkout"]:  # /v1/checkout/sessions/...
            parts = ["checkout_sessions", *parts[2:]]
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
            return 200, self.expanded(obj, params.get("expand") or [])
        if method == "DELETE":
            return self.delete(resource, obj)
        return self.update(resource, obj, params)

    def expanded(self, obj: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        """`expand[]=payment_method`: the id replaced by the object (only what billing expands)."""
        out = dict(obj)
        for field in fields:
            if field == "payment_method" and isinstance(obj.get(field), str):
                out[field] = self.payment_method(obj[field])
        return out

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
            if isinstance(value, dict) and isinstance(obj.get(key), dict):
                obj[key].update(value)
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
        if resource == "payment_methods" and verb in ("attach", "detach"):
            obj["customer"] = params["customer"] if verb == "attach" else None
            return 200, obj
        if resource == "payment_intents" and verb == "confirm":
            return self.confirm(obj, params.get("payment_method") or obj["payment_method"])
        if resource == "checkout_sessions" and verb == "expire":
            if obj["status"] != "open":
                return _error(400, "invalid_request_error", f"This Checkout Session is {obj['status']}.")
            obj["status"] = "expired"
            self.event_queue("checkout.session.expired", obj)
            return 200, obj
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

    def create_checkout_sessions(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("mode") != "setup":
            return _error(400, "invalid_request_error", "The stub only hosts Checkout in setup mode.")
        if params.get("customer") not in self.objects["customers"]:
            return _error(
                400, "invalid_request_error", f"No such customer: '{params.get('customer')}'", "resource_missing"
            )
        for field in ("success_url", "cancel_url"):
            if not str(params.get(field, "")).startswith(("http://", "https://")):
                return _error(400, "invalid_request_error", f"Not a valid URL: {field}", "url_invalid")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        now = int(time.time())
        obj = {
            "id": session_id,
            "object": "checkout.session",
            "cancel_url": params["cancel_url"],
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": params.get("currency"),
            "customer": params["customer"],
            "expires_at": now + 86400,
            "livemode": False,
            "metadata": params.get("metadata", {}),
            "mode": "setup",
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "payment_status": "no_payment_required",
            "setup_intent": None,
            "status": "open",
            "success_url": params["success_url"],
            "url": f"{self.base_url}/checkout/{session_id}",
        }
        return 200, self.store("checkout_sessions", obj)

    def checkout_complete(self, session: dict[str, Any], card_number: str, exp_month: int, exp_year: int) -> str:
        """ "Save card" on the hosted page: PaymentMethod + succeeded SetupIntent; the event is queued."""
        brand = next((name for prefix, name in CARD_BRANDS if card_number.startswith(prefix)), "unknown")
        method = _payment_method_object(self.new_id("payment_methods"), brand, card_number[-4:])
        method["card"].update(exp_month=exp_month, exp_year=exp_year)
        method["customer"] = session["customer"]
        self.store("payment_methods", method)
        intent = {
            "id": self.new_id("setup_intents"),
            "object": "setup_intent",
            "created": int(time.time()),
            "customer": session["customer"],
            "last_setup_error": None,
            "livemode": False,
            "metadata": {},
            "payment_method": method["id"],
            "payment_method_types": ["card"],
            "status": "succeeded",
            "usage": "off_session",
        }
        self.store("setup_intents", intent)
        session.update(status="complete", setup_intent=intent["id"])
        self.event_queue("checkout.session.completed", session)
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])

    def card_decline(self, pm_id: str, *, declined: bool = True) -> None:
        """From now on, charges of this saved card are declined (or accepted again)."""
        if declined:
            self.declining.add(pm_id)
        else:
            self.declining.discard(pm_id)

    # --- webhooks ------------------------------------------------------------------------------

    def event_queue(self, event_type: str, obj: dict[str, Any]) -> None:
        self.events.append(event_payload(event_type, json.loads(json.dumps(obj))))

    def events_send(self, payloads: list[str]) -> None:
        """POST each event to the webhook URL, signed; failures are logged (Stripe would retry)."""
        if not self.webhook_url:
            return
        if self.webhook_delay:
            time.sleep(self.webhook_delay)
        for payload in payloads:
            request = urllib.request.Request(  # noqa: S310 - the configured local webhook URL
                self.webhook_url,
                data=payload.encode(),
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Stripe-Signature": signature_header(payload, self.webhook_secret),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - a configured local URL
                    logger.info("webhook %s: %s", self.webhook_url, answer.status)
            except (urllib.error.URLError, OSError) as exc:
                logger.warning("webhook %s failed: %s", self.webhook_url, exc)

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
        if method["card"]["last4"] == DECLINED_LAST4 or method["id"] in self.declining:
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

    # --- hosted pages (browser) and stub controls ----------------------------------------------

    def page(self, method: str, path: str, form: dict[str, Any]) -> tuple[int, str, str]:
        """The hosted Checkout page: (status, html, redirect location)."""
        parts = path.strip("/").split("/")  # checkout/<id>[/cancel]
        session = self.objects["checkout_sessions"].get(parts[1]) if len(parts) > 1 else None
        if session is None:
            return 404, _page("Not found", "<p>No such Checkout Session.</p>"), ""
        if session["status"] != "open":
            return 410, _page("Checkout closed", f"<p>This Checkout Session is {session['status']}.</p>"), ""
        if len(parts) == 3 and parts[2] == "cancel":
            return 303, "", session["cancel_url"]
        if method == "POST":
            number = re.sub(r"[\s-]", "", str(form.get("card_number", "")))
            match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2,4})\s*", str(form.get("expiry", "")))
            error = ""
            if not re.fullmatch(r"\d{13,19}", number) or not _luhn(number):
                error = "Your card number is invalid."
            elif not match or not 1 <= int(match[1]) <= 12:
                error = "Your card's expiration date is incomplete."
            if not error:
                assert match is not None
                year = int(match[2]) + (2000 if len(match[2]) == 2 else 0)
                return 303, "", self.checkout_complete(session, number, int(match[1]), year)
            return 400, _checkout_form(session, self.account, form, error), ""
        return 200, _checkout_form(session, self.account, {}, ""), ""

    def control(self, path: str) -> tuple[int, dict[str, Any]]:
        """POST /_stub/payment_methods/<id>/decline|accept."""
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[1] == "payment_methods" and parts[3] in ("decline", "accept"):
            self.card_decline(parts[2], declined=parts[3] == "decline")
            return 200, {"id": parts[2], "declining": parts[2] in self.declining}
        return _error(404, "invalid_request_error", f"No stub control {path}.")

    # --- server --------------------------------------------------------------------------------

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                params = _nest(parse_qsl(url.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key")
                with stub.lock:
                    sent = len(stub.events)
                    if url.path.startswith("/checkout/"):
                        status, text, location = stub.page(self.command, url.path, params)
                        raw, content_type = text.encode(), "text/html; charset=utf-8"
                    else:
                        location, content_type = "", "application/json"
                        if url.path.startswith("/_stub/"):
                            status, payload = stub.control(url.path)
                        elif key and key in stub.idempotent:
                            status, payload = stub.idempotent[key]
                        else:
                            status, payload = stub.handle(self.command, url.path, params)
                            if key and self.command == "POST":
                                stub.idempotent[key] = (status, json.loads(json.dumps(payload)))
                        raw = json.dumps(payload).encode()
                    new_events = stub.events[sent:]
                if new_events and stub.webhook_url and stub.webhook_delay:
                    threading.Thread(target=stub.events_send, args=(new_events,), daemon=True).start()
                elif new_events:  # before the redirect: the app knows the card when the browser is back
                    stub.events_send(new_events)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                if location:
                    self.send_header("Location", location)
                if key:
                    self.send_header("Idempotency-Key", key)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
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


def _luhn(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def _page(title: str, body: str) -> str:
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}}
label{{display:block;margin:.8rem 0 .2rem;font-size:.9rem}}
input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}
button{{margin-top:1.2rem;width:100%;padding:.7rem;font-size:1rem;background:#635bff;color:#fff;border:0;border-radius:6px}}
.error{{color:#c0123c}}.test{{background:#fff4e5;padding:.4rem .6rem;font-size:.85rem}}a{{color:#635bff}}</style>
</head><body>{body}</body></html>"""


def _checkout_form(session: dict[str, Any], account: dict[str, Any], form: dict[str, Any], error: str) -> str:
    value = {
        "card_number": form.get("card_number", "4242 4242 4242 4242"),
        "expiry": form.get("expiry", f"12 / {(time.gmtime().tm_year + 3) % 100:02d}"),
        "cvc": form.get("cvc", "123"),
    }
    name = account["settings"]["dashboard"]["display_name"]
    body = f"""<p class="test">Test mode (local Stripe stub).
4000 0000 0000 0002 saves but is declined when charged.</p>
<h1>Save a card with {html.escape(name)}</h1>
<p>Your card will be used for future payments.</p>
{f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""}
<form method="post" action="/checkout/{session["id"]}">
<label for="card_number">Card number</label>
<input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number"
 value="{html.escape(value["card_number"])}">
<label for="expiry">Expiry (MM / YY)</label><input id="expiry" name="expiry" value="{html.escape(value["expiry"])}">
<label for="cvc">CVC</label><input id="cvc" name="cvc" value="{html.escape(value["cvc"])}">
<button type="submit">Save card</button>
</form>
<p><a href="/checkout/{session["id"]}/cancel">Cancel</a></p>"""
    return _page(f"Save a card · {name}", body)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local Stripe API stub with a hosted Checkout page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default="", help="where checkout events are POSTed (signed)")
    parser.add_argument("--webhook-secret", default="", help="the signing secret (whsec_...)")
    parser.add_argument("--webhook-delay", type=float, default=1.0, help="seconds before an event is sent")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    stub = StripeStub(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret,
                      webhook_delay=args.webhook_delay)  # fmt: skip
    url = stub.start(host=args.host, port=args.port)
    target = args.webhook_url or "nowhere"
    print(f"Stripe stub on {url} (hosted checkout at {url}/checkout/<session>); events to {target}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
    stub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

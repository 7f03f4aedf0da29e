"""The Conekta gateway: the tenant as a Conekta customer, its cards as payment sources, an invoice
charged as an order, and Conekta's signed webhooks settling invoices.

Everything goes through Conekta's official client (`conekta` on PyPI), pointed at
`settings.CONEKTA_API_HOST` (Conekta's API by default; the local stub bin/conekta_stub.py in tests)
with `settings.CONEKTA_API_KEY`. Answers are read as JSON
(`*_without_preload_content`): the client's generated models for payment sources and charges are
one-of unions that several shapes match, so they are not a dependable way to read an answer.

- Customer: created once per tenant, kept as ProviderCustomer(provider="conekta") — seed 002's
  `conekta_customer_id`.
- Card: Conekta's tokenizer (Conekta.js, on Conekta's side) turns the card into a one-time token;
  `payment_source_add` attaches it to the customer and records brand, last four digits and expiry.
- Charge: an order for the invoice's amount due in minor units with one card charge on the default
  source. Conekta takes no idempotency key, so the charge carries our attempt's reference
  (`nidia-<invoice uuid>-inv:<id>:attempt:<n>`) and a repeated attempt first searches Conekta's orders
  for it: a retried attempt never charges twice. A decline (402) is a failed charge with Conekta's
  code; a request Conekta refuses (401, 404, 422: a currency it does not take, a source gone) is a
  failed attempt too; network and server errors raise, so the attempt is repeated later.
- Webhooks: Conekta signs the body of each event with the RSA key of the account's webhook key and
  sends the signature, base64, in the `Digest` header; it is verified with the key's public half
  (`settings.CONEKTA_WEBHOOK_PUBLIC_KEY`, PEM, from Conekta's webhook_keys API). `order.paid` and
  `order.declined` of an order we made (its metadata names the invoice) settle the invoice through
  apps.billing.settlement, exactly as Stripe's invoice events do.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import conekta
import urllib3
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.billing.models import PaymentMethod, Provider, ProviderCustomer
from apps.billing.money import from_minor_units, minor_units
from apps.billing.payments import next_attempt_at
from apps.billing.settlement import Settlement, invoice_for_event, invoice_settle_failed, invoice_settle_paid
from apps.tenancy.models import Tenant

from . import (
    CardRefused,
    ChargeResult,
    ProviderCard,
    WebhookEvent,
    WebhookReceiver,
    WebhookRefused,
    register,
    register_webhooks,
)

if TYPE_CHECKING:
    from apps.billing.models import Invoice

logger = logging.getLogger(__name__)

DEFAULT_HOST = "https://api.conekta.io"
TIMEOUT = 30.0


class ConektaError(Exception):
    """Conekta answered with an error; `status` is its HTTP status, `code` the first detail's code."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        details = body.get("details") or [{}]
        self.status, self.body = status, body
        self.code = str(details[0].get("code") or body.get("type") or "conekta_error")
        self.message = str(details[0].get("message") or details[0].get("debug_message") or "Conekta refused it.")
        super().__init__(f"{status} {self.code}: {self.message}")


def api_client() -> conekta.ApiClient:
    host = getattr(settings, "CONEKTA_API_HOST", "") or DEFAULT_HOST
    configuration = conekta.Configuration(host=host, access_token=settings.CONEKTA_API_KEY)
    configuration.retries = 0 if host != DEFAULT_HOST else 2  # the stub answers at once or not at all
    return conekta.ApiClient(configuration)


def _answer(response: Any) -> dict[str, Any]:
    """The JSON of a raw answer; ConektaError for a 4xx, conekta.ApiException for a 5xx (retried later)."""
    if response.status >= 500:
        raise conekta.ApiException(status=response.status, reason=response.reason, body=response.data.decode())
    body = json.loads(response.data or b"{}")
    if response.status >= 400:
        raise ConektaError(response.status, body)
    return dict(body)


# --- customers and payment sources -----------------------------------------------------------------


@transaction.atomic
def customer_ensure(tenant: Tenant) -> ProviderCustomer:
    """The tenant's Conekta customer: created once (the tenant row locked meanwhile), recorded here."""
    existing = ProviderCustomer.objects.filter(tenant=tenant, provider=Provider.CONEKTA).first()
    if existing is None:
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        existing = ProviderCustomer.objects.filter(tenant=tenant, provider=Provider.CONEKTA).first()
    if existing is not None:
        return existing
    customer = conekta.Customer(
        name=tenant.name, email=tenant.billing_email or "", phone="", custom_reference=f"tenant:{tenant.pk}",
        metadata={"tenant_id": str(tenant.pk), "tenant_slug": tenant.slug},
    )  # fmt: skip
    with api_client() as client:
        answer = _answer(
            conekta.CustomersApi(client).create_customer_without_preload_content(customer, _request_timeout=TIMEOUT)
        )
    record = ProviderCustomer(tenant=tenant, provider=Provider.CONEKTA, provider_customer_id=answer["id"])
    record.full_clean()
    record.save()
    return record


def payment_source_create(tenant: Tenant, token_id: str) -> ProviderCard:
    """Attach a tokenized card to the tenant's Conekta customer; ConektaError if Conekta refuses it."""
    customer = customer_ensure(tenant)
    request = conekta.CreateCustomerPaymentMethodsRequest(
        conekta.PaymentMethodTokenRequest(type="card", token_id=token_id)
    )
    with api_client() as client:
        source = _answer(conekta.PaymentMethodsApi(client).create_customer_payment_methods_without_preload_content(
            customer.provider_customer_id, request, _request_timeout=TIMEOUT))  # fmt: skip
    year = int(source["exp_year"]) if str(source.get("exp_year") or "").isdigit() else None
    return ProviderCard(
        provider_payment_method_id=source["id"], brand=str(source.get("brand") or ""),
        last4=str(source.get("last4") or ""),
        exp_month=int(source["exp_month"]) if str(source.get("exp_month") or "").isdigit() else None,
        exp_year=year + 2000 if year is not None and year < 100 else year,
    )  # fmt: skip


# --- charging ----------------------------------------------------------------------------------------


class ConektaGateway:
    name = "conekta"

    def card_from_token(self, *, tenant: Tenant, token: str) -> ProviderCard:
        try:
            return payment_source_create(tenant, token)
        except ConektaError as exc:
            raise CardRefused(exc.message, code=exc.code) from exc
        except (conekta.ApiException, urllib3.exceptions.HTTPError) as exc:
            logger.warning("Conekta unreachable saving a card of %s: %s", tenant, exc)
            raise CardRefused("Conekta could not be reached; nothing was saved. Try again later.",
                              code="provider_unavailable") from exc  # fmt: skip

    def charge(self, *, invoice: Invoice, payment_method: PaymentMethod | None, idempotency_key: str) -> ChargeResult:
        if payment_method is None or payment_method.provider != Provider.CONEKTA:
            return ChargeResult(False, failure_code="no_payment_method", failure_reason="No Conekta card.")
        reference = f"nidia-{invoice.uuid}-{idempotency_key}"
        customer = customer_ensure(invoice.tenant)
        try:
            order = order_by_reference(reference) or order_create(invoice, customer, payment_method, reference)
        except ConektaError as exc:
            return _refused(exc)
        if order.get("payment_status") != "paid":
            return ChargeResult(False, order["id"], failure_code=str(order.get("payment_status") or "unpaid"),
                                failure_reason="Conekta did not complete the payment.")  # fmt: skip
        return ChargeResult(True, provider_payment_id=order["id"])


def order_by_reference(reference: str) -> dict[str, Any] | None:
    """An order an earlier try of this attempt already made (Conekta's search covers charge references)."""
    with api_client() as client:
        found = _answer(conekta.OrdersApi(client).get_orders_without_preload_content(
            search=reference, limit=5, _request_timeout=TIMEOUT))  # fmt: skip
    matching = [o for o in found.get("data") or [] if (o.get("metadata") or {}).get("reference") == reference]
    return matching[0] if matching else None


def order_create(invoice: Invoice, customer: ProviderCustomer, method: PaymentMethod, reference: str) -> dict[str, Any]:
    amount = minor_units(invoice.amount_due, invoice.currency)
    request = conekta.OrderRequest(
        currency=invoice.currency,
        customer_info=conekta.OrderRequestCustomerInfo(conekta.CustomerInfoCustomerId(customer_id=customer.provider_customer_id)),
        line_items=[conekta.Product(name=f"Invoice {invoice.number}", unit_price=amount, quantity=1)],
        charges=[conekta.ChargeRequest(
            amount=amount, reference_id=reference,
            payment_method=conekta.ChargeRequestPaymentMethod(conekta.PaymentMethodGeneralRequest(
                type="card", payment_source_id=method.provider_payment_method_id)),
        )],
        metadata={"invoice_uuid": str(invoice.uuid), "invoice_number": invoice.number, "reference": reference},
    )  # fmt: skip
    with api_client() as client:
        return _answer(
            conekta.OrdersApi(client).create_order_without_preload_content(request, _request_timeout=TIMEOUT)
        )


def _refused(exc: ConektaError) -> ChargeResult:
    order = (exc.body.get("data") or {}) if isinstance(exc.body.get("data"), dict) else {}
    declined = exc.status == 402
    code = "card_declined" if declined else exc.code.rsplit(".", 1)[-1][:100]
    if "insufficient_funds" in exc.code:
        code = "insufficient_funds"
    reason = f"{exc.message} (Conekta: {exc.code})"
    return ChargeResult(False, provider_payment_id=str(order.get("id") or ""), failure_code=code, failure_reason=reason)


# --- webhooks -------------------------------------------------------------------------------------


def webhook_verify(body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    """The event, if `Digest` is Conekta's RSA-SHA256 signature of the body; else WebhookRefused."""
    pem = getattr(settings, "CONEKTA_WEBHOOK_PUBLIC_KEY", "")
    if not pem:
        raise WebhookRefused("No Conekta webhook public key is configured.")
    try:
        signature = base64.b64decode(headers.get("Digest", ""), validate=True)
        key = serialization.load_pem_public_key(pem.replace("\\n", "\n").encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("CONEKTA_WEBHOOK_PUBLIC_KEY is not an RSA public key.")
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise WebhookRefused("The Digest header is not Conekta's signature of this body.") from exc
    try:
        event = json.loads(body)
        obj = event["data"]["object"]
        created = datetime.fromtimestamp(int(event.get("created_at") or obj.get("created_at") or 0), tz=UTC)
        return WebhookEvent(id=str(event["id"]), type=str(event["type"]), object_id=str(obj.get("id") or ""),
                            created=created, object=obj)  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookRefused("Signed, but not a Conekta event.") from exc


def _order_invoice(obj: dict[str, Any]) -> Invoice | None:
    uuid = str((obj.get("metadata") or {}).get("invoice_uuid") or "")
    return invoice_for_event(invoice_uuid=uuid) if uuid else None


def order_paid(obj: dict[str, Any], now: datetime) -> str:
    invoice = _order_invoice(obj)
    if invoice is None:
        return "ignored"  # not an order we made (another integration on the account)
    currency = str(obj.get("currency") or invoice.currency).upper()
    settlement = Settlement(
        provider=Provider.CONEKTA, idempotency_key=f"conekta:{obj['id']}:paid", currency=currency,
        amount=from_minor_units(int(obj.get("amount") or 0), currency) or None, provider_payment_id=obj["id"],
    )  # fmt: skip
    return invoice_settle_paid(invoice=invoice, settlement=settlement, now=now)


def order_declined(obj: dict[str, Any], now: datetime) -> str:
    invoice = _order_invoice(obj)
    if invoice is None:
        return "ignored"
    charge = ((obj.get("charges") or {}).get("data") or [{}])[0]
    settlement = Settlement(
        provider=Provider.CONEKTA, idempotency_key=f"conekta:{obj['id']}:declined", provider_payment_id=obj["id"],
        failure_code=str(charge.get("failure_code") or "card_declined")[:100],
        failure_reason=str(charge.get("failure_message") or "Conekta declined the payment."),
    )  # fmt: skip
    retry = next_attempt_at(attempts=invoice.payment_attempts + 1, now=now or timezone.now())
    return invoice_settle_failed(invoice=invoice, settlement=settlement, now=now, next_attempt_at=retry)


gateway = ConektaGateway()
register(gateway.name, gateway)
register_webhooks(gateway.name, WebhookReceiver(
    verify=webhook_verify, handlers={"order.paid": order_paid, "order.declined": order_declined}))  # fmt: skip

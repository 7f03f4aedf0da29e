"""Stripe webhooks: verified, applied once, in order per object.

- The signature is checked with `stripe.Webhook.construct_event` before anything is read; a bad one
  is refused with 400 and nothing is written.
- Each event is recorded in ProcessedWebhookEvent (provider + event id unique) in the same
  transaction as its effects, the record first: a duplicate delivery (even a concurrent one, which
  waits on the unique index) hits the constraint and is answered "duplicate" with nothing done twice.
- Stripe does not deliver in order. Events are applied per object under a transaction-scoped advisory
  lock; an event older than one already applied to the same object is recorded "stale" and skipped.
- Unknown types are recorded "ignored". Events are handled here, not through dj-stripe's Event
  processing, which would fetch every object again from Stripe.
- Card capture: `checkout.session.completed` of a session we started (CheckoutSession) retrieves its
  SetupIntent, records the card and makes it the default; a session we do not know is recorded and
  ignored. `checkout.session.expired` closes an open session with the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.billing import dunning, invoices, services, stripe_sync
from apps.billing.models import (
    CheckoutSession,
    CheckoutStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
    Subscription,
    SubscriptionStatus,
)
from apps.billing.money import from_minor_units
from apps.billing.portal.services import CHECKOUT_EXPIRED, checkout_finish, payment_method_add

logger = logging.getLogger(__name__)

# Stripe subscription status → ours (incomplete ones have not started billing: left as they are);
# cancel_at_period_end keeps the status, as billing.services.subscription_cancel does.
SUBSCRIPTION_STATUSES = {
    "trialing": SubscriptionStatus.TRIALING,
    "active": SubscriptionStatus.ACTIVE,
    "past_due": SubscriptionStatus.PAST_DUE,
    "unpaid": SubscriptionStatus.SUSPENDED,
    "paused": SubscriptionStatus.SUSPENDED,
    "canceled": SubscriptionStatus.CANCELLED,  # as subscription_cancel(at_period_end=False) leaves it
}


def webhook_secret() -> str:
    return getattr(settings, "BILLING_STRIPE_WEBHOOK_SECRET", "") or settings.DJSTRIPE_WEBHOOK_SECRET


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    secret = webhook_secret()
    signature = request.headers.get("Stripe-Signature", "")
    try:
        if not secret:
            raise stripe.SignatureVerificationError("No webhook secret is configured.", signature)
        stripe.Webhook.construct_event(request.body, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        logger.warning("Stripe webhook refused: %s (from %s)", exc, request.META.get("REMOTE_ADDR"))
        return HttpResponseBadRequest("invalid signature", content_type="text/plain")
    outcome = event_apply(json.loads(request.body))
    return HttpResponse(outcome, content_type="text/plain")


def event_apply(event: dict[str, Any]) -> str:
    """Apply a verified event once; returns the outcome: processed, ignored, stale or duplicate."""
    obj = event["data"]["object"]
    created = datetime.fromtimestamp(event["created"], tz=UTC)
    try:
        with transaction.atomic():
            record = ProcessedWebhookEvent.objects.create(
                provider=Provider.STRIPE,
                event_id=event["id"],
                event_type=event["type"],
                object_id=obj.get("id") or "",
                event_created=created,
                outcome="processing",
            )
            record.outcome = _outcome(event["type"], obj, record)
            record.save(update_fields=["outcome"])
    except IntegrityError:
        logger.info("Stripe webhook %s (%s) already processed", event["id"], event["type"])
        return "duplicate"
    logger.info("Stripe webhook %s (%s): %s", event["id"], event["type"], record.outcome)
    return record.outcome


def _outcome(event_type: str, obj: dict[str, Any], record: ProcessedWebhookEvent) -> str:
    handler = HANDLERS.get(event_type)
    if handler is None:
        return "ignored"
    if record.object_id:
        with connection.cursor() as cursor:  # one event per object at a time, until commit
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"stripe:{record.object_id}"])
        newer = ProcessedWebhookEvent.objects.filter(
            provider=Provider.STRIPE,
            object_id=record.object_id,
            outcome="processed",
            event_created__gt=record.event_created,
        ).exclude(pk=record.pk)
        if newer.exists():
            return "stale"
    return handler(obj, record.event_created or timezone.now())


# --- invoices ------------------------------------------------------------------------------------


def _invoice_for(obj: dict[str, Any]) -> Invoice | None:
    match = Q(provider_invoice_id=obj["id"])
    if (obj.get("metadata") or {}).get("invoice_uuid"):
        match |= Q(uuid=obj["metadata"]["invoice_uuid"])
    return Invoice.objects.select_for_update(of=("self",)).select_related("tenant").filter(match).first()


def _payment_id(obj: dict[str, Any]) -> str:
    intent = obj.get("payment_intent") or obj.get("charge") or ""
    return intent if isinstance(intent, str) else intent.get("id", "")


def invoice_paid(obj: dict[str, Any], now: datetime) -> str:
    invoice = _invoice_for(obj)
    if invoice is None:
        return "ignored"
    if invoice.status == InvoiceStatus.PAID:  # invoice.paid and invoice.payment_succeeded both arrive
        return "processed"
    currency = (obj.get("currency") or invoice.currency).upper()
    amount = from_minor_units(obj.get("amount_paid") or 0, currency) or invoice.amount_due
    payment = Payment(
        tenant=invoice.tenant,
        invoice=invoice,
        amount=amount,
        currency=currency,
        status=PaymentStatus.SUCCEEDED,
        attempt=invoice.payment_attempts + 1,
        provider=Provider.STRIPE,
        provider_payment_id=_payment_id(obj),
        idempotency_key=f"stripe:{obj['id']}:paid",
    )
    payment.full_clean(validate_constraints=False)
    payment.save()
    _invoice_link(invoice, obj)
    invoices.invoice_mark_paid(invoice=invoice, payment=payment, now=now)
    dunning.subscription_settle(invoice=invoice, now=now)
    return "processed"


def invoice_payment_failed(obj: dict[str, Any], now: datetime) -> str:
    invoice = _invoice_for(obj)
    if invoice is None:
        return "ignored"
    if invoice.status != InvoiceStatus.OPEN:
        return "processed"
    attempt = invoice.payment_attempts + 1
    error = (obj.get("last_finalization_error") or {}) if isinstance(obj.get("last_finalization_error"), dict) else {}
    payment = Payment(
        tenant=invoice.tenant,
        invoice=invoice,
        amount=from_minor_units(obj.get("amount_due") or 0, invoice.currency) or invoice.amount_due,
        currency=invoice.currency,
        status=PaymentStatus.FAILED,
        attempt=attempt,
        provider=Provider.STRIPE,
        failure_code=error.get("code") or "payment_failed",
        failure_reason=(error.get("message") or "Stripe could not collect the payment.")[:255],
        idempotency_key=f"stripe:{obj['id']}:failed:{obj.get('attempt_count') or attempt}",
    )
    payment.full_clean(validate_constraints=False)
    payment.save()
    invoice.payment_attempts = attempt
    # Stripe retries its own invoices; no next attempt means this was the last one (dunning suspends).
    invoice.next_payment_attempt_at = _timestamp(obj.get("next_payment_attempt"))
    invoice.save(update_fields=["payment_attempts", "next_payment_attempt_at", "updated_at"])
    _invoice_link(invoice, obj)
    dunning.payment_failed(invoice=invoice, payment=payment, now=now)
    return "processed"


def _invoice_link(invoice: Invoice, obj: dict[str, Any]) -> None:
    if not invoice.provider_invoice_id:
        Invoice.objects.filter(pk=invoice.pk).update(provider_invoice_id=obj["id"])


# --- subscriptions -------------------------------------------------------------------------------


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _period(obj: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    # API versions from 2025-03-31 carry the period on the items only.
    items = (obj.get("items") or {}).get("data") or [{}]
    start = obj.get("current_period_start") or items[0].get("current_period_start")
    end = obj.get("current_period_end") or items[0].get("current_period_end")
    return _timestamp(start), _timestamp(end)


def subscription_updated(obj: dict[str, Any], now: datetime) -> str:
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("tenant")
        .filter(provider=Provider.STRIPE, provider_subscription_id=obj["id"])
        .first()
    )
    if subscription is None:
        return "ignored"
    status = SUBSCRIPTION_STATUSES.get(obj.get("status", ""), subscription.status)
    start, end = _period(obj)
    subscription.cancel_at_period_end = bool(obj.get("cancel_at_period_end"))
    subscription.current_period_start = start or subscription.current_period_start
    subscription.current_period_end = end or subscription.current_period_end
    subscription.trial_end = _timestamp(obj.get("trial_end")) or subscription.trial_end
    subscription.cancelled_at = _timestamp(obj.get("canceled_at")) or subscription.cancelled_at
    subscription.ended_at = _timestamp(obj.get("ended_at")) or subscription.ended_at
    subscription._history_user = None  # type: ignore[attr-defined]  # a provider event, no person
    subscription.full_clean(validate_constraints=False)
    subscription.save()
    services.subscription_status_set(
        subscription=subscription, status=status, reason=f"Stripe: subscription {obj['id']}"
    )
    return "processed"


def subscription_deleted(obj: dict[str, Any], now: datetime) -> str:
    return subscription_updated(
        {**obj, "status": "canceled", "ended_at": obj.get("ended_at") or int(now.timestamp())}, now
    )


# --- payment methods -----------------------------------------------------------------------------


def _tenant_for_customer(customer_id: str | None) -> Any:
    record = ProviderCustomer.objects.select_related("tenant").filter(
        provider=Provider.STRIPE, provider_customer_id=customer_id or ""
    )
    return record[0].tenant if record else None


def payment_method_attached(obj: dict[str, Any], now: datetime) -> str:
    customer = obj.get("customer")
    tenant = _tenant_for_customer(customer if isinstance(customer, str) else (customer or {}).get("id"))
    card = obj.get("card") or {}
    if tenant is None or not card.get("last4"):
        return "ignored"
    method, _created = PaymentMethod.objects.select_for_update().get_or_create(
        provider=Provider.STRIPE,
        provider_payment_method_id=obj["id"],
        defaults={"tenant": tenant, "last4": card["last4"]},
    )
    method.kind = PaymentMethod.Kind.CARD
    method.brand, method.last4 = card.get("brand") or "", card["last4"]
    method.exp_month, method.exp_year = card.get("exp_month"), card.get("exp_year")
    method.removed_at = None
    if not PaymentMethod.objects.filter(tenant=tenant, is_default=True, removed_at__isnull=True).exists():
        method.is_default = True
    method._history_user = None  # type: ignore[attr-defined]
    method.full_clean(validate_constraints=False)
    method.save()
    return "processed"


def customer_updated(obj: dict[str, Any], now: datetime) -> str:
    """The customer's default payment method (invoice_settings) becomes our default."""
    tenant = _tenant_for_customer(obj["id"])
    default = (obj.get("invoice_settings") or {}).get("default_payment_method")
    if isinstance(default, dict):
        payment_method_attached({**default, "customer": obj["id"]}, now)
        default = default["id"]
    if tenant is None or not default:
        return "ignored"
    methods = PaymentMethod.objects.select_for_update().filter(tenant=tenant, removed_at__isnull=True)
    chosen = methods.filter(provider=Provider.STRIPE, provider_payment_method_id=default).first()
    if chosen is None:
        return "ignored"
    for method in methods.filter(is_default=True).exclude(pk=chosen.pk):
        method.is_default = False
        method._history_user = None  # type: ignore[attr-defined]
        method.save(update_fields=["is_default"])
    if not chosen.is_default:
        chosen.is_default = True
        chosen._history_user = None  # type: ignore[attr-defined]
        chosen.save(update_fields=["is_default"])
    return "processed"


# --- card capture (Checkout in setup mode) --------------------------------------------------------


def _checkout_session(obj: dict[str, Any]) -> CheckoutSession | None:
    return (
        CheckoutSession.objects.select_for_update(of=("self",))
        .select_related("tenant", "created_by")
        .filter(provider=Provider.STRIPE, provider_session_id=obj["id"])
        .first()
    )


def _id(value: Any) -> str:
    return value if isinstance(value, str) else (value or {}).get("id", "")


def checkout_session_completed(obj: dict[str, Any], now: datetime) -> str:
    """The admin saved a card on Stripe's page: the SetupIntent names it; it becomes the default."""
    session = _checkout_session(obj)
    if session is None or obj.get("mode") != "setup":
        return "ignored"  # not a card capture we started (another integration on the account)
    if session.status == CheckoutStatus.COMPLETED:
        return "processed"
    intent: dict[str, Any] = stripe_sync.setup_intent_retrieve(_id(obj.get("setup_intent"))).to_dict()
    card = (intent.get("payment_method") or {}).get("card") if intent.get("status") == "succeeded" else None
    if not card:
        reason = (intent.get("last_setup_error") or {}).get("message") or "Stripe could not set up the card."
        checkout_finish(session=session, status=CheckoutStatus.FAILED, reason=f"{reason} No card was recorded.")
        return "processed"
    method = payment_method_add(
        tenant=session.tenant, brand=card.get("brand") or "", last4=card["last4"], exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"), make_default=True, acting_user=session.created_by,
        provider=Provider.STRIPE, provider_payment_method_id=_id(intent["payment_method"]),
    )  # fmt: skip
    stripe_sync.customer_default_payment_method_set(session.tenant, method.provider_payment_method_id)
    checkout_finish(session=session, status=CheckoutStatus.COMPLETED, payment_method=method)
    return "processed"


def checkout_session_expired(obj: dict[str, Any], now: datetime) -> str:
    session = _checkout_session(obj)
    if session is None:
        return "ignored"
    if session.status == CheckoutStatus.OPEN:
        checkout_finish(session=session, status=CheckoutStatus.EXPIRED, reason=CHECKOUT_EXPIRED)
    return "processed"


HANDLERS: dict[str, Callable[[dict[str, Any], datetime], str]] = {
    "invoice.paid": invoice_paid,
    "invoice.payment_succeeded": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "customer.subscription.updated": subscription_updated,
    "customer.subscription.deleted": subscription_deleted,
    "payment_method.attached": payment_method_attached,
    "customer.updated": customer_updated,
    "checkout.session.completed": checkout_session_completed,
    "checkout.session.expired": checkout_session_expired,
}

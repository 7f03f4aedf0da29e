"""Provider webhooks: one endpoint per provider (/billing/webhooks/<provider>/), verified, applied
once, in order per object; and the Stripe event handlers.

- The provider's receiver (apps.billing.providers.WebhookReceiver) checks the signature before
  anything is read: Stripe's `Stripe-Signature` with `stripe.Webhook.construct_event`, Conekta's
  `Digest` in apps.billing.providers.conekta. A bad one is refused with 400, recorded as a
  WebhookRefusal (provider, reason, sender, size and hash of the body; never the body) and nothing
  else is written.
- Each event is recorded in ProcessedWebhookEvent (provider + event id unique) in the same
  transaction as its effects, the record first: a duplicate delivery (even a concurrent one, which
  waits on the unique index) hits the constraint and is answered "duplicate" with nothing done twice.
- Providers do not deliver in order. Events are applied per object under a transaction-scoped advisory
  lock; an event older than one already applied to the same object is recorded "stale" and skipped.
- Unknown types are recorded "ignored". Stripe events are handled here, not through dj-stripe's Event
  processing, which would fetch every object again from Stripe.
- Stripe card capture: `checkout.session.completed` of a session we started (CheckoutSession)
  retrieves its SetupIntent, records the card and makes it the default; a session we do not know is
  recorded and ignored. `checkout.session.expired` closes an open session with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from apps.billing import services, stripe_sync
from apps.billing.models import (
    CheckoutSession,
    CheckoutStatus,
    Invoice,
    PaymentMethod,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
    Subscription,
    SubscriptionStatus,
    WebhookRefusal,
)
from apps.billing.money import from_minor_units
from apps.billing.portal.services import CHECKOUT_EXPIRED, checkout_finish, payment_method_add
from apps.billing.providers import (
    UnknownProvider,
    WebhookEvent,
    WebhookHandler,
    WebhookReceiver,
    WebhookRefused,
    register_webhooks,
    webhook_receiver_for,
)
from apps.billing.settlement import Settlement, invoice_for_event, invoice_settle_failed, invoice_settle_paid

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


@csrf_exempt
@require_POST
def provider_webhook(request: HttpRequest, provider: str) -> HttpResponse:
    if provider not in Provider.values:
        raise Http404("No such provider.")
    try:
        receiver = webhook_receiver_for(provider)
    except UnknownProvider as exc:
        raise Http404("This provider sends no webhooks.") from exc
    try:
        event = receiver.verify(request.body, request.headers)
    except WebhookRefused as exc:
        webhook_refusal_record(provider=provider, reason=str(exc), request=request)
        return HttpResponseBadRequest("invalid signature", content_type="text/plain")
    outcome = event_apply(event, provider=provider, handlers=receiver.handlers)
    return HttpResponse(outcome, content_type="text/plain")


def webhook_refusal_record(*, provider: str, reason: str, request: HttpRequest) -> WebhookRefusal:
    """A refused delivery, for staff to see (forgeries, a rotated secret): never its body, only its hash."""
    sender = request.META.get("REMOTE_ADDR") or None
    logger.warning("%s webhook refused: %s (from %s)", Provider(provider).label, reason, sender)
    return WebhookRefusal.objects.create(
        provider=provider, reason=reason[:255], remote_addr=sender, body_size=len(request.body),
        body_sha256=hashlib.sha256(request.body).hexdigest(),
    )  # fmt: skip


def event_apply(event: WebhookEvent, *, provider: str, handlers: Mapping[str, WebhookHandler]) -> str:
    """Apply a verified event once; returns the outcome: processed, ignored, stale or duplicate."""
    try:
        with transaction.atomic():
            record = ProcessedWebhookEvent.objects.create(
                provider=provider, event_id=event.id, event_type=event.type, object_id=event.object_id,
                event_created=event.created, outcome="processing",
            )  # fmt: skip
            record.outcome = _outcome(event, record, handlers)
            record.save(update_fields=["outcome"])
    except IntegrityError:
        logger.info("%s webhook %s (%s) already processed", provider, event.id, event.type)
        return "duplicate"
    logger.info("%s webhook %s (%s): %s", provider, event.id, event.type, record.outcome)
    return record.outcome


def _outcome(event: WebhookEvent, record: ProcessedWebhookEvent, handlers: Mapping[str, WebhookHandler]) -> str:
    handler = handlers.get(event.type)
    if handler is None:
        return "ignored"
    if record.object_id:
        with connection.cursor() as cursor:  # one event per object at a time, until commit
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{record.provider}:{record.object_id}"])
        newer = ProcessedWebhookEvent.objects.filter(
            provider=record.provider,
            object_id=record.object_id,
            outcome="processed",
            event_created__gt=record.event_created,
        ).exclude(pk=record.pk)
        if newer.exists():
            return "stale"
    return handler(event.object, record.event_created or timezone.now())


# --- Stripe: verification ------------------------------------------------------------------------


def webhook_secret() -> str:
    return getattr(settings, "BILLING_STRIPE_WEBHOOK_SECRET", "") or settings.DJSTRIPE_WEBHOOK_SECRET


def stripe_event(event: dict[str, Any]) -> WebhookEvent:
    obj = event["data"]["object"]
    return WebhookEvent(id=event["id"], type=event["type"], object_id=obj.get("id") or "",
                        created=datetime.fromtimestamp(event["created"], tz=UTC), object=obj)  # fmt: skip


def stripe_verify(body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
    secret, signature = webhook_secret(), headers.get("Stripe-Signature", "")
    try:
        if not secret:
            raise stripe.SignatureVerificationError("No webhook secret is configured.", signature)
        stripe.Webhook.construct_event(body, signature, secret)
        return stripe_event(json.loads(body))
    except (ValueError, KeyError, TypeError, stripe.SignatureVerificationError) as exc:
        raise WebhookRefused(str(exc) or "Unreadable event.") from exc


# --- invoices ------------------------------------------------------------------------------------


def _invoice_for(obj: dict[str, Any]) -> Invoice | None:
    return invoice_for_event(
        provider_invoice_id=obj["id"], invoice_uuid=(obj.get("metadata") or {}).get("invoice_uuid", "")
    )


def _payment_id(obj: dict[str, Any]) -> str:
    intent = obj.get("payment_intent") or obj.get("charge") or ""
    return intent if isinstance(intent, str) else intent.get("id", "")


def invoice_paid(obj: dict[str, Any], now: datetime) -> str:
    invoice = _invoice_for(obj)
    if invoice is None:
        return "ignored"
    currency = (obj.get("currency") or invoice.currency).upper()
    settlement = Settlement(
        provider=Provider.STRIPE, idempotency_key=f"stripe:{obj['id']}:paid", currency=currency,
        amount=from_minor_units(obj.get("amount_paid") or 0, currency) or None, provider_payment_id=_payment_id(obj),
    )  # fmt: skip
    _invoice_link(invoice, obj)
    return invoice_settle_paid(invoice=invoice, settlement=settlement, now=now)


def invoice_payment_failed(obj: dict[str, Any], now: datetime) -> str:
    invoice = _invoice_for(obj)
    if invoice is None:
        return "ignored"
    error = (obj.get("last_finalization_error") or {}) if isinstance(obj.get("last_finalization_error"), dict) else {}
    attempt = obj.get("attempt_count") or invoice.payment_attempts + 1
    settlement = Settlement(
        provider=Provider.STRIPE, idempotency_key=f"stripe:{obj['id']}:failed:{attempt}",
        amount=from_minor_units(obj.get("amount_due") or 0, invoice.currency) or None,
        failure_code=error.get("code") or "payment_failed",
        failure_reason=error.get("message") or "Stripe could not collect the payment.",
    )  # fmt: skip
    _invoice_link(invoice, obj)
    # Stripe retries its own invoices; no next attempt means this was the last one (dunning suspends).
    next_attempt = _timestamp(obj.get("next_payment_attempt"))
    return invoice_settle_failed(invoice=invoice, settlement=settlement, now=now, next_attempt_at=next_attempt)


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


HANDLERS: dict[str, WebhookHandler] = {
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

register_webhooks(Provider.STRIPE, WebhookReceiver(verify=stripe_verify, handlers=HANDLERS))

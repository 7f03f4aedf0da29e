"""Payment methods and the billing email, as a tenant admin manages them in the portal.

Only brand, last four digits and expiry of a card are ever kept — never a card number. With the
manual provider the admin types them (a simulated card; customers who pay by bank transfer need
none). With Stripe the card is entered on Stripe's hosted Checkout page (setup mode): `checkout_start`
records a CheckoutSession and returns Stripe's URL; the `checkout.session.completed` webhook records
the card (`payment_method_add` with its Stripe id) and makes it the default. A removed method keeps
its row (`removed_at`) so past payments still name it.
"""

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.billing import stripe_sync
from apps.billing.models import CheckoutSession, CheckoutStatus, PaymentMethod, Provider
from apps.billing.providers import CardRefused, TokenCards, default_provider_name, gateway_for
from apps.tenancy.models import Tenant

from .selectors import live_subscription

PAYMENT_METHOD_AUDITED = writes.Fields(
    "brand", "last4", "is_default",
    exp=lambda method: f"{method.exp_month}/{method.exp_year}", removed=lambda method: method.removed_at is not None,
)  # fmt: skip


def payment_methods_list(*, tenant: Tenant) -> list[PaymentMethod]:
    return list(PaymentMethod.objects.filter(tenant=tenant, removed_at__isnull=True))


def payment_method_get(*, tenant: Tenant, uuid: Any) -> PaymentMethod:
    """A live payment method of this tenant; the same error for "not yours" and "missing"."""
    method = PaymentMethod.objects.filter(tenant=tenant, uuid=uuid, removed_at__isnull=True).first()
    if method is None:
        raise PaymentMethod.DoesNotExist
    return method


def payment_provider_for(tenant: Tenant) -> str:
    """Who captures this tenant's cards: the provider of its live subscription, else the default."""
    subscription = live_subscription(tenant)
    return subscription.provider if subscription is not None else default_provider_name()


@transaction.atomic
def payment_method_add(
    *, tenant: Tenant, brand: str, last4: str, exp_month: int | None, exp_year: int | None,
    make_default: bool = True, acting_user: Any, provider: str = Provider.MANUAL, provider_payment_method_id: str = "",
) -> PaymentMethod:  # fmt: skip
    """Record a card. With a provider id (a card saved at the provider) the row is updated if it is
    already there (the provider's webhooks may announce a card twice), never duplicated."""
    if provider_payment_method_id:  # the lock the webhooks take for this object: one writer at a time
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{provider}:{provider_payment_method_id}"])
    # Lock the tenant's methods so two "make default" requests cannot both win.
    live = list(PaymentMethod.objects.select_for_update().filter(tenant=tenant, removed_at__isnull=True))
    make_default = make_default or not any(m.is_default for m in live)
    existing = PaymentMethod.objects.filter(provider=provider, provider_payment_method_id=provider_payment_method_id)
    method = (existing.first() if provider_payment_method_id else None) or PaymentMethod(
        tenant=tenant, provider=provider, provider_payment_method_id=provider_payment_method_id
    )
    if method.tenant_id != tenant.pk:
        raise ValidationError({"payment_method": ValidationError("This card belongs to another customer.",
                                                                 code="payment_method_foreign")})  # fmt: skip
    if make_default:
        PaymentMethod.objects.filter(pk__in=[m.pk for m in live if m.is_default and m.pk != method.pk]).update(
            is_default=False
        )
    method.kind, method.brand, method.last4 = PaymentMethod.Kind.CARD, brand, last4
    method.exp_month, method.exp_year, method.removed_at = exp_month, exp_year, None
    method.is_default = make_default or method.is_default
    method.full_clean(validate_constraints=False)  # the database enforces one default and one row per provider id
    method._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    method.save()
    audit_record(action="billing.payment_method_added", acting_user=acting_user, tenant=tenant, target=method,
                 after=writes.snapshot(method, PAYMENT_METHOD_AUDITED))  # fmt: skip
    return method


def token_cards_for(tenant: Tenant) -> TokenCards | None:
    """The tenant's gateway when its cards are tokenized in the browser by the provider (Conekta)."""
    gateway = gateway_for(payment_provider_for(tenant))
    return gateway if hasattr(gateway, "card_from_token") else None  # type: ignore[return-value]


def payment_method_add_from_token(
    *, tenant: Tenant, token: str, make_default: bool = True, acting_user: Any
) -> PaymentMethod:
    """Save a provider-tokenized card at the provider, then record it (brand, last four, expiry)."""
    gateway = token_cards_for(tenant)
    if gateway is None:
        raise ValidationError({"token": ValidationError("Cards of this organisation are not entered with a token.",
                                                        code="not_token_provider")})  # fmt: skip
    try:
        card = gateway.card_from_token(tenant=tenant, token=token)
    except CardRefused as exc:
        refused = ValidationError("The provider refused this card: %(reason)s", code="card_refused",
                                  params={"reason": str(exc)})  # fmt: skip
        raise ValidationError({"token": refused}) from exc
    return payment_method_add(
        tenant=tenant, brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
        make_default=make_default, acting_user=acting_user, provider=payment_provider_for(tenant),
        provider_payment_method_id=card.provider_payment_method_id,
    )  # fmt: skip


@transaction.atomic
def payment_method_set_default(*, method: PaymentMethod, acting_user: Any) -> PaymentMethod:
    if method.removed_at is not None:
        raise ValidationError({"payment_method": ValidationError("This payment method was removed.", code="removed")})
    PaymentMethod.objects.select_for_update().filter(tenant_id=method.tenant_id, is_default=True).exclude(
        pk=method.pk
    ).update(is_default=False)
    before = writes.snapshot(method, PAYMENT_METHOD_AUDITED)
    method.is_default = True
    method._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    method.save(update_fields=["is_default"])
    if method.provider == Provider.STRIPE and method.provider_payment_method_id:
        stripe_sync.customer_default_payment_method_set(method.tenant, method.provider_payment_method_id)
    audit_record(action="billing.payment_method_default_set", acting_user=acting_user, tenant=method.tenant,
                 target=method, before=before, after=writes.snapshot(method, PAYMENT_METHOD_AUDITED))  # fmt: skip
    return method


@transaction.atomic
def payment_method_remove(*, method: PaymentMethod, acting_user: Any) -> PaymentMethod:
    """Remove a method from use; its row and history stay (payments reference it)."""
    if method.removed_at is not None:
        raise ValidationError({"payment_method": ValidationError("Already removed.", code="removed")})
    before = writes.snapshot(method, PAYMENT_METHOD_AUDITED)
    method.removed_at = timezone.now()
    method.is_default = False
    method._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    method.save(update_fields=["removed_at", "is_default"])
    if method.provider == Provider.STRIPE and method.provider_payment_method_id:
        stripe_sync.payment_method_detach(method.provider_payment_method_id)
    audit_record(action="billing.payment_method_removed", acting_user=acting_user, tenant=method.tenant,
                 target=method, before=before, after=writes.snapshot(method, PAYMENT_METHOD_AUDITED))  # fmt: skip
    return method


@transaction.atomic
def billing_email_update(*, tenant: Tenant, billing_email: str, acting_user: Any) -> Tenant:
    before = {"billing_email": tenant.billing_email}
    tenant.billing_email = billing_email
    tenant.full_clean(validate_unique=False, validate_constraints=False)
    tenant._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    tenant.save(update_fields=["billing_email", "updated_at"])
    audit_record(action="billing.billing_email_updated", acting_user=acting_user, tenant=tenant, target=tenant,
                 before=before, after={"billing_email": billing_email})  # fmt: skip
    return tenant


# --- card capture through the provider's hosted page (Stripe Checkout, setup mode) ------------------

CHECKOUT_CANCELLED = "You cancelled the checkout: no card was saved."
CHECKOUT_EXPIRED = "The checkout expired before a card was saved: no card was recorded."


@transaction.atomic
def checkout_start(
    *, tenant: Tenant, acting_user: Any, checkout_id: uuid.UUID, success_url: str, cancel_url: str
) -> tuple[CheckoutSession, str]:
    """A hosted card-capture session for the tenant; returns it and the URL to send the admin to.
    Stripe refusing (or unreachable) rolls the record back: nothing is left half-started."""
    if payment_provider_for(tenant) != Provider.STRIPE:
        raise ValidationError("Cards of this organisation are not captured through Stripe.", code="not_stripe")
    session = CheckoutSession(uuid=checkout_id, tenant=tenant, provider=Provider.STRIPE,
                              created_by=writes.history_user(acting_user))  # fmt: skip
    session.full_clean()
    session.save()
    remote = stripe_sync.checkout_session_create(session, success_url=success_url, cancel_url=cancel_url)
    session.provider_session_id = remote.id
    session.save(update_fields=["provider_session_id"])
    audit_record(action="billing.card_checkout_started", acting_user=acting_user, tenant=tenant, target=session,
                 after={"provider_session_id": remote.id})  # fmt: skip
    return session, str(remote.url)


def checkout_get(*, tenant: Tenant, checkout_id: Any) -> CheckoutSession:
    """One of this tenant's checkout sessions; the same 404 for "not yours" and "missing"."""
    session = CheckoutSession.objects.select_related("payment_method").filter(tenant=tenant, uuid=checkout_id).first()
    if session is None:
        raise Http404("No such checkout.")
    return session


@transaction.atomic
def checkout_cancel(*, session: CheckoutSession, acting_user: Any) -> CheckoutSession:
    """The admin came back through cancel_url: the session is closed at Stripe and here, no card."""
    locked = CheckoutSession.objects.select_for_update().get(pk=session.pk)
    if locked.status != CheckoutStatus.OPEN:
        return locked
    checkout_finish(session=locked, status=CheckoutStatus.CANCELLED, reason=CHECKOUT_CANCELLED)
    if locked.provider_session_id:
        stripe_sync.checkout_session_expire(locked.provider_session_id)
    audit_record(action="billing.card_checkout_cancelled", acting_user=acting_user, tenant=locked.tenant,
                 target=locked, after={"provider_session_id": locked.provider_session_id})  # fmt: skip
    return locked


def checkout_finish(
    *, session: CheckoutSession, status: str, reason: str = "", payment_method: PaymentMethod | None = None
) -> CheckoutSession:
    """Close a locked session: completed with its card, or cancelled/expired/failed with the reason."""
    session.status, session.failure_reason, session.payment_method = status, reason[:255], payment_method
    session.finished_at = timezone.now()
    session.full_clean(validate_constraints=False)
    session.save(update_fields=["status", "failure_reason", "payment_method", "finished_at"])
    return session

"""Subscription writes: create, preview and apply changes (plan, cycle, seats), cancel, resume.

Every write locks the subscription row, validates before writing (ValidationError with a field and
a code), keeps history and an audit event in the tenant's chain, and keeps Tenant.plan (through
apps.tenancy.lifecycle.tenant_plan_change) and Tenant.plan_status in step with the subscription.
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Membership
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish
from apps.tenancy.lifecycle import tenant_plan_change
from apps.tenancy.models import Plan, PlanStatus, Tenant

from .coupons import coupon_redeem
from .invoices import invoice_issue_for_change
from .models import (
    LIVE_STATUSES,
    MAX_SEATS,
    ChangeKind,
    ChangeStatus,
    Invoice,
    InvoiceStatus,
    Provider,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)
from .money import period_end_for
from .payloads import subscription_changed_payload, subscription_payload
from .proration import ChangePreview, PreviewLine, change_preview_build
from .providers import UnknownProvider, gateway_for
from .tax import tax_rule_for_country

__all__ = ["ChangePreview", "PreviewLine", "change_apply", "change_preview", "scheduled_changes_apply",
           "subscription_cancel", "subscription_create", "subscription_provider_set", "subscription_resume",
           "subscription_status_set"]  # fmt: skip

PLAN_STATUS_FOR = {
    SubscriptionStatus.TRIALING: PlanStatus.TRIAL,
    SubscriptionStatus.ACTIVE: PlanStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE: PlanStatus.PAST_DUE,
    SubscriptionStatus.SUSPENDED: PlanStatus.SUSPENDED,
    SubscriptionStatus.CANCELLED: PlanStatus.CANCELLED,
    SubscriptionStatus.ENDED: PlanStatus.CANCELLED,
}
SUBSCRIPTION_AUDITED = writes.Fields(
    "billing_cycle",
    "quantity",
    "status",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    plan="plan.name",
)


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _tenant_sync(sub: Subscription, acting_user: Any) -> None:
    """Tenant.plan and plan_status mirror the subscription."""
    if sub.tenant.plan_id != sub.plan_id:
        tenant_plan_change(tenant=sub.tenant, plan=sub.plan, acting_user=acting_user)
    plan_status = PLAN_STATUS_FOR[SubscriptionStatus(sub.status)]
    tenant = Tenant.objects.select_for_update(of=("self",)).get(pk=sub.tenant_id)
    if tenant.plan_status != plan_status:
        tenant.plan_status = plan_status
        tenant._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
        tenant.save(update_fields=["plan_status", "updated_at"])
    sub.tenant.refresh_from_db()


def _plan_check(plan: Plan, *, currency: str) -> None:
    if not plan.is_active:
        raise _error("plan", f"The {plan} plan is no longer offered.", "plan_inactive")
    if plan.currency != currency:
        raise _error("plan", f"The {plan} plan is priced in {plan.currency}; this subscription is billed in "
                     f"{currency}.", "currency_mismatch")  # fmt: skip


def _quantity_check(tenant: Tenant, quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise _error("quantity", "Give the number of seats as a whole number.", "quantity_invalid")
    if quantity < 1:
        raise _error("quantity", "A subscription needs at least one seat.", "quantity_invalid")
    if quantity > MAX_SEATS:
        raise _error("quantity", f"A subscription has at most {MAX_SEATS} seats; contact us for more.",
                     "quantity_too_large")  # fmt: skip
    members = Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE).count()
    if quantity < members:
        raise _error("quantity", f"{tenant.name} has {members} active members; choose at least {members} seats.",
                     "quantity_below_members")  # fmt: skip


@transaction.atomic
def subscription_create(
    *, tenant: Tenant, plan: Plan, billing_cycle: str = "monthly", quantity: int = 1, coupon_code: str | None = None,
    acting_user: Any, now: datetime | None = None, provider: str = "manual",
) -> Subscription:  # fmt: skip
    """Start a subscription: trialing until plan.trial_days have passed, else active; period now → +cycle."""
    now = now or timezone.now()
    _plan_check(plan, currency=plan.currency)
    _quantity_check(tenant, quantity)
    if Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES).exists():
        raise _error(NON_FIELD_ERRORS, f"{tenant.name} already has a live subscription.", "subscription_exists")
    trialing = plan.trial_days > 0
    sub = Subscription(
        tenant=tenant, plan=plan, billing_cycle=billing_cycle, quantity=quantity, currency=plan.currency,
        status=SubscriptionStatus.TRIALING if trialing else SubscriptionStatus.ACTIVE,
        trial_end=now + timedelta(days=plan.trial_days) if trialing else None,
        current_period_start=now, current_period_end=period_end_for(now, billing_cycle), provider=provider,
    )  # fmt: skip
    writes.save(sub, acting_user=acting_user)
    SubscriptionChange.objects.create(subscription=sub, kind=ChangeKind.CREATED, to_plan=plan, to_cycle=billing_cycle,
                                      to_quantity=quantity, to_status=sub.status, effective_at=now, applied_at=now,
                                      currency=sub.currency, acting_user=writes.history_user(acting_user))  # fmt: skip
    audit_record(action="billing.subscription_created", acting_user=acting_user, tenant=tenant, target=sub,
                 after=writes.snapshot(sub, SUBSCRIPTION_AUDITED))  # fmt: skip
    _tenant_sync(sub, acting_user)
    if coupon_code:
        coupon_redeem(subscription=sub, code=coupon_code, acting_user=acting_user, now=now)
    # After commit: the Stripe path pushes the new subscription, webhooks and the timeline hear of it.
    publish("subscription.created", subscription_payload(sub), tenant=tenant)
    return sub


def _targets(
    sub: Subscription, plan: Plan | None, billing_cycle: str | None, quantity: int | None
) -> tuple[Plan, str, int]:
    plan, cycle, quantity = (
        plan or sub.plan,
        billing_cycle or sub.billing_cycle,
        sub.quantity if quantity is None else quantity,
    )
    if cycle not in Subscription.Cycle.values:
        raise _error("billing_cycle", f"Unknown billing cycle {cycle!r}.", "cycle_invalid")
    if sub.status not in (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
        raise _error(NON_FIELD_ERRORS, f"This subscription is {sub.get_status_display().lower()}; it cannot be "
                     "changed.", "subscription_not_changeable")  # fmt: skip
    if (plan.pk, cycle, quantity) == (sub.plan_id, sub.billing_cycle, sub.quantity):
        raise _error(NON_FIELD_ERRORS, "This is the subscription as it is now.", "no_change")
    if plan.pk != sub.plan_id:
        _plan_check(plan, currency=sub.currency)
    elif plan.currency != sub.currency:
        raise _error("plan", "The plan's currency differs from the subscription's.", "currency_mismatch")
    _quantity_check(sub.tenant, quantity)
    return plan, cycle, quantity


def change_preview(
    *, subscription: Subscription, plan: Plan | None = None, billing_cycle: str | None = None,
    quantity: int | None = None, now: datetime | None = None,
) -> ChangePreview:  # fmt: skip
    """What a change would cost now and from the next renewal, and when it would take effect. Writes nothing."""
    now = now or timezone.now()
    plan, cycle, quantity = _targets(subscription, plan, billing_cycle, quantity)
    return change_preview_build(subscription=subscription, plan=plan, cycle=cycle, quantity=quantity, now=now,
                                tax=tax_rule_for_country(subscription.tenant.country))  # fmt: skip


def _kind(sub: Subscription, plan: Plan, cycle: str) -> str:
    if plan.pk != sub.plan_id:
        return ChangeKind.PLAN
    return ChangeKind.CYCLE if cycle != sub.billing_cycle else ChangeKind.QUANTITY


@transaction.atomic
def change_apply(
    *, subscription: Subscription, plan: Plan | None = None, billing_cycle: str | None = None,
    quantity: int | None = None, acting_user: Any, now: datetime | None = None,
) -> SubscriptionChange:  # fmt: skip
    """Apply a change now (with its proration invoice when it charges) or schedule it for the renewal."""
    now = now or timezone.now()
    sub = writes.locked(subscription, "plan", "tenant")
    preview = change_preview(subscription=sub, plan=plan, billing_cycle=billing_cycle, quantity=quantity, now=now)
    assert preview.plan is not None
    # A newer change replaces one that was waiting for the renewal.
    sub.changes.filter(status=ChangeStatus.SCHEDULED).update(status=ChangeStatus.CANCELLED)
    change = SubscriptionChange.objects.create(
        subscription=sub, kind=_kind(sub, preview.plan, preview.billing_cycle),
        status=ChangeStatus.APPLIED if preview.immediate else ChangeStatus.SCHEDULED,
        from_plan=sub.plan, to_plan=preview.plan, from_cycle=sub.billing_cycle, to_cycle=preview.billing_cycle,
        from_quantity=sub.quantity, to_quantity=preview.quantity, effective_at=preview.effective_at,
        applied_at=now if preview.immediate else None, proration_amount=preview.subtotal, currency=sub.currency,
        acting_user=writes.history_user(acting_user), reason=f"{preview.direction}, {preview.rule}",
    )  # fmt: skip
    before = writes.snapshot(sub, SUBSCRIPTION_AUDITED)
    if preview.immediate:
        _change_to(sub, change, acting_user, period=(preview.period_start, preview.period_end))
        if preview.total > 0:
            change.invoice = invoice_issue_for_change(
                subscription=sub, change_id=change.pk, lines=preview.lines, now=now
            )
            change.save(update_fields=["invoice"])
    if preview.immediate:
        publish("subscription.changed", subscription_changed_payload(sub, change), tenant=sub.tenant)  # after commit
    action = "billing.subscription_changed" if preview.immediate else "billing.subscription_change_scheduled"
    audit_record(action=action, acting_user=acting_user, tenant=sub.tenant, target=sub, before=before,
                 after=writes.snapshot(sub, SUBSCRIPTION_AUDITED) | {
                     "change": change.pk, "direction": preview.direction, "rule": preview.rule,
                     "effective_at": change.effective_at, "total": preview.total})  # fmt: skip
    subscription.refresh_from_db()
    return change


def _change_to(sub: Subscription, change: SubscriptionChange, acting_user: Any, period: tuple[Any, Any]) -> None:
    assert change.to_plan is not None and change.to_quantity is not None
    sub.plan, sub.billing_cycle, sub.quantity = change.to_plan, change.to_cycle, change.to_quantity
    if period[0] is not None:
        sub.current_period_start, sub.current_period_end = period
    writes.save(sub, acting_user=acting_user)
    _tenant_sync(sub, acting_user)


@transaction.atomic
def scheduled_changes_apply(
    subscription: Subscription, now: datetime | None = None, *, acting_user: Any = None
) -> list[SubscriptionChange]:
    """Apply the changes due at the renewal (call it before issuing the new period's invoice)."""
    now = now or timezone.now()
    sub = writes.locked(subscription, "plan", "tenant")
    due = list(sub.changes.filter(status=ChangeStatus.SCHEDULED, effective_at__lte=now).select_related("to_plan"))
    for change in due:
        before = writes.snapshot(sub, SUBSCRIPTION_AUDITED)
        _change_to(sub, change, acting_user, period=(None, None))
        change.status, change.applied_at = ChangeStatus.APPLIED, now
        change.save(update_fields=["status", "applied_at"])
        audit_record(action="billing.subscription_changed", acting_user=acting_user, tenant=sub.tenant, target=sub,
                     before=before, after=writes.snapshot(sub, SUBSCRIPTION_AUDITED)
                     | {"change": change.pk, "scheduled": True})  # fmt: skip
        publish("subscription.changed", subscription_changed_payload(sub, change), tenant=sub.tenant)
    subscription.refresh_from_db()
    return due


def _status_change(sub: Subscription, *, kind: str, from_status: str, acting_user: Any, reason: str = "") -> None:
    SubscriptionChange.objects.create(subscription=sub, kind=kind, from_status=from_status, to_status=sub.status,
                                      effective_at=timezone.now(), applied_at=timezone.now(), currency=sub.currency,
                                      acting_user=writes.history_user(acting_user), reason=reason[:255])  # fmt: skip


@transaction.atomic
def subscription_cancel(
    *, subscription: Subscription, at_period_end: bool = True, acting_user: Any, reason: str = ""
) -> Subscription:
    """Cancel at the end of the paid period (default; the billing run ends it) or at once."""
    sub = writes.locked(subscription, "plan", "tenant")
    if sub.status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED):
        raise _error(NON_FIELD_ERRORS, "This subscription is already cancelled.", "already_cancelled")
    before, from_status = writes.snapshot(sub, SUBSCRIPTION_AUDITED), sub.status
    sub.cancelled_at = timezone.now()
    if at_period_end:
        sub.cancel_at_period_end = True
    else:
        sub.status, sub.ended_at, sub.cancel_at_period_end = SubscriptionStatus.CANCELLED, sub.cancelled_at, False
    sub.changes.filter(status=ChangeStatus.SCHEDULED).update(status=ChangeStatus.CANCELLED)
    writes.save(sub, acting_user=acting_user)
    _status_change(sub, kind=ChangeKind.CANCEL, from_status=from_status, acting_user=acting_user, reason=reason)
    _tenant_sync(sub, acting_user)
    audit_record(action="billing.subscription_cancelled", acting_user=acting_user, tenant=sub.tenant, target=sub,
                 before=before, after=writes.snapshot(sub, SUBSCRIPTION_AUDITED)
                 | {"at_period_end": at_period_end, "reason": reason})  # fmt: skip
    publish("subscription.cancelled", subscription_payload(sub), tenant=sub.tenant)  # after commit (Stripe push)
    subscription.refresh_from_db()
    return sub


@transaction.atomic
def subscription_resume(*, subscription: Subscription, acting_user: Any) -> Subscription:
    """Undo a cancellation at period end while the period has not ended."""
    sub = writes.locked(subscription, "plan", "tenant")
    if not sub.cancel_at_period_end or sub.status not in LIVE_STATUSES:
        raise _error(NON_FIELD_ERRORS, "Only a subscription cancelled at period end can be resumed.", "not_resumable")
    before = writes.snapshot(sub, SUBSCRIPTION_AUDITED)
    sub.cancel_at_period_end, sub.cancelled_at = False, None
    writes.save(sub, acting_user=acting_user)
    _status_change(sub, kind=ChangeKind.RESUME, from_status=sub.status, acting_user=acting_user)
    audit_record(action="billing.subscription_resumed", acting_user=acting_user, tenant=sub.tenant, target=sub,
                 before=before, after=writes.snapshot(sub, SUBSCRIPTION_AUDITED))  # fmt: skip
    publish("subscription.resumed", subscription_payload(sub), tenant=sub.tenant)  # after commit (Stripe push)
    subscription.refresh_from_db()
    return sub


@transaction.atomic
def subscription_status_set(
    *, subscription: Subscription, status: str, acting_user: Any = None, reason: str = ""
) -> Subscription:
    """Move the subscription to `status` (billing run, dunning, webhooks) and mirror it on the tenant."""
    sub = writes.locked(subscription, "plan", "tenant")
    if sub.status == status:
        return sub
    before, from_status = writes.snapshot(sub, SUBSCRIPTION_AUDITED), sub.status
    sub.status = status
    if status == SubscriptionStatus.ENDED:
        sub.ended_at = sub.ended_at or timezone.now()
    writes.save(sub, acting_user=acting_user)
    _status_change(sub, kind=ChangeKind.STATUS, from_status=from_status, acting_user=acting_user, reason=reason)
    _tenant_sync(sub, acting_user)
    audit_record(action="billing.subscription_status_changed", acting_user=acting_user, tenant=sub.tenant,
                 target=sub, before=before,
                 after=writes.snapshot(sub, SUBSCRIPTION_AUDITED) | {"reason": reason})  # fmt: skip
    subscription.refresh_from_db()
    return sub


@transaction.atomic
def subscription_provider_set(*, subscription: Subscription, provider: str, acting_user: Any) -> Subscription:
    """Staff choose who charges this tenant: its next invoices, and its open ones not already issued at a
    provider, are charged through `provider`'s gateway. A subscription the provider bills itself (a
    Stripe subscription) is refused: it would go on billing there."""
    sub = writes.locked(subscription, "plan", "tenant")
    try:
        if provider not in Provider.values:
            raise UnknownProvider(provider)
        gateway_for(provider)
    except UnknownProvider:
        raise _error("provider", f"There is no payment provider {provider!r}.", "provider_unknown") from None
    if sub.provider == provider:
        return sub
    if sub.provider_subscription_id:
        raise _error("provider", f"This subscription is billed at {sub.get_provider_display()} "
                     f"({sub.provider_subscription_id}); cancel it there first.", "provider_managed")  # fmt: skip
    before = {"provider": sub.provider}
    sub.provider = provider
    writes.save(sub, acting_user=acting_user)
    moved = Invoice.objects.filter(subscription=sub, status=InvoiceStatus.OPEN, provider_invoice_id="").update(
        provider=provider
    )
    audit_record(action="billing.subscription_provider_changed", acting_user=acting_user, tenant=sub.tenant,
                 target=sub, before=before, after={"provider": provider, "open_invoices_moved": moved})  # fmt: skip
    subscription.refresh_from_db()
    return sub

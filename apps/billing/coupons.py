"""Coupons: redeemed on a subscription, applied as a negative `discount` line on its period invoices.

once → the next period invoice; repeating N → the next N; forever → every one while it is active.
A percent coupon takes its percentage of the plan line's price, rounded once; a fixed one its amount
(in its own currency, which must be the subscription's), never more than the line.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record

from .models import Coupon, CouponDuration, CouponRedemption, DiscountType, Subscription
from .money import money_round, money_zero


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"code": ValidationError(message, code=code)})


def coupon_check(*, coupon: Coupon, subscription: Subscription, now: datetime) -> None:
    """Raise a ValidationError (field "code") when the coupon cannot be redeemed on the subscription."""
    if not coupon.is_active:
        raise _refuse(f"The coupon {coupon.code} is no longer available.", "coupon_inactive")
    if coupon.expires_at is not None and coupon.expires_at <= now:
        raise _refuse(f"The coupon {coupon.code} expired on {coupon.expires_at:%d %b %Y}.", "coupon_expired")
    if coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions:
        raise _refuse(f"The coupon {coupon.code} has been used as many times as it allows.", "coupon_exhausted")
    plan_ids = {plan.pk for plan in coupon.plans.all()}
    if plan_ids and subscription.plan_id not in plan_ids:
        raise _refuse(
            f"The coupon {coupon.code} does not apply to the {subscription.plan} plan.", "coupon_not_for_plan"
        )
    if coupon.discount_type == DiscountType.FIXED and coupon.currency != subscription.currency:
        raise _refuse(
            f"The coupon {coupon.code} is in {coupon.currency}; this subscription is billed in "
            f"{subscription.currency}.",
            "currency_mismatch",
        )
    if subscription.coupon_redemptions.filter(is_active=True).exists():
        raise _refuse("This subscription already has a coupon; it must end first.", "coupon_already_applied")


def _periods(coupon: Coupon) -> int | None:
    if coupon.duration == CouponDuration.ONCE:
        return 1
    return coupon.duration_periods if coupon.duration == CouponDuration.REPEATING else None


@transaction.atomic
def coupon_redeem(
    *, subscription: Subscription, code: str, acting_user: Any, now: datetime | None = None
) -> CouponRedemption:
    now = now or timezone.now()
    # The coupon row lock serialises redemptions, so max_redemptions cannot be overshot.
    coupon = Coupon.objects.select_for_update().filter(code__iexact=(code or "").strip()).first()
    if coupon is None:
        raise _refuse(f"There is no coupon {code!r}.", "coupon_unknown")
    coupon_check(coupon=coupon, subscription=subscription, now=now)
    redemption = CouponRedemption(
        coupon=coupon, tenant_id=subscription.tenant_id, subscription=subscription, periods_remaining=_periods(coupon),
        acting_user=acting_user if getattr(acting_user, "pk", None) else None,
    )  # fmt: skip
    redemption.full_clean()
    redemption.save()
    coupon.times_redeemed += 1
    coupon.save(update_fields=["times_redeemed"])
    audit_record(action="billing.coupon_redeemed", acting_user=acting_user, tenant=subscription.tenant,
                 target=redemption, after={"coupon": coupon.code, "subscription": subscription.pk,
                                           "periods": redemption.periods_remaining})  # fmt: skip
    return redemption


def coupon_redemption_active(subscription: Subscription) -> CouponRedemption | None:
    return subscription.coupon_redemptions.filter(is_active=True).select_related("coupon").first()


def coupon_discount(coupon: Coupon, base: Decimal, currency: str) -> Decimal:
    """The discount (positive) on a price `base` in `currency`: percent rounded once to the currency's
    precision, fixed capped at the base."""
    if base <= 0:
        return money_zero(currency)
    if coupon.discount_type == DiscountType.PERCENT:
        return money_round(base * (coupon.percent_off or 0) / 100, currency)
    return min(money_round(coupon.amount_off or 0, currency), money_round(base, currency))


def coupon_redemption_consume(redemption: CouponRedemption) -> None:
    """One period used: a once or repeating redemption ends when it has none left."""
    if redemption.periods_remaining is None:
        return
    redemption.periods_remaining -= 1
    redemption.is_active = redemption.periods_remaining > 0
    redemption.save(update_fields=["periods_remaining", "is_active"])


# --- Coupons (edited by staff in the admin) -------------------------------------------------------


def coupon_create(*, acting_user: Any, **fields: Any) -> Coupon:
    """A new coupon (its plans, a many-to-many, are set by the caller once it exists)."""
    return writes.create(Coupon, action="billing.coupon_created", acting_user=acting_user, tenant=None, **fields)


def coupon_update(*, coupon: Coupon, acting_user: Any, **changes: Any) -> Coupon:
    return writes.update(coupon, lock=True, changes=changes, action="billing.coupon_updated", acting_user=acting_user,
                         tenant=None)  # fmt: skip

"""Payment methods and the billing email, as a tenant admin manages them in the portal.

Cards are recorded with the built-in manual gateway (brand, last four digits and expiry only — never a
card number). A removed method keeps its row (`removed_at`) so past payments still name it.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.audit.services import audit_record
from apps.billing.models import PaymentMethod, Provider
from apps.tenancy.models import Tenant

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


@transaction.atomic
def payment_method_add(
    *, tenant: Tenant, brand: str, last4: str, exp_month: int, exp_year: int, make_default: bool = True,
    acting_user: Any,
) -> PaymentMethod:  # fmt: skip
    # Lock the tenant's methods so two "make default" requests cannot both win.
    live = list(PaymentMethod.objects.select_for_update().filter(tenant=tenant, removed_at__isnull=True))
    make_default = make_default or not any(m.is_default for m in live)
    if make_default:
        PaymentMethod.objects.filter(pk__in=[m.pk for m in live if m.is_default]).update(is_default=False)
    method = PaymentMethod(tenant=tenant, provider=Provider.MANUAL, kind=PaymentMethod.Kind.CARD, brand=brand,
                           last4=last4, exp_month=exp_month, exp_year=exp_year, is_default=make_default)  # fmt: skip
    method.full_clean()
    method._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    method.save()
    audit_record(action="billing.payment_method_added", acting_user=acting_user, tenant=tenant, target=method,
                 after=writes.snapshot(method, PAYMENT_METHOD_AUDITED))  # fmt: skip
    return method


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

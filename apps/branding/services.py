"""Writes on branding (run in the tenant's schema). Who may call them is checked by the views."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit import writes
from apps.audit.services import audit_record
from apps.organisation.models import Entity
from apps.tenancy.context import connection_tenant

from .images import image_summary
from .models import BRANDING_FIELDS, GATED_FIELDS, Branding
from .selectors import plan_allows_private_label

PLAN_REFUSAL = "Your plan does not include private label; product name, logo, favicon and colours cannot be set."


BRANDING_AUDITED = writes.Fields(
    *BRANDING_FIELDS, scope="scope_label",
    logo=lambda branding: image_summary(branding.logo), favicon=lambda branding: image_summary(branding.favicon),
)  # fmt: skip


def _scope_check(*, entity: Entity | None, user_type: str) -> None:
    if entity is not None and user_type:
        raise ValidationError(
            {"user_type": ValidationError("Choose an entity or a user type, not both.", code="two_scopes")}
        )


def _plan_check(*, branding: Branding, fields: dict[str, Any], tenant: Any) -> None:
    """Setting a gated field needs the plan flag; clearing it or keeping the stored value does not."""
    if plan_allows_private_label(tenant):
        return
    errors = {
        name: ValidationError(PLAN_REFUSAL, code="plan_feature")
        for name in GATED_FIELDS
        if fields.get(name) and fields[name] != getattr(branding, name)
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def branding_set(*, entity: Entity | None = None, user_type: str = "", acting_user: Any, **fields: Any) -> Branding:
    """Create or change the branding of one scope: the organisation default (no entity, no user type),
    an entity, or a user type. Only the fields given change; "" makes a field inherit again."""
    unknown = set(fields) - set(BRANDING_FIELDS)
    if unknown:
        raise ValueError(f"branding_set cannot change {sorted(unknown)}.")
    _scope_check(entity=entity, user_type=user_type)
    tenant = connection_tenant()
    scope = Branding.objects.select_for_update().filter(entity=entity, user_type=user_type if entity is None else "")
    branding = scope.first() or Branding(entity=entity, user_type=user_type)
    before = writes.snapshot(branding, BRANDING_AUDITED) if branding.pk else None
    _plan_check(branding=branding, fields=fields, tenant=tenant)
    for name, value in fields.items():
        setattr(branding, name, value.strip() if isinstance(value, str) else value)
    for name in ("primary_color", "accent_color", "text_color"):
        setattr(branding, name, getattr(branding, name).lower())
    branding.updated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    writes.save(branding, acting_user=acting_user)
    audit_record(
        action="branding.branding_set", acting_user=acting_user, tenant=tenant, target=branding,
        before=before, after=writes.snapshot(branding, BRANDING_AUDITED),
    )  # fmt: skip
    return branding


@transaction.atomic
def branding_clear(*, branding: Branding, acting_user: Any) -> None:
    """Remove one scope's branding: its people see what the next scope up says."""
    branding = writes.locked(branding)
    before = writes.snapshot(branding, BRANDING_AUDITED)
    target_id = branding.pk
    branding._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    branding.delete()
    audit_record(
        action="branding.branding_cleared", acting_user=acting_user, tenant=connection_tenant(),
        target_type="branding.branding", target_id=str(target_id), before=before,
    )  # fmt: skip

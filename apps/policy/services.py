"""Writes on security policies (run in the tenant's schema): set or clear an entity's overrides,
and deploy the tenant default on the root."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit import writes
from apps.audit.services import audit_record
from apps.organisation.models import Entity
from apps.organisation.selectors import entity_root
from apps.security.otp_models import OtpChannel
from apps.tenancy.context import connection_tenant

from .defaults import POLICY_FIELDS, PRODUCT_DEFAULTS
from .models import IP_ALLOWLIST_MAX_ENTRIES, LoginMethod, SecurityPolicy, network_normalise
from .selectors import policy_cache_invalidate, policy_effective_for_user

LOCKOUT_MESSAGE = (
    "Your current address %(address)s would not be allowed by this change, so you would be signed out "
    "and could not sign in again. Add it (or its network) first."
)


def _networks_clean(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split()
    networks, errors = [], []
    for item in value:
        try:
            networks.append(network_normalise(item))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError({"ip_allowlist": errors})
    networks = list(dict.fromkeys(networks))
    if len(networks) > IP_ALLOWLIST_MAX_ENTRIES:
        raise ValidationError(
            {"ip_allowlist": ValidationError(f"At most {IP_ALLOWLIST_MAX_ENTRIES} entries.", code="too_many")}
        )
    return networks


def _methods_clean(value: Any) -> list[str]:
    unknown = [method for method in value if method not in LoginMethod.values]
    if unknown:
        message = f"Unknown sign-in method: {', '.join(map(str, unknown))}. Known: {', '.join(LoginMethod.values)}."
        raise ValidationError({"allowed_login_methods": ValidationError(message, code="invalid_choice")})
    if not value:
        message = "Allow at least one sign-in method, or inherit the setting."
        raise ValidationError({"allowed_login_methods": ValidationError(message, code="empty")})
    return [method for method in LoginMethod.values if method in value]  # stored in a stable order


def _second_factors_clean(value: Any) -> list[str]:
    unknown = [channel for channel in value if channel not in OtpChannel.values]
    if unknown:
        message = f"Unknown second factor: {', '.join(map(str, unknown))}. Known: {', '.join(OtpChannel.values)}."
        raise ValidationError({"allowed_second_factors": ValidationError(message, code="invalid_choice")})
    return [channel for channel in OtpChannel.values if channel in value]


def _fields_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"policy_set cannot change {sorted(unknown)}.")
    cleaned = dict(fields)
    if cleaned.get("ip_allowlist") is not None:
        cleaned["ip_allowlist"] = _networks_clean(cleaned["ip_allowlist"])
    if cleaned.get("allowed_login_methods") is not None:
        cleaned["allowed_login_methods"] = _methods_clean(cleaned["allowed_login_methods"])
    if cleaned.get("allowed_second_factors") is not None:
        cleaned["allowed_second_factors"] = _second_factors_clean(cleaned["allowed_second_factors"])
    return cleaned


POLICY_AUDITED = writes.Fields(*POLICY_FIELDS, entity="entity.code")


def _lockout_check(*, acting_user: Any, acting_ip: str | None) -> None:
    """Refuse a change that would shut out the person making it from where they are."""
    if acting_ip is None or not getattr(acting_user, "pk", None):
        return
    if not policy_effective_for_user(acting_user, use_cache=False).ip_allowed(acting_ip):
        raise ValidationError(
            {"ip_allowlist": ValidationError(LOCKOUT_MESSAGE, code="would_lock_out", params={"address": acting_ip})}
        )


@transaction.atomic
def policy_set(*, entity: Entity, acting_user: Any, acting_ip: str | None = None, **fields: Any) -> SecurityPolicy:
    """Set some of the entity's settings; a value of None makes that setting inherit again.

    `ip_allowlist` entries are normalised ("10.1.2.3/8" -> "10.0.0.0/8"); an invalid one refuses the
    whole change with an error naming it. With `acting_ip`, a change that would refuse the acting
    user's own address is refused too.
    """
    cleaned = _fields_clean(fields)
    policy = SecurityPolicy.objects.select_for_update().select_related("entity").filter(entity=entity).first()
    before = writes.snapshot(policy, POLICY_AUDITED) if policy is not None else None
    policy = policy or SecurityPolicy(entity=entity)
    for field, value in cleaned.items():
        setattr(policy, field, value)
    policy.updated_by = acting_user if getattr(acting_user, "pk", None) else None
    policy.full_clean(validate_constraints=False)  # the fields' validators say the same, on the field
    policy._history_user = writes.history_user(acting_user)  # type: ignore[attr-defined]
    policy.save()
    after = writes.snapshot(policy, POLICY_AUDITED)
    if before != after:
        audit_record(
            action="policy.security_policy_changed", acting_user=acting_user, tenant=connection_tenant(),
            target=policy, before=before, after=after,
        )  # fmt: skip
    policy_cache_invalidate()
    _lockout_check(acting_user=acting_user, acting_ip=acting_ip)
    return policy


def policy_clear_field(*, entity: Entity, field: str, acting_user: Any) -> SecurityPolicy | None:
    """Make one setting of the entity inherit again (nothing is written if the entity has no policy)."""
    if field not in POLICY_FIELDS:
        raise ValueError(f"{field!r} is not a security policy setting.")
    if not SecurityPolicy.objects.filter(entity=entity).exists():
        return None
    return policy_set(entity=entity, acting_user=acting_user, **{field: None})


@transaction.atomic
def default_policy_ensure(*, acting_user: Any = None) -> SecurityPolicy | None:
    """The tenant default: a policy on the root entity holding the product defaults (idempotent: an
    existing root policy is left as it is). None when the organisation has no root entity yet."""
    root = entity_root()
    if root is None:
        return None
    existing = SecurityPolicy.objects.filter(entity=root).first()
    if existing is not None:
        return existing
    return policy_set(entity=root, acting_user=acting_user, **PRODUCT_DEFAULTS)

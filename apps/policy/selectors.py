"""Effective security policies: per entity (inherited down the hierarchy) and per person (strictest wins).

- An entity's effective value of a setting is the nearest value set on the entity or above it
  (one query: the policies of the ids in its path), else the product default (defaults.py).
- A person's is the combination of the effective policies of every entity they belong to (the root
  when none), the strictest winning: MFA if any requires it, the longest minimum length, the
  shortest non-zero expiry and timeouts, the login methods every entity allows, staff impersonation
  only if no entity forbids it, each non-empty IP allow-list must admit the address, and the
  lowest sign-in risk thresholds (step-up, refuse) apply.
- The tenant-wide `Tenant.mfa_required` flag (issue 3) is ORed in on top of both.

Each value carries where it comes from (the entity that set it, the product default, or the tenant flag).
A person's policy is cached per tenant for CACHE_SECONDS; every policy or membership change bumps a
per-tenant version so the next request recomputes it.
"""

import ipaddress
import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BigIntegerField, Exists, F, Func, OuterRef, Q
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import Membership
from apps.core.cache import VersionedCache
from apps.organisation.models import Entity, EntityMembership, path_ids
from apps.tenancy.context import connection_tenant

from .defaults import POLICY_FIELDS, PRODUCT_DEFAULT_LABEL, PRODUCT_DEFAULTS, TENANT_SETTING_LABEL
from .models import LoginMethod, SecurityPolicy

CACHE_SECONDS = 60


def _key(name: str) -> str:
    # With the generation of apps.core.cache: the test suite starts each test with fresh entries.
    return f"policy:{VersionedCache.generation}:{name}"


@dataclass(frozen=True)
class EffectiveValue:
    value: Any
    source_entity_id: int | None  # None: the product default or the tenant-wide setting
    source_label: str  # the entity's name, "Product default", or the tenant setting's name

    @property
    def is_product_default(self) -> bool:
        return self.source_label == PRODUCT_DEFAULT_LABEL


@dataclass(frozen=True)
class EffectivePolicy:
    mfa_required: EffectiveValue
    password_min_length: EffectiveValue
    password_expiry_days: EffectiveValue
    session_idle_timeout_minutes: EffectiveValue
    session_absolute_timeout_hours: EffectiveValue
    allowed_login_methods: EffectiveValue
    allow_staff_impersonation: EffectiveValue
    allowed_second_factors: EffectiveValue
    password_history_count: EffectiveValue
    risk_step_up_score: EffectiveValue
    risk_refuse_score: EffectiveValue
    # One allow-list per entity that applies (an entity's own policy has exactly one); an address must
    # be inside at least one network of every non-empty list.
    ip_allowlists: tuple[EffectiveValue, ...]

    def get(self, field: str) -> EffectiveValue:
        """The value of one setting; for the allow-list, the first (an entity's only) list."""
        if field == "ip_allowlist":
            return self.ip_allowlists[0]
        return getattr(self, field)  # type: ignore[no-any-return]

    def ip_allowed(self, address: str | None) -> bool:
        lists = [entry.value for entry in self.ip_allowlists if entry.value]
        if not lists:
            return True
        ip = client_ip(address)
        return ip is not None and all(any(ip in _network(cidr) for cidr in networks) for networks in lists)

    def login_method_allowed(self, method: str) -> bool:
        return method in self.allowed_login_methods.value


def client_ip(address: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # "::ffff:203.0.113.7" is the IPv4 client 203.0.113.7
    return ip


@lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


# --- One entity --------------------------------------------------------------------------------


def _policy_rows(condition: Q) -> dict[int, dict[str, Any]]:
    rows = SecurityPolicy.objects.filter(condition).values("entity_id", "entity__name", *POLICY_FIELDS)
    return {row["entity_id"]: row for row in rows}


def _default(field: str) -> EffectiveValue:
    value = PRODUCT_DEFAULTS[field]
    return EffectiveValue(list(value) if isinstance(value, list) else value, None, PRODUCT_DEFAULT_LABEL)


def _resolve(chain_ids: list[int], rows: dict[int, dict[str, Any]]) -> EffectivePolicy:
    """Each field from the nearest entity of the chain (root first) that sets it."""
    values: dict[str, EffectiveValue] = {}
    for field in POLICY_FIELDS:
        found = next((rows[pk] for pk in reversed(chain_ids) if pk in rows and rows[pk][field] is not None), None)
        values[field] = (
            EffectiveValue(found[field], found["entity_id"], found["entity__name"]) if found else _default(field)
        )
    ip_allowlist = values.pop("ip_allowlist")
    return EffectivePolicy(**values, ip_allowlists=(ip_allowlist,))


def _with_tenant_flag(policy: EffectivePolicy, tenant: Any) -> EffectivePolicy:
    if tenant is None or not getattr(tenant, "mfa_required", False) or policy.mfa_required.value:
        return policy
    return replace(policy, mfa_required=EffectiveValue(True, None, TENANT_SETTING_LABEL))


def policy_effective_for_entity(entity: Entity, *, tenant: Any = None) -> EffectivePolicy:
    """The entity's effective policy (one query), each value with its source."""
    chain_ids = path_ids(entity.path)
    policy = _resolve(chain_ids, _policy_rows(Q(entity_id__in=chain_ids)))
    return _with_tenant_flag(policy, tenant if tenant is not None else connection_tenant())


# --- One person --------------------------------------------------------------------------------


def _strictest(values: list[EffectiveValue], *, smallest: bool, ignore_zero: bool = False) -> EffectiveValue:
    candidates = [v for v in values if v.value] if ignore_zero else values
    if not candidates:
        return values[0]
    return (min if smallest else max)(candidates, key=lambda v: v.value)


def _methods_intersection(values: list[EffectiveValue]) -> EffectiveValue:
    allowed = [method for method in LoginMethod.values if all(method in v.value for v in values)]
    restricting = [v for v in values if set(v.value) != set(LoginMethod.values)]
    if not restricting:
        return replace(values[0], value=allowed)
    labels = list(dict.fromkeys(v.source_label for v in restricting))
    return EffectiveValue(allowed, restricting[0].source_entity_id, ", ".join(labels))


def _distinct(values: Any) -> tuple[EffectiveValue, ...]:
    seen: dict[tuple[Any, ...], EffectiveValue] = {}
    for value in values:
        seen.setdefault((value.source_entity_id, value.source_label, tuple(value.value)), value)
    return tuple(seen.values())


def policy_combine(policies: list[EffectivePolicy]) -> EffectivePolicy:
    """Several entities' effective policies as one: the strictest value of each setting wins."""
    if len(policies) == 1:
        return policies[0]
    mfa = next((p.mfa_required for p in policies if p.mfa_required.value), policies[0].mfa_required)
    return EffectivePolicy(
        mfa_required=mfa,
        password_min_length=_strictest([p.password_min_length for p in policies], smallest=False),
        password_expiry_days=_strictest([p.password_expiry_days for p in policies], smallest=True, ignore_zero=True),
        session_idle_timeout_minutes=_strictest([p.session_idle_timeout_minutes for p in policies], smallest=True),
        session_absolute_timeout_hours=_strictest([p.session_absolute_timeout_hours for p in policies], smallest=True),
        allowed_login_methods=_methods_intersection([p.allowed_login_methods for p in policies]),
        # Any entity of the person that forbids it forbids it.
        allow_staff_impersonation=next(
            (p.allow_staff_impersonation for p in policies if not p.allow_staff_impersonation.value),
            policies[0].allow_staff_impersonation,
        ),
        ip_allowlists=_distinct(chain.from_iterable(p.ip_allowlists for p in policies)),
        allowed_second_factors=_factors_intersection([p.allowed_second_factors for p in policies]),
        password_history_count=_strictest([p.password_history_count for p in policies], smallest=False),
        risk_step_up_score=_strictest([p.risk_step_up_score for p in policies], smallest=True),
        risk_refuse_score=_strictest([p.risk_refuse_score for p in policies], smallest=True),
    )


def _factors_intersection(values: list[EffectiveValue]) -> EffectiveValue:
    """A code channel only where every entity of the person allows it (the first that restricts names it)."""
    allowed = [channel for channel in values[0].value if all(channel in v.value for v in values)]
    narrowest = min(values, key=lambda v: len(v.value))
    return replace(narrowest, value=allowed)


class _PathIds(Func):
    """The ids in a materialised path, one row each: "/1/5/9/" -> 1, 5, 9 (a set-returning function)."""

    template = "unnest(string_to_array(trim(both '/' from %(expressions)s), '/'))::bigint"
    output_field = BigIntegerField()


def _user_policy_rows(user: Any) -> list[dict[str, Any]]:
    """One query: the root and every entity at or above one of the user's entities, each with its
    policy's settings (empty when it has none) and whether the user is a member of it."""
    memberships = EntityMembership.objects.filter(profile__user_id=user.pk)
    above = memberships.annotate(entity_ids=_PathIds(F("entity__path"))).values("entity_ids")
    member = memberships.filter(entity_id=OuterRef("pk"))
    return list(
        Entity.objects.filter(Q(pk__in=above) | Q(parent__isnull=True))
        .annotate(is_member=Exists(member))
        .order_by("path")
        .values("pk", "path", "name", "is_member", *(f"security_policy__{field}" for field in POLICY_FIELDS))
    )


def _user_policy_compute(user: Any) -> EffectivePolicy:
    entities = _user_policy_rows(user)
    rows = {
        entity["pk"]: {
            "entity_id": entity["pk"], "entity__name": entity["name"],
            **{field: entity[f"security_policy__{field}"] for field in POLICY_FIELDS},
        }
        for entity in entities
    }  # fmt: skip
    chains = [path_ids(entity["path"]) for entity in entities if entity["is_member"]]
    if not chains:  # in no entity: the root's policy
        chains = [[entity["pk"] for entity in entities if len(path_ids(entity["path"])) == 1]]
    return policy_combine([_resolve(chain_ids, rows) for chain_ids in chains])


def _uniform_policy_compute() -> EffectivePolicy | None:
    """Everyone's policy when the tenant has one root entity and no entity below it sets a policy (the
    usual case), so a person's entities make no difference; None otherwise. One query."""
    entities = list(
        Entity.objects.filter(Q(parent__isnull=True) | Q(security_policy__isnull=False))
        .order_by(F("parent_id").asc(nulls_first=True), "path")
        .values("pk", "name", "parent_id", "security_policy__id", *(f"security_policy__{f}" for f in POLICY_FIELDS))[:2]
    )
    if len(entities) > 1 or any(entity["parent_id"] is not None for entity in entities):
        return None
    rows = {
        entity["pk"]: {
            "entity_id": entity["pk"], "entity__name": entity["name"],
            **{field: entity[f"security_policy__{field}"] for field in POLICY_FIELDS},
        }
        for entity in entities
        if entity["security_policy__id"] is not None
    }  # fmt: skip
    return _resolve([entity["pk"] for entity in entities], rows)


def _user_key(user: Any) -> str:
    return _key(f"user:{user.pk}")


def policy_effective_for_user(user: Any, *, tenant: Any = None, use_cache: bool = True) -> EffectivePolicy:
    """The person's effective policy in the current tenant schema (cached: no query on a hit). Where no
    entity below the root sets a policy, the tenant-wide answer serves everyone: a person's first
    request (a shift starting, thousands clocking in) asks no query of their own."""
    if not use_cache:
        policy = _user_policy_compute(user)
    else:
        key = _user_key(user)
        version_key, uniform_key = _key("version"), _key("uniform")
        found = cache.get_many([version_key, key, uniform_key])
        version, entry, uniform = found.get(version_key), found.get(key), found.get(uniform_key)
        if entry is not None and entry[0] == version:
            policy = entry[1]
        else:
            if uniform is None or uniform[0] != version:
                uniform = (version, _uniform_policy_compute())
                cache.set(uniform_key, uniform, CACHE_SECONDS)
            if uniform[1] is not None:
                policy = uniform[1]
            else:
                policy = _user_policy_compute(user)
                cache.set(key, (version, policy), CACHE_SECONDS)
    return _with_tenant_flag(policy, tenant if tenant is not None else connection_tenant())


def policy_cache_invalidate() -> None:
    """Every cached person's policy of the current tenant is recomputed on its next use: now, and
    again once the transaction commits (a request between the two could have cached the old one)."""
    schema = getattr(connection, "schema_name", "")
    _version_bump(schema)
    transaction.on_commit(lambda: _version_bump(schema))


def _version_bump(schema: str) -> None:
    with schema_context(schema):
        cache.set(_key("version"), uuid.uuid4().hex, None)


def policy_mfa_required_anywhere(user: Any) -> bool:
    """Whether any tenant the user is an active member of requires MFA of them (flag or entity policy)."""
    memberships = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).select_related("tenant")
    tenants = [membership.tenant for membership in memberships]
    if any(tenant.mfa_required for tenant in tenants):
        return True
    return any(_mfa_required_in(user, tenant) for tenant in tenants)


def _mfa_required_in(user: Any, tenant: Any) -> bool:
    if getattr(connection, "schema_name", "") == tenant.schema_name:
        return bool(policy_effective_for_user(user, tenant=tenant).mfa_required.value)
    with tenant_context(tenant):
        return bool(policy_effective_for_user(user, tenant=tenant).mfa_required.value)


def policy_for_entity_get(entity: Entity) -> SecurityPolicy | None:
    """The entity's own policy row (its overrides), if it has one."""
    return SecurityPolicy.objects.filter(entity=entity).first()

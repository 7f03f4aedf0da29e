"""Which branding a person sees: `branding_for(tenant=..., user=...)`.

Each field is taken from the first place that sets it: the user's type (membership role), then the
entities from the user's primary entity up to the root (nearest first), then the organisation
default, then the product defaults. Product name, logo, favicon and colours count only when the
tenant's plan has the `private_label` flag.

The tenant's branding rows (without image bytes) and its plan flag are cached per tenant and
dropped whenever a row is saved or deleted (apps.branding.receivers). A warm lookup costs no query
when the tenant has no entity overrides, and one (the user's primary entity) when it has.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.models import MembershipRole
from apps.accounts.selectors import active_membership_for
from apps.organisation.models import EntityMembership, path_ids
from apps.tenancy.models import Plan

from .models import BRANDING_FIELDS, GATED_FIELDS, Branding

CACHE_SECONDS = 300
HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
PRODUCT_COLOURS = {"primary_color": "#111827", "accent_color": "#2563eb", "text_color": "#ffffff"}
PRODUCT_DEFAULT = "product default"
ORGANISATION_DEFAULT = "organisation default"


@dataclass(frozen=True)
class ResolvedBranding:
    """Every branding value a page or email needs, and where each came from (`sources[field]`)."""

    product_name: str
    logo_url: str
    favicon_url: str
    primary_color: str
    accent_color: str
    text_color: str
    support_email: str
    email_sender_name: str
    private_label: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def is_branded(self) -> bool:
        return any(source != PRODUCT_DEFAULT for source in self.sources.values())

    def source_of(self, name: str) -> str:
        return self.sources.get(name, PRODUCT_DEFAULT)


def product_defaults() -> dict[str, str]:
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or settings.PRODUCT_NAME
    return {
        "product_name": settings.PRODUCT_NAME, "logo": "", "favicon": "", **PRODUCT_COLOURS,
        "support_email": getattr(settings, "SUPPORT_EMAIL", ""), "email_sender_name": sender,
    }  # fmt: skip


def plan_allows_private_label(tenant: Any) -> bool:
    if tenant is None or tenant.plan_id is None:
        return False

    features = Plan.objects.filter(pk=tenant.plan_id).values_list("features", flat=True).first() or {}
    return bool((features.get("flags") or {}).get("private_label"))


# --- The per-tenant cache -----------------------------------------------------------------------


def _cache_key() -> str:
    # The database name keeps test runs and deployments that share one Redis apart; django-tenants'
    # key function adds the schema.
    return f"branding:v1:{connection.settings_dict['NAME']}"


@contextmanager
def _in_schema(tenant: Any) -> Iterator[None]:
    same = getattr(connection, "schema_name", None) == tenant.schema_name
    with nullcontext() if same else schema_context(tenant.schema_name):
        yield


def _asset_url(row_id: int, kind: str, version: float) -> str:
    # The tenant domain's URLs, also when an email for the tenant is sent from a platform request.
    path = reverse("branding:asset", kwargs={"pk": row_id, "kind": kind}, urlconf=settings.ROOT_URLCONF)
    return f"{path}?v={int(version)}"


def _rows() -> list[dict[str, Any]]:
    """The tenant's rows as cached: images replaced by their asset URLs (one query)."""
    text_fields = [name for name in BRANDING_FIELDS if name not in ("logo", "favicon")]
    rows = []
    queryset = Branding.objects.values("id", "entity_id", "entity__name", "user_type", "updated_at", *text_fields)
    for row in queryset.annotate(has_logo=~Q(logo=""), has_favicon=~Q(favicon="")):
        version = row.pop("updated_at").timestamp()
        row["logo"] = _asset_url(row["id"], "logo", version) if row.pop("has_logo") else ""
        row["favicon"] = _asset_url(row["id"], "favicon", version) if row.pop("has_favicon") else ""
        rows.append(row)
    return rows


def tenant_branding_data(tenant: Any) -> dict[str, Any]:
    """{"plan_id", "private_label", "rows"} for the tenant (call inside its schema)."""
    key = _cache_key()
    data = cache.get(key)
    if data is None or data.get("plan_id") != tenant.plan_id:
        data = {"plan_id": tenant.plan_id, "private_label": plan_allows_private_label(tenant), "rows": _rows()}
        cache.set(key, data, CACHE_SECONDS)
    return data


def branding_cache_clear() -> None:
    """Forget the cached branding of the connection's tenant schema."""
    cache.delete(_cache_key())


# --- Resolution ---------------------------------------------------------------------------------


Layer = tuple[str, dict[str, Any]]


def resolve(layers: list[Layer], *, private_label: bool) -> ResolvedBranding:
    """Merge (source label, values) layers, first non-empty value wins, over the product defaults."""
    values, sources = product_defaults(), {}
    for name in BRANDING_FIELDS:
        for label, row in layers:
            value = row.get(name) or ""
            if not value or (name in GATED_FIELDS and not private_label):
                continue
            if name in PRODUCT_COLOURS and not HEX_COLOUR.match(value):
                continue  # never trust a colour into a <style> block, even one the database holds
            values[name], sources[name] = value, label
            break
        sources.setdefault(name, PRODUCT_DEFAULT)
    return ResolvedBranding(
        product_name=values["product_name"], logo_url=values["logo"], favicon_url=values["favicon"],
        primary_color=values["primary_color"], accent_color=values["accent_color"],
        text_color=values["text_color"], support_email=values["support_email"],
        email_sender_name=values["email_sender_name"], private_label=private_label, sources=sources,
    )  # fmt: skip


def user_type_label(user_type: str) -> str:
    return f"user type “{MembershipRole(user_type).label}”"


def entity_label(name: str) -> str:
    return f"entity “{name}”"


def layers_for(
    rows: list[dict[str, Any]], *, user_type: str | None, entity_ids: list[int], skip: Any = None
) -> list[Layer]:
    """The layers that apply, in order. `entity_ids` nearest first; `skip` is a row id left out."""
    rows = [row for row in rows if row["id"] != skip]
    layers: list[Layer] = []
    if user_type:
        layers += [(user_type_label(user_type), row) for row in rows if row["user_type"] == user_type]
    by_entity = {row["entity_id"]: row for row in rows if row["entity_id"] is not None}
    layers += [(entity_label(by_entity[pk]["entity__name"]), by_entity[pk]) for pk in entity_ids if pk in by_entity]
    layers += [(ORGANISATION_DEFAULT, row) for row in rows if row["entity_id"] is None and not row["user_type"]]
    return layers


def _user_type(rows: list[dict[str, Any]], *, tenant: Any, user: Any, membership: Any) -> str | None:
    if user is None or not any(row["user_type"] for row in rows):
        return None
    if membership is None:
        membership = active_membership_for(user=user, tenant=tenant)
    return membership.role if membership is not None and membership.is_active else None


def primary_entity_ids(user: Any) -> list[int]:
    """The user's primary entity and its ancestors, nearest first (one query)."""
    path = (
        EntityMembership.objects.filter(profile__user_id=user.pk, is_primary=True)
        .values_list("entity__path", flat=True)
        .first()
    )
    return list(reversed(path_ids(path))) if path else []


def _person(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False) or getattr(user, "is_service_principal", False):
        return None
    return user


def branding_for(*, tenant: Any, user: Any = None, membership: Any = None) -> ResolvedBranding:
    """The branding `user` sees in `tenant` (no user: the organisation's own, e.g. for its emails).

    `membership` may be passed when the caller already has the user's membership (saves a query).
    """
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return resolve([], private_label=False)
    user = _person(user)
    with _in_schema(tenant):
        data = tenant_branding_data(tenant)
        rows = data["rows"]
        user_type = _user_type(rows, tenant=tenant, user=user, membership=membership)
        has_entity_rows = any(row["entity_id"] is not None for row in rows)
        entity_ids = primary_entity_ids(user) if user is not None and has_entity_rows else []
        return resolve(
            layers_for(rows, user_type=user_type, entity_ids=entity_ids), private_label=data["private_label"]
        )


def branding_for_request(request: Any) -> ResolvedBranding:
    return branding_for(
        tenant=getattr(request, "tenant", None),
        user=getattr(request, "user", None),
        membership=getattr(request, "membership", None),
    )


def branding_get(*, entity: Any = None, user_type: str = "") -> Branding | None:
    """The stored row of one scope (call inside the tenant's schema)."""
    if entity is not None:
        return Branding.objects.filter(entity=entity).first()
    return Branding.objects.filter(entity__isnull=True, user_type=user_type).first()


def branding_overrides() -> Any:
    """Every override (not the organisation default), entity ones with their entity."""
    return (
        Branding.objects.exclude(entity__isnull=True, user_type="")
        .select_related("entity", "updated_by")
        .defer("logo", "favicon")
        .order_by("user_type", "entity__path")
    )


def branding_preview(
    *, tenant: Any, entity: Any = None, user_type: str = "", values: dict[str, Any]
) -> ResolvedBranding:
    """What people of one scope would see if `values` (unsaved) were saved there. Writes nothing."""
    with _in_schema(tenant):
        data = tenant_branding_data(tenant)
    rows = data["rows"]
    stored = next((row for row in rows if row["entity_id"] == getattr(entity, "pk", None)
                   and row["user_type"] == user_type), None)  # fmt: skip
    unsaved = {**(stored or {}), **values}
    if entity is not None:
        label, ancestor_ids = entity_label(entity.name), list(reversed(entity.ancestor_ids))
    else:
        label, ancestor_ids = (user_type_label(user_type) if user_type else ORGANISATION_DEFAULT), []
    inherited = layers_for(rows, user_type=None, entity_ids=ancestor_ids, skip=stored["id"] if stored else None)
    return resolve([(label, unsaved), *inherited], private_label=data["private_label"])


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def contrast_warnings(branding: ResolvedBranding) -> list[str]:
    """Readability hints for a preview (WCAG AA asks for 4.5:1 for normal text)."""
    checks = [
        ("The header text", branding.text_color, "the header colour", branding.primary_color),
        ("White button text", "#ffffff", "the accent colour", branding.accent_color),
    ]
    warnings = []
    for what, fore, where, back in checks:
        ratio = contrast_ratio(fore, back)
        if ratio < 4.5:
            warnings.append(
                f"{what} has a contrast of {ratio:.1f}:1 on {where}; 4.5:1 or more reads well for everyone."
            )
    return warnings

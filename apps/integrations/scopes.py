"""What an integrator API key may do: resource families by read/write, as "family:action" strings.

Views declare what they need with a `resource_family` attribute (GET/HEAD/OPTIONS need
"<family>:read", other methods "<family>:write") or an explicit `required_scopes` (a list, or a
dict of method → list). A view that declares neither, or needs a scope no key can hold, refuses
API keys altogether.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

# Moved to apps.surfaces (tenant views read it); re-exported for this module's callers.
from apps.surfaces.scopes import view_required_scopes as view_required_scopes

# family → (label, actions a key may be granted). Adding a family here needs a migration (the
# database constraint on ApiKey.scopes lists every valid scope).
SCOPE_FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "tenant": ("Organisation details", ("read",)),
    "members": ("Members", ("read", "write")),
    "invitations": ("Invitations", ("read", "write")),
    # Keys may list keys; only a tenant admin (a person) may create or revoke them.
    "api_keys": ("API keys", ("read",)),
    # Which endpoints a key may call; which objects it then sees is decided by the role
    # assignments given to the key (apps.access): a key with no assignment sees no entity or person.
    "organisation": ("Entities and people", ("read", "write")),
    "access": ("Roles and assignments", ("read", "write")),
    "solutions": ("Solution access", ("read", "write")),
    # The tenant's outbound webhook endpoints (create, rotate, test) and their delivery log (replay).
    "webhooks": ("Webhook endpoints and deliveries", ("read", "write")),
}
ALL_SCOPES: tuple[str, ...] = tuple(
    f"{family}:{action}" for family, (_, actions) in SCOPE_FAMILIES.items() for action in actions
)


def scope_choices() -> list[tuple[str, str]]:
    return [
        (f"{family}:{action}", f"{label}: {action}")
        for family, (label, actions) in SCOPE_FAMILIES.items()
        for action in actions
    ]


def scopes_validate(scopes: Iterable[str]) -> None:
    scopes = list(scopes)
    if not scopes:
        raise ValidationError("Choose at least one scope.", code="scopes_required")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise ValidationError(
            "Unknown scope: %(unknown)s. Valid scopes: %(valid)s.",
            code="invalid_scope",
            params={"unknown": ", ".join(unknown), "valid": ", ".join(ALL_SCOPES)},
        )


def scopes_normalise(scopes: Iterable[str]) -> list[str]:
    """Scopes in registry order without duplicates, so equal grants compare and display equal."""
    chosen = set(scopes)
    return [scope for scope in ALL_SCOPES if scope in chosen] + sorted(chosen - set(ALL_SCOPES))

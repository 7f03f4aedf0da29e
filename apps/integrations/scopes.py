"""What an integrator API key may do: resource families by read/write, as "family:action" strings.

Views declare what they need with a `resource_family` attribute (GET/HEAD/OPTIONS need
"<family>:read", other methods "<family>:write") or an explicit `required_scopes` (a list, or a
dict of method → list). A view that declares neither, or needs a scope no key can hold, refuses
API keys altogether.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from apps.core.contributions import ScopeFamily, contributions

# Moved to apps.surfaces (tenant views read it); re-exported for this module's callers.
from apps.surfaces.scopes import view_required_scopes as view_required_scopes

# What the database accepts (a format, not a list: a new family needs no migration of this app);
# which scopes exist is the registry's business, checked by scopes_validate.
SCOPE_PATTERN = r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$"


def scope_families() -> dict[str, tuple[str, tuple[str, ...]]]:
    """family → (label, actions a key may be granted), as the apps declare them (`ScopeFamily`)."""
    families: dict[str, tuple[str, tuple[str, ...]]] = {}
    for declared in contributions(ScopeFamily):
        families.setdefault(declared.family, (declared.label, tuple(declared.actions)))
    return families


def all_scopes() -> tuple[str, ...]:
    return tuple(f"{family}:{action}" for family, (_, actions) in scope_families().items() for action in actions)


def __getattr__(name: str) -> Any:
    # SCOPE_FAMILIES / ALL_SCOPES as before, read from the registry when asked for.
    if name == "SCOPE_FAMILIES":
        return scope_families()
    if name == "ALL_SCOPES":
        return all_scopes()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def scope_choices() -> list[tuple[str, str]]:
    return [
        (f"{family}:{action}", f"{label}: {action}")
        for family, (label, actions) in scope_families().items()
        for action in actions
    ]


def scopes_validate(scopes: Iterable[str]) -> None:
    scopes = list(scopes)
    if not scopes:
        raise ValidationError("Choose at least one scope.", code="scopes_required")
    valid = all_scopes()
    unknown = sorted(set(scopes) - set(valid))
    if unknown:
        raise ValidationError(
            "Unknown scope: %(unknown)s. Valid scopes: %(valid)s.",
            code="invalid_scope",
            params={"unknown": ", ".join(unknown), "valid": ", ".join(valid)},
        )


def scopes_normalise(scopes: Iterable[str]) -> list[str]:
    """Scopes in registry order without duplicates, so equal grants compare and display equal."""
    chosen, valid = set(scopes), all_scopes()
    return [scope for scope in valid if scope in chosen] + sorted(chosen - set(valid))

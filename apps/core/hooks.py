"""Named hooks: how a lower layer asks a higher one for something without importing it.

A hook is a contribution: the lower app asks by name and documents the signature where it asks; the
higher app that answers declares a `Hook` in its own `contributions.py` (apps/core/contributions.py):

    # apps/tenancy/usage.py (kernel) asks:
    count = hooks.one("usage.emails_sent_by_tenant", default=lambda tenant_ids, day: {})
    # apps/emails/contributions.py (platform service) answers:
    contribute(Hook("usage.emails_sent_by_tenant", "apps.emails.selectors.emails_sent_by_tenant"))

- `one(name)`: the one implementation (the last by order wins; `default` when none), for answers
  such as "how many emails did each tenant send".
- `all(name)`: every implementation in order, for checks that several apps add (e.g. "may this
  person sign in", each returning a refusal or None).

Read hooks when they are used (in a function), never at import: the registry discovers every app's
contributions on the first read, which cannot happen while the apps are still loading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .contributions import REGISTRY, Hook, contributions, resolve


def _implementations(name: str) -> list[Callable[..., Any]]:
    found: list[Callable[..., Any]] = []
    for declared in contributions(Hook):
        if declared.name == name:
            implementation = resolve(declared.implementation)
            if implementation not in found:
                found.append(implementation)
    return found


def all(name: str) -> list[Callable[..., Any]]:
    """Every implementation of `name` in order (each callable once); remembered until the
    contributions change, since security and tokens ask on every sign-in and bearer request."""
    return list(REGISTRY.memo(("hook", name), lambda: _implementations(name)))


def one(name: str, default: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """The implementation of `name` (the last by order), or `default`; LookupError without either."""
    found = all(name)
    if found:
        return found[-1]
    if default is None:
        raise LookupError(f"No app declares an implementation of the hook {name!r} (Hook in its contributions.py).")
    return default

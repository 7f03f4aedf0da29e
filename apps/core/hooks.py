"""Named hooks: how a lower layer asks a higher one for something without importing it.

A lower app names the hook and says what it expects; a higher app registers the implementation
from its `AppConfig.ready()` (or a module it imports). Registration is explicit and per name:

    # apps/tenancy/usage.py (kernel) asks:
    count = hooks.one("usage.emails_sent_by_tenant", default=lambda tenant_ids, day: {})
    # apps/emails/apps.py (platform service) answers:
    hooks.register("usage.emails_sent_by_tenant", emails_sent_by_tenant)

- `one(name)`: the one implementation (the last registered wins; `default` when none), for
  answers such as "how many emails did each tenant send".
- `all(name)`: every implementation in registration order, for checks that several apps add
  (e.g. "may this person sign in", each returning a refusal or None).

Core imports no other app; the hook names and their signatures are documented where they are
asked (grep the name). This is a stop-gap the lead may fold into apps/core/contributions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_hooks: dict[str, list[Callable[..., Any]]] = {}


def register(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add an implementation of `name` (registering the same function twice keeps one)."""
    registered = _hooks.setdefault(name, [])
    if fn not in registered:
        registered.append(fn)
    return fn


def implements(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of `register`."""
    return lambda fn: register(name, fn)


def unregister(name: str, fn: Callable[..., Any]) -> None:
    if fn in _hooks.get(name, []):
        _hooks[name].remove(fn)


def all(name: str) -> list[Callable[..., Any]]:
    return list(_hooks.get(name, []))


def one(name: str, default: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """The implementation of `name` (the last registered), or `default`; LookupError without either."""
    registered = _hooks.get(name)
    if registered:
        return registered[-1]
    if default is None:
        raise LookupError(f"No implementation of the hook {name!r} is registered.")
    return default

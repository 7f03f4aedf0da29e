"""Domain events: a service publishes what happened, subscribers react after the write commits.

    from apps.core.events import publish, publish_many, subscribe

    publish("ticket.created", ticket_payload(ticket), tenant=ticket.tenant)
    publish_many("invoice.issued", [(invoice.tenant, invoice_payload(invoice)) for invoice in invoices])

    @subscribe("invoice.*")
    def invoice_seen(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None: ...

- Delivery happens after the surrounding transaction commits (`transaction.on_commit`): a
  rolled-back write delivers nothing. Outside a transaction the subscribers run at once.
- A batch stays a batch: `publish_many` registers ONE on-commit hook, and each subscriber gets the
  whole list of `(tenant, payload)` pairs in one call, so it can write set-based (the billing run
  publishes thousands of invoices at once). `publish` is a batch of one.
- Patterns are shell-style (`fnmatch`): "invoice.*", "*", or an exact name.
- A subscriber that raises is logged and does not stop the others (nor the caller: its write has
  already committed).
- Subscribers register at import time, from their app's `AppConfig.ready()` (or a module it imports),
  so every process (web, worker, beat, shell) has the same list. Core imports no other app: apps
  publish to and subscribe through this module, never to each other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Items = list[tuple[Any, dict[str, Any]]]
Subscriber = Callable[[str, Items], None]

_subscribers: list[tuple[str, Subscriber]] = []


def subscribe(pattern: str, subscriber: Subscriber | None = None) -> Any:
    """Register `subscriber(event, items)` for events matching `pattern`; usable as a decorator.

    Registering the same function for the same pattern twice keeps one registration."""

    def register(fn: Subscriber) -> Subscriber:
        if (pattern, fn) not in _subscribers:
            _subscribers.append((pattern, fn))
        return fn

    return register(subscriber) if subscriber is not None else register


def unsubscribe(pattern: str, subscriber: Subscriber) -> None:
    """Remove one registration (tests)."""
    if (pattern, subscriber) in _subscribers:
        _subscribers.remove((pattern, subscriber))


def subscribers(event: str) -> list[Subscriber]:
    """The subscribers an event reaches, in registration order."""
    return [fn for pattern, fn in _subscribers if fnmatchcase(event, pattern)]


def publish(event: str, payload: dict[str, Any], *, tenant: Any = None) -> None:
    """Publish one event (tenant=None: a platform event). Delivered after the transaction commits."""
    publish_many(event, [(tenant, payload)])


def publish_many(event: str, items: Iterable[tuple[Any, dict[str, Any]]]) -> None:
    """Publish many events of one name as one batch: one on-commit hook, one call per subscriber."""
    batch = list(items)
    if not batch:
        return
    transaction.on_commit(lambda: deliver(event, batch))


def deliver(event: str, items: Items) -> None:
    """Hand a committed batch to every matching subscriber; one that fails is logged and skipped."""
    for fn in subscribers(event):
        try:
            fn(event, items)
        except Exception:
            logger.exception(
                "Subscriber %s.%s failed on %s (%s items).",
                getattr(fn, "__module__", "?"),
                getattr(fn, "__qualname__", repr(fn)),
                event,
                len(items),
            )

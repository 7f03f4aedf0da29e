"""The categories and notices the apps declare (apps/core/contributions.py), looked up by key."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from apps.core.contributions import (
    NOTIFICATION_CHANNELS,
    Notice,
    NotificationCategory,
    WebhookEventType,
    contributions,
    resolve,
)
from apps.core.contributions import REGISTRY as _REGISTRY


def categories() -> dict[str, NotificationCategory]:
    return _REGISTRY.memo(
        ("notifications", "categories"), lambda: {c.key: c for c in contributions(NotificationCategory)}
    )


def notices_for(event: str) -> list[Notice]:
    """The notices that tell something about `event` (several apps may each tell different people)."""
    by_event: dict[str, list[Notice]] = _REGISTRY.memo(("notifications", "notices"), _notices_by_event)
    return by_event.get(event, [])


def _notices_by_event() -> dict[str, list[Notice]]:
    found: dict[str, list[Notice]] = {}
    for notice in contributions(Notice):
        found.setdefault(notice.event, []).append(notice)
    return found


def noticed_events() -> set[str]:
    return set(_REGISTRY.memo(("notifications", "notices"), _notices_by_event))


def category(key: str) -> NotificationCategory:
    """The declared category `key`; ValidationError naming the known ones otherwise."""
    found = categories().get(key)
    if found is None:
        raise ValidationError(
            f"Unknown notification category “{key}”. Known: {', '.join(sorted(categories())) or 'none'}.",
            code="unknown_category",
        )
    return found


def channel_check(channel: str) -> str:
    if channel not in NOTIFICATION_CHANNELS:
        raise ValidationError(
            f"Unknown channel “{channel}”. Known: {', '.join(NOTIFICATION_CHANNELS)}.", code="unknown_channel"
        )
    return channel


def notice(event: str) -> Notice:
    """The first notice of `event`; ValidationError when no app declares one."""
    found = notices_for(event)
    if not found:
        raise ValidationError(f"No notice is declared for the event “{event}”.", code="unknown_event")
    return found[0]


def notice_channels(item: Notice) -> tuple[str, ...]:
    """The channels a notice may use: its own narrowing of its category's default channels, or all."""
    return item.channels if item.channels is not None else NOTIFICATION_CHANNELS


def is_critical(item: Notice) -> bool:
    return item.critical if item.critical is not None else category(item.category).critical


def sample_payload(event: str) -> dict[str, Any]:
    """The payload a test publication of `event` would carry: the webhook catalogue's sample when the
    event has one, else placeholders for the names the notice's templates use."""
    for event_type in contributions(WebhookEventType):
        if event_type.name == event and event_type.sample_payload is not None:
            return dict(resolve(event_type.sample_payload)())
    return {}

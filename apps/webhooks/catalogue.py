"""The event types an endpoint may subscribe to, as the apps declare them (`WebhookEventType` in their
`contributions.py`). Emitters pass one of these names to `webhook_event_emit`.

`EVENT_TYPES` (name → description) and `EVENT_CHOICES` are still importable: they are read from the
registry when first asked for (module `__getattr__`), never while the models load.
"""

from collections.abc import Callable
from typing import Any

from apps.core.contributions import WebhookEventType, contributions, resolve

TEST_EVENT = "webhook.test"
NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"  # "ticket.created": what the database accepts


def event_types() -> dict[str, str]:
    """Every declared event type, name → description, in catalogue order."""
    return {declared.name: declared.description for declared in contributions(WebhookEventType)}


def event_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in event_types()]


def event_type_get(name: str) -> WebhookEventType | None:
    return next((declared for declared in contributions(WebhookEventType) if declared.name == name), None)


def sample_payload_builder(name: str) -> Callable[[], dict[str, Any]] | None:
    """The declared builder of a sample payload for this event type (None when it has none)."""
    declared = event_type_get(name)
    return resolve(declared.sample_payload) if declared is not None and declared.sample_payload else None


def __getattr__(name: str) -> Any:
    if name == "EVENT_TYPES":
        return event_types()
    if name == "EVENT_CHOICES":
        return event_choices()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

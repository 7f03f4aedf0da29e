"""Who did something, as the history and the foreign keys record it."""

from typing import Any


def acting_person(user: Any) -> Any:
    """The acting person for history and foreign keys: the user, or None for an API key (a service
    principal), a task or nobody."""
    return user if getattr(user, "pk", None) and not getattr(user, "is_service_principal", False) else None

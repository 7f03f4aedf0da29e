from typing import Any


def block_context(user: Any, now: Any) -> dict[str, Any] | None:
    """Superusers only (None hides the block from everyone else)."""
    return {"greeting": "Hello from the sample app"} if user.is_superuser else None

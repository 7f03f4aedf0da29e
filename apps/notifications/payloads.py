"""The payload of the `notification.sent` webhook event (one per fan-out batch)."""

from typing import Any


def sample_notification_sent() -> dict[str, Any]:
    return {"event": "invitation.created", "event_key": "0" * 64, "category": "system", "deliveries": 12,
            "title": "Sample notification"}  # fmt: skip

"""Event payloads of security's own events (published with apps.core.events; security.new_sign_in's is
built in apps/security/risk.py). None is a webhook
event type: they are told to the person concerned, through apps.notifications (see contributions.py).
Times come as ISO strings plus a `*_display` text (UTC), because a template cannot format an ISO string."""

from datetime import UTC, datetime
from typing import Any


def _when(moment: datetime) -> dict[str, str]:
    return {"at": moment.isoformat(), "at_display": f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"}


def password_changed_payload(user: Any, *, how: str, event_id: int, at: datetime) -> dict[str, Any]:
    """security.password_changed: the person's password was changed, set or reset (`how`)."""
    return {"event_id": f"security.password_changed:{event_id}", "user_id": str(user.pk), "how": how, **_when(at)}

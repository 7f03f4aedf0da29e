"""The portal home block of notifications (PortalHomeBlock in contributions.py): the person's unread."""

from typing import Any

from django.http import HttpRequest

from apps.notifications import selectors


def home_context(request: HttpRequest) -> dict[str, Any]:
    """The capped unread count (an index-only count) and the latest unread title: two cheap queries."""
    unread = selectors.unread_badge(request.user)
    latest = selectors.inbox(request.user, unread_only=True).values_list("title", flat=True).first() if unread else None
    return {"unread": unread or 0, "latest": latest, "attention": unread, "empty": not unread}

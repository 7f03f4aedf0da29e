"""The portal home block "Waiting for your approval" (every member): how many requests wait for the
person, capped so the count stays cheap however full the inbox is; hidden when nothing waits."""

from typing import Any

from django.http import HttpRequest

from apps.approvals.selectors import inbox_for

CAP = 20


def home_context(request: HttpRequest) -> dict[str, Any] | None:
    """None (no block) when nothing waits for the person: most members are rarely approvers."""
    waiting = list(inbox_for(request.user).values_list("summary", flat=True)[: CAP + 1])
    if not waiting:
        return None
    count = f"{CAP}+" if len(waiting) > CAP else str(len(waiting))
    return {"attention": count, "empty": False, "count": count, "latest": waiting[:3]}

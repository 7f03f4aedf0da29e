"""The portal home block "Waiting for your approval" (every member): how many requests wait for the
person, capped so the count stays cheap however full the inbox is."""

from typing import Any

from django.http import HttpRequest

from apps.approvals.selectors import inbox_for

CAP = 20


def home_context(request: HttpRequest) -> dict[str, Any] | None:
    waiting = list(inbox_for(request.user).values_list("summary", flat=True)[: CAP + 1])
    count = f"{CAP}+" if len(waiting) > CAP else str(len(waiting))
    return {"attention": count if waiting else "", "empty": not waiting, "count": count, "latest": waiting[:3]}

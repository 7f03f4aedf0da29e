"""The portal home block of attendance for admins and managers: "3 late, 1 outside the fence"."""

from typing import Any

from django.http import HttpRequest

from apps.attendance.access import SOLUTION, is_manager, visible_user_ids
from apps.attendance.selectors import board
from apps.solutions.access import solution_refusal


def home_context(request: HttpRequest) -> dict[str, Any] | None:
    """None for people who manage nobody (or cannot use attendance); a few queries otherwise."""
    if solution_refusal(request, SOLUTION) is not None or not is_manager(request):
        return None
    _rows, counts = board(visible=visible_user_ids(request))
    attention = counts["late"] + counts["absent"] + counts["outside_fence"]
    return {"counts": counts, "attention": attention, "empty": not any(counts.values())}

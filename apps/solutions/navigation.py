"""Menu entries for the workforce solutions the signed-in user may use (filled in by the solutions work)."""

from typing import Any

from django.http import HttpRequest


def solution_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    return []

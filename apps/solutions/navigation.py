"""Menu entries for the workforce solutions the signed-in user may use (one query, once per request)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django_tenants.utils import get_public_schema_name

from .selectors import request_solutions


def solution_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name() or not request.user.is_authenticated:
        return []
    items = []
    for solution in request_solutions(request):
        url = reverse("solutions:solution_home", args=[solution.code])
        items.append({"label": solution.name, "url": url, "current": request.path.startswith(url)})
    return items

"""`{% staff_dashboard as dashboard %}`: the staff dashboard of the admin index (apps/backoffice/staff_dashboard.py)."""

from typing import Any

from django import template

from apps.backoffice.staff_dashboard import dashboard_for

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_dashboard(context: template.Context) -> dict[str, Any] | None:
    request = context.get("request")
    return dashboard_for(request.user) if request is not None else None

"""The top bar's inbox bell (templates/portal/base.html): `{% load notifications_ui %}{% notifications_bell %}`."""

from typing import Any

from django import template

from apps.notifications.selectors import unread_badge

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notifications_bell(context: Any) -> dict[str, Any]:
    """The bell with the person's unread count, for an active member on a tenant portal page only
    (a page where the surfaces set `request.membership`); elsewhere nothing is shown, no query runs."""
    request = context.get("request")
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_active:
        return {"hidden": True}
    return {"unread_badge": unread_badge(request.user), "oob": False}

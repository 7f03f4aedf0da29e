"""Who is told about security events (the `Notice`s in contributions.py; apps.notifications calls them
as `fn(tenant, payload)`): the person concerned, always (the category is critical)."""

from typing import Any
from uuid import UUID

from django.urls import reverse

TENANT_URLCONF = "config.urls.tenant"


def the_person(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return [UUID(payload["user_id"])]


def account_url(tenant: Any, payload: dict[str, Any]) -> str:
    """The person's own account page (sessions, password) in the portal."""
    return reverse("account:index", urlconf=TENANT_URLCONF)

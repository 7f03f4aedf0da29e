"""Who is told about security events (the `Notice`s in contributions.py; apps.notifications calls them
as `fn(tenant, payload)`): the person concerned, always (the category is critical)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_url


def the_person(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    return [UUID(payload["user_id"])]


def account_url(tenant: Any, payload: dict[str, Any]) -> str:
    """The person's own account page (sessions, password) on the tenant's domain; none for a sign-in on
    the platform domain (no tenant: no portal to point to)."""
    return tenant_url(tenant, "account:index") if tenant is not None else ""

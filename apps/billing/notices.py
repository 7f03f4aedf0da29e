"""Who is told about billing (the `Notice`s in contributions.py; apps.notifications calls them as
`fn(tenant, payload)` and gets user ids and/or email addresses)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url


def billing_contacts(tenant: Any, payload: dict[str, Any]) -> list[UUID | str]:
    """The tenant admins (in-app and email, per their preferences; critical notices always) and the
    billing address (email), unless that address is an admin's own: then the admin is told once, as a
    person. One query."""
    admins = list(tenant_admins(tenant).order_by("user_id").values_list("user_id", "user__email"))
    recipients: list[UUID | str] = [user_id for user_id, _ in admins]
    billing_email = (tenant.billing_email or "").strip()
    if billing_email and billing_email.lower() not in {email.lower() for _, email in admins}:
        recipients.append(billing_email)
    return recipients


def billing_url(tenant: Any, payload: dict[str, Any]) -> str:
    """The portal's billing overview, on the tenant's domain."""
    return tenant_url(tenant, "billing:overview")

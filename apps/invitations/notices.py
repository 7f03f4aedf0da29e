"""Who is told what about invitations and new members (the `Notice`s in contributions.py ask these;
apps.notifications calls them as `fn(tenant, payload)` and gets user ids and/or email addresses)."""

from typing import Any
from uuid import UUID

from apps.accounts.selectors import tenant_admins, tenant_url


def invitee(tenant: Any, payload: dict[str, Any]) -> list[str]:
    """invitation.sent: the invited address (no account yet, so email only and no preferences)."""
    return [payload["email"]]


def admins_but_the_newcomer(tenant: Any, payload: dict[str, Any]) -> list[UUID]:
    """member.joined: the tenant admins, except the person who joined (an admin who joined as one)."""
    admins = tenant_admins(tenant).exclude(user__code=payload["user"])
    return list(admins.order_by("user_id").values_list("user_id", flat=True))


def members_url(tenant: Any, payload: dict[str, Any]) -> str:
    """The portal's member list, on the tenant's domain."""
    return tenant_url(tenant, "members:list")

"""Event payloads of accounts' records (published with apps.core.events; webhooks send them as-is)."""

from typing import Any


def member_joined_payload(membership: Any) -> dict[str, Any]:
    return {
        "user": str(membership.user.code),
        "email": membership.user.email,
        "role": membership.role,
        "joined_via": membership.joined_via,
    }

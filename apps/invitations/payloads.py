"""Event payloads of invitations (published with apps.core.events).

`invitation.sent` carries the invitation's answer links (the raw token, which is not stored): it is the
message the invitee gets, so it is deliberately NOT a webhook event type (no endpoint ever receives a
token). Times come as ISO strings plus a `*_display` text, because a template cannot format an ISO string.
"""

from datetime import UTC
from typing import Any


def invitation_sent_payload(invitation: Any, *, accept_url: str, decline_url: str) -> dict[str, Any]:
    inviter = invitation.invited_by
    return {
        # One message per link: a resend makes a new token, hence a new event.
        "event_id": f"invitation.sent:{invitation.pk}:{invitation.token_hash[:16]}",
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.get_role_display(),
        "tenant_name": invitation.tenant.name,
        "inviter": inviter.get_full_name() if inviter else "",
        "accept_url": accept_url,
        "decline_url": decline_url,
        "expires_at": invitation.expires_at.isoformat(),
        "expires_at_display": f"{invitation.expires_at.astimezone(UTC):%Y-%m-%d %H:%M}",
    }

"""tokens' answers to the hooks security asks (apps.core.hooks): security never imports tokens
(tokens stands on security's lockout and auth events), so it asks by name."""

from typing import Any

from .models import RefreshTokenFamily
from .services import user_tokens_revoke_all


def credentials_changed(*, user: Any, acting_user: Any) -> int:
    """A password change or reset: every access token and refresh family of the person ends."""
    return user_tokens_revoke_all(
        user=user, acting_user=acting_user, reason=RefreshTokenFamily.RevokeReason.PASSWORD_CHANGED
    )

"""TOTP helpers for operators and the demo: read a user's TOTP secret and the code valid now."""

import time
from typing import Any

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings


def totp_ensure(user: Any) -> tuple[str, list[str]]:
    """Give the user a TOTP factor and recovery codes if missing; return the secret and unused codes."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        authenticator = TOTP.activate(user, generate_totp_secret()).instance
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return get_adapter().decrypt(authenticator.data["secret"]), codes


def totp_code_now(secret: str) -> str:
    period = getattr(settings, "MFA_TOTP_PERIOD", 30)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def totp_uri(user: Any, secret: str) -> str:
    return get_adapter().build_totp_url(user, secret)

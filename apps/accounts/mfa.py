from typing import Any

from allauth.mfa.models import Authenticator

# Recovery codes back up a factor; they are not a factor on their own.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_mfa_factor(user: Any) -> bool:
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES).exists()

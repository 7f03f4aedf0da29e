"""Reads for one-time-code factors: which channels a domain allows a person, and their usable factors."""

from typing import Any

from django.conf import settings
from django_tenants.utils import get_public_schema_name

from apps.core import hooks

from .otp_models import OtpChannel, OtpFactor


def otp_channels_allowed(*, user: Any, tenant: Any) -> list[str]:
    """The code channels `user` may use on this domain: on a tenant's, its security policy (hook
    "security.otp_channels_allowed": `fn(user, tenant) -> list[str]`, answered by apps.policy); on the
    platform domain, the setting OTP_PLATFORM_CHANNELS."""
    if tenant is None or tenant.schema_name == get_public_schema_name():
        allowed = list(getattr(settings, "OTP_PLATFORM_CHANNELS", []))
    else:
        answer = hooks.one("security.otp_channels_allowed", default=lambda user, tenant: [])
        allowed = list(answer(user, tenant))
    return [channel for channel in OtpChannel.values if channel in allowed]


def otp_factors_usable(*, user: Any, tenant: Any) -> list[OtpFactor]:
    """The person's confirmed code factors that this domain allows (the challenge offers these)."""
    if not getattr(user, "pk", None):
        return []
    allowed = otp_channels_allowed(user=user, tenant=tenant)
    if not allowed:
        return []
    return list(OtpFactor.objects.filter(user=user, channel__in=allowed, confirmed_at__isnull=False))

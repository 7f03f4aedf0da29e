"""Where the platform's own code reads its settings from `setting_get` (one place to grep).

Token lifetimes (apps.tokens), the API-key rate (apps.integrations) and the password minimum length
(AUTH_PASSWORD_VALIDATORS) call these helpers. allauth reads its own settings module; the two values
it owns (email verification expiry and the failed-login rate per IP) are bridged in `allauth_bridge`.
"""

import re
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import MinimumLengthValidator

from .services import setting_get


def access_token_minutes() -> int:
    return int(setting_get("tokens.access_minutes"))


def refresh_token_days() -> int:
    return int(setting_get("tokens.refresh_days"))


def api_key_rate() -> str:
    return f"{int(setting_get('ratelimit.api_per_minute'))}/min"


def verification_lifetime() -> timedelta:
    return timedelta(hours=int(setting_get("tokens.verification_hours")))


class SettingMinimumLengthValidator(MinimumLengthValidator):
    """Django's minimum length, read from the `password.min_length` setting on every check.

    OPTIONS min_length (PASSWORD_MIN_LENGTH from the environment) is only the fallback used when the
    settings table cannot be read (e.g. before the first migration).
    """

    def __init__(self, min_length: int = 12) -> None:
        self.fallback = min_length

    @property  # type: ignore[override]
    def min_length(self) -> int:
        try:
            return int(setting_get("password.min_length"))
        except Exception:  # noqa: BLE001 - a missing table must not stop people setting passwords
            return self.fallback

    @min_length.setter
    def min_length(self, value: int) -> None:
        self.fallback = value


def _login_failed_rate(rate: str | None) -> str | None:
    """allauth's "10/m/ip,10/5m/key" with the per-IP part taken from ratelimit.login_per_minute."""
    if not rate:
        return rate
    per_minute = int(setting_get("ratelimit.login_per_minute"))
    return re.sub(r"^\d+/m/ip", f"{per_minute}/m/ip", rate)


def allauth_bridge() -> None:
    """Make allauth read the verification expiry and the failed-login rate from system settings.

    allauth reads both through properties of its AppSettings object on every use; wrapping those
    properties keeps its own defaults and overrides (ACCOUNT_RATE_LIMITS = False turns limits off).
    """
    from allauth.account import app_settings as account_settings

    cls: Any = type(account_settings._app_settings)
    if getattr(cls, "_sysconfig_bridged", False):
        return
    rate_limits = cls.RATE_LIMITS.fget

    def _rate_limits(self: Any) -> dict:
        rates = dict(rate_limits(self))
        if rates.get("login_failed"):
            rates["login_failed"] = _login_failed_rate(rates["login_failed"])
        return rates

    def _expire_days(self: Any) -> float:
        return verification_lifetime().total_seconds() / 86400

    cls.RATE_LIMITS = property(_rate_limits)
    cls.EMAIL_CONFIRMATION_EXPIRE_DAYS = property(_expire_days)
    cls._sysconfig_bridged = True

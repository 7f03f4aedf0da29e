"""The settings the platform reads, their types, limits and fallbacks.

Each default falls back to the Django setting (and so the environment variable) that held the value
before settings moved to the database, so an unseeded or emptied table keeps the current behaviour.
The data migration seeds one row per entry with the value of that fallback at migration time.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings


def _rate_per_minute(rate: str, fallback: int) -> int:
    """DRF/allauth style rates ("600/min", "10/m/ip") as requests per minute."""
    match = re.match(r"^\s*(\d+)\s*/\s*([smhd])", rate or "")
    if not match:
        return fallback
    per_second = {"s": 60, "m": 1, "h": 1 / 60, "d": 1 / 1440}[match.group(2)]
    return max(1, int(int(match.group(1)) * per_second))


def _login_rate() -> int:
    limits = getattr(settings, "ACCOUNT_RATE_LIMITS", None)
    rate = limits.get("login_failed", "") if isinstance(limits, dict) else ""
    return _rate_per_minute(str(rate).split(",")[0], 10)


@dataclass(frozen=True)
class SettingSpec:
    key: str
    value_type: str
    category: str
    description: str
    fallback: Callable[[], Any]
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    is_public: bool = False
    choices: list[Any] = field(default_factory=list)


SPECS: dict[str, SettingSpec] = {
    spec.key: spec
    for spec in [
        SettingSpec("password.min_length", "integer", "authentication",
                    "Minimum length of every password (a tenant's security policy may ask for more).",
                    lambda: getattr(settings, "PASSWORD_MIN_LENGTH", 12), Decimal(8), Decimal(128), True),
        SettingSpec("tokens.verification_hours", "integer", "authentication",
                    "Hours an email verification link stays valid.",
                    lambda: int(getattr(settings, "ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS", 1)) * 24,
                    Decimal(1), Decimal(24 * 14), True),
        SettingSpec("tokens.access_minutes", "integer", "authentication",
                    "Lifetime of an API access token, in minutes.",
                    lambda: settings.ACCESS_TOKEN_LIFETIME_MINUTES, Decimal(1), Decimal(24 * 60), True),
        SettingSpec("tokens.refresh_days", "integer", "authentication",
                    "Lifetime of an API refresh token, in days.",
                    lambda: settings.REFRESH_TOKEN_LIFETIME_DAYS, Decimal(1), Decimal(365), True),
        SettingSpec("ratelimit.api_per_minute", "integer", "security",
                    "Requests per minute each integrator API key may make.",
                    lambda: _rate_per_minute(getattr(settings, "API_KEY_RATE", "600/min"), 600),
                    Decimal(1), Decimal(100000), True),
        SettingSpec("ratelimit.login_per_minute", "integer", "security",
                    "Failed sign-ins allowed per minute from one IP address before allauth refuses more.",
                    _login_rate, Decimal(1), Decimal(1000)),
        SettingSpec("logs.retention_days", "integer", "general",
                    "Days technical logs are kept before they are archived.", lambda: 90, Decimal(7), Decimal(3650)),
        SettingSpec("audit.retention_years", "integer", "general",
                    "Years audit events and history are kept.", lambda: 7, Decimal(1), Decimal(30)),
        SettingSpec("signup.open", "boolean", "authentication",
                    "Anyone may sign up at /signup/ and create an organisation; off, the page says signup is closed.",
                    lambda: getattr(settings, "SIGNUP_OPEN", True), is_public=True),
        SettingSpec("support.contact_email", "string", "email",
                    "Where tenants can write to the support desk.", lambda: "support@nidiaflow.example",
                    is_public=True),
    ]
}  # fmt: skip

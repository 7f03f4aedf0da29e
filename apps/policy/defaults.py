"""The product defaults: what applies where no entity up the hierarchy sets a value.

They match the platform-wide rules that hold without any policy (PASSWORD_MIN_LENGTH's default in
settings, Django's two-week session cookie), so a tenant without policies behaves as before.
"""

from typing import Any

from .models import LoginMethod

PRODUCT_DEFAULTS: dict[str, Any] = {
    "mfa_required": False,
    "password_min_length": 12,
    "password_expiry_days": 0,  # never
    "session_idle_timeout_minutes": 12 * 60,
    "session_absolute_timeout_hours": 14 * 24,
    "ip_allowlist": [],  # any address
    "allowed_login_methods": list(LoginMethod.values),
    "allow_staff_impersonation": True,
    "allowed_second_factors": [],  # codes by email or SMS only where a tenant turns them on
    "password_history_count": 0,  # no history rule
    # Risk-based sign-in (apps/security/risk.py): a new device in a new country (60) asks for a second
    # factor; impossible travel from a new device with anything else (95+) is refused.
    "risk_step_up_score": 50,
    "risk_refuse_score": 90,
}

POLICY_FIELDS: tuple[str, ...] = tuple(PRODUCT_DEFAULTS)

PRODUCT_DEFAULT_LABEL = "Product default"
TENANT_SETTING_LABEL = "Organisation setting “require two-factor authentication”"

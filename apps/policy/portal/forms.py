from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.policy.defaults import POLICY_FIELDS
from apps.policy.models import (
    PASSWORD_EXPIRY_DAYS_MAX,
    PASSWORD_HISTORY_MAX,
    PASSWORD_MIN_LENGTH_RANGE,
    RISK_SCORE_RANGE,
    SESSION_ABSOLUTE_HOURS_RANGE,
    SESSION_IDLE_MINUTES_RANGE,
    LoginMethod,
    SecurityPolicy,
    network_normalise,
)
from apps.security.otp_models import OtpChannel

INHERIT_SUFFIX = "_inherit"
VALUE_REQUIRED = "Enter a value, or tick “Inherit”."


def _range(low: int, high: int, **kwargs: Any) -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=low, max_value=high, **kwargs)


class SecurityPolicyForm(forms.Form):
    """An entity's overrides: each setting either inherits (from above, or the product default) or is set here."""

    mfa_required = forms.BooleanField(required=False, label="Require two-factor authentication")
    password_min_length = _range(*PASSWORD_MIN_LENGTH_RANGE, label="Minimum password length (characters)")
    password_expiry_days = _range(
        0, PASSWORD_EXPIRY_DAYS_MAX, label="Password expires after (days)", help_text="0: never."
    )
    session_idle_timeout_minutes = _range(*SESSION_IDLE_MINUTES_RANGE, label="Sign out after inactivity (minutes)")
    session_absolute_timeout_hours = _range(*SESSION_ABSOLUTE_HOURS_RANGE, label="Longest session (hours)")
    ip_allowlist = forms.CharField(
        required=False,
        label="Allowed IP addresses and networks",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text="One per line, e.g. 203.0.113.7 or 10.0.0.0/8. Empty: any address.",
    )
    allowed_login_methods = forms.MultipleChoiceField(
        required=False,
        label="Allowed sign-in methods",
        choices=LoginMethod.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    allow_staff_impersonation = forms.BooleanField(
        required=False,
        label="Allow platform support staff to sign in as a member",
        help_text="With a reason and a time limit of at most 30 minutes; every start and end is in the activity log.",
    )
    allowed_second_factors = forms.MultipleChoiceField(
        required=False,
        label="One-time codes allowed as a second factor",
        choices=OtpChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Besides authenticator apps and security keys, which are always allowed. None ticked: neither.",
    )
    password_history_count = _range(
        0, PASSWORD_HISTORY_MAX, label="New passwords may not repeat the last (passwords)", help_text="0: no rule."
    )

    risk_step_up_score = _range(
        *RISK_SCORE_RANGE,
        label="Ask for a second factor above sign-in risk",
        help_text="0-100. Riskier sign-ins (new device, new country, impossible travel ...) must pass a second factor.",
    )
    risk_refuse_score = _range(
        *RISK_SCORE_RANGE, label="Refuse sign-ins above risk", help_text="0-100; 100: never refuse."
    )

    def __init__(self, *args: Any, policy: SecurityPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in POLICY_FIELDS:
            label = self.fields[field].label
            self.fields[field + INHERIT_SUFFIX] = forms.BooleanField(
                required=False, label="Inherit", widget=forms.CheckboxInput(attrs={"aria-label": f"Inherit: {label}"})
            )
            value = getattr(policy, field) if policy is not None else None
            self.initial[field + INHERIT_SUFFIX] = value is None
            if value is not None:
                self.initial[field] = "\n".join(value) if field == "ip_allowlist" else value

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """(inherit checkbox, value) per setting, for the template."""
        return [(self[field + INHERIT_SUFFIX], self[field]) for field in POLICY_FIELDS]

    def clean_ip_allowlist(self) -> list[str]:
        lines = [line.strip() for line in str(self.cleaned_data.get("ip_allowlist") or "").splitlines()]
        networks, errors = [], []
        for line in filter(None, lines):
            try:
                networks.append(network_normalise(line))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return networks

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in POLICY_FIELDS:
            if data.get(field + INHERIT_SUFFIX):
                self.errors.pop(field, None)  # whatever was typed there is not used
                continue
            if field in self.errors:
                continue
            if field == "allowed_login_methods" and not data.get(field):
                self.add_error(field, "Allow at least one sign-in method, or tick “Inherit”.")
            elif isinstance(self.fields[field], forms.IntegerField) and data.get(field) is None:
                self.add_error(field, VALUE_REQUIRED)
        return data

    def policy_fields(self) -> dict[str, Any]:
        """What to pass to policy_set: None for every inherited setting."""
        return {
            field: None if self.cleaned_data.get(field + INHERIT_SUFFIX) else self.cleaned_data.get(field)
            for field in POLICY_FIELDS
        }

"""System settings: typing, constraints, cache invalidation, audit, and the readers that use them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AuditEvent
from apps.sysconfig.models import AppSetting, SettingType
from apps.sysconfig.readers import access_token_minutes, api_key_rate, refresh_token_days, verification_lifetime
from apps.sysconfig.services import setting_get, setting_set
from apps.sysconfig.testing import setting_override

pytestmark = pytest.mark.django_db


def test_seeded_defaults_are_typed():
    assert setting_get("password.min_length") == 12
    assert setting_get("tokens.verification_hours") == 24
    assert setting_get("tokens.access_minutes") == 15
    assert setting_get("tokens.refresh_days") == 7
    assert isinstance(setting_get("ratelimit.api_per_minute"), int)
    assert isinstance(setting_get("ratelimit.login_per_minute"), int)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("password.min_length", "twelve", "password.min_length must be an integer."),
        ("password.min_length", 12.5, "password.min_length must be an integer."),
        ("password.min_length", True, "password.min_length must be an integer."),
        ("password.min_length", 4, "password.min_length must be at least 8."),
        ("password.min_length", 500, "password.min_length must be at most 128."),
        ("support.contact_email", 42, "support.contact_email must be a string."),
    ],
)
def test_wrong_values_are_refused_with_a_clear_message_and_nothing_written(platform_superuser, key, value, message):
    before = AppSetting.objects.get(key=key).value
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        setting_set(key=key, value=value, acting_user=platform_superuser)
    assert excinfo.value.messages == [message]
    assert AppSetting.objects.get(key=key).value == before
    assert AuditEvent.objects.count() == events


def test_every_type_is_coerced_and_checked(platform_superuser):
    rows = [
        AppSetting(key="t.flag", value_type=SettingType.BOOLEAN, value=False),
        AppSetting(key="t.ratio", value_type=SettingType.DECIMAL, value="0.5", min_value=Decimal("0")),
        AppSetting(key="t.map", value_type=SettingType.JSON, value={}),
        AppSetting(key="t.mode", value_type=SettingType.STRING, value="a", choices=["a", "b"]),
        AppSetting(key="t.code", value_type=SettingType.STRING, value="AB", regex=r"[A-Z]{2}"),
    ]
    AppSetting.objects.bulk_create(rows)
    assert setting_set(key="t.flag", value="true", acting_user=platform_superuser).value is True
    assert setting_get("t.flag") is True
    setting_set(key="t.ratio", value="0.125", acting_user=platform_superuser)
    assert setting_get("t.ratio") == Decimal("0.125")
    setting_set(key="t.map", value='{"a": [1, 2]}', acting_user=platform_superuser)
    assert setting_get("t.map") == {"a": [1, 2]}
    for key, value, message in [
        ("t.flag", "maybe", "t.flag must be true or false."),
        ("t.ratio", "abc", "t.ratio must be a decimal number."),
        ("t.ratio", "-1", "t.ratio must be at least 0."),
        ("t.map", "{not json", "t.map must be valid JSON."),
        ("t.mode", "c", "t.mode must be one of: a, b."),
        ("t.code", "abc", "t.code must match [A-Z]{2}."),
    ]:
        with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("{", r"\{")):
            setting_set(key=key, value=value, acting_user=platform_superuser)


def test_unknown_setting_is_refused(platform_superuser):
    with pytest.raises(ValidationError, match="Unknown setting"):
        setting_set(key="nope.nothing", value=1, acting_user=platform_superuser)


def test_reads_are_cached_and_a_change_is_seen_at_once(platform_superuser):
    assert setting_get("tokens.access_minutes") == 15
    with CaptureQueriesContext(connection) as queries:
        assert setting_get("tokens.access_minutes") == 15
    assert len(queries) == 0
    setting_set(key="tokens.access_minutes", value=30, acting_user=platform_superuser)
    assert setting_get("tokens.access_minutes") == 30
    AppSetting.objects.filter(key="tokens.access_minutes").first().delete()  # a removed row: the default again
    assert setting_get("tokens.access_minutes") == 15


def test_every_change_is_audited_with_before_and_after(platform_superuser):
    setting_set(key="password.min_length", value="14", acting_user=platform_superuser)
    event = AuditEvent.objects.filter(action="setting.changed").latest("created_at")
    assert event.actor_id == platform_superuser.pk and event.tenant_id is None
    assert event.before == {"key": "password.min_length", "value": 12}
    assert event.after == {"key": "password.min_length", "value": 14}
    setting = AppSetting.objects.get(key="password.min_length")
    assert setting.updated_by == platform_superuser
    assert setting.history.first().history_user == platform_superuser


def test_missing_row_falls_back_to_django_settings(settings):
    AppSetting.objects.filter(key="tokens.refresh_days").delete()
    settings.REFRESH_TOKEN_LIFETIME_DAYS = 9
    assert setting_get("tokens.refresh_days") == 9
    with pytest.raises(KeyError):
        setting_get("no.such.key")


def test_password_validator_reads_the_minimum_length():
    validate_password("correct-horse-battery")  # 21 characters
    with setting_override("password.min_length", 24), pytest.raises(ValidationError, match="at least 24 characters"):
        validate_password("correct-horse-battery")
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("short-pw!")


def test_token_lifetimes_and_rates_read_the_settings():
    with setting_override("tokens.access_minutes", 5), setting_override("tokens.refresh_days", 2):
        assert (access_token_minutes(), refresh_token_days()) == (5, 2)
    with setting_override("ratelimit.api_per_minute", 42):
        assert api_key_rate() == "42/min"
    with setting_override("tokens.verification_hours", 48):
        assert verification_lifetime() == timedelta(hours=48)


def test_allauth_reads_verification_expiry_and_login_rate(settings):
    from allauth.account import app_settings

    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,10/5m/key"}
    assert app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS == 1
    with setting_override("tokens.verification_hours", 36), setting_override("ratelimit.login_per_minute", 4):
        assert app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS == 1.5
        assert app_settings.RATE_LIMITS["login_failed"] == "4/m/ip,10/5m/key"
    settings.ACCOUNT_RATE_LIMITS = False  # turning limits off still works
    assert "login_failed" not in app_settings.RATE_LIMITS

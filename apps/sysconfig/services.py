"""System settings: typed reads through a small cache, validated and audited writes."""

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.services import audit_record
from apps.core.cache import database_name, platform_cache
from apps.tenancy.context import connection_tenant

from .defaults import SPECS
from .models import AppSetting, SettingType

CACHE_SECONDS = 60
_MISSING = "__sysconfig_missing__"


def _cache() -> BaseCache:
    """Settings are platform-wide: one key on every domain (apps.core.cache.platform_cache)."""
    return platform_cache()


def _cache_key(key: str) -> str:
    return f"sysconfig:{database_name()}:{key}"


def setting_cache_clear(*keys: str) -> None:
    """Forget cached values (every known key when none is given)."""
    keys = keys or tuple(set(SPECS) | set(AppSetting.objects.values_list("key", flat=True)))
    _cache().delete_many([_cache_key(key) for key in keys])


def setting_get(key: str) -> Any:
    """The typed value of a setting: the stored row, else the default (Django settings / environment)."""
    cache_key = _cache_key(key)
    cached = _cache().get(cache_key)
    if cached is None:
        row = AppSetting.objects.filter(key=key).values("value_type", "value").first()
        cached = _MISSING if row is None or row["value"] is None else setting_coerce(row["value_type"], row["value"])
        _cache().set(cache_key, cached, CACHE_SECONDS)
    if cached == _MISSING:
        return _default(key)
    return cached


def _default(key: str) -> Any:
    spec = SPECS.get(key)
    if spec is None:
        raise KeyError(f"Unknown setting {key!r}.")
    return setting_coerce(spec.value_type, spec.fallback())


def setting_coerce(value_type: str, value: Any, *, key: str = "value") -> Any:
    """`value` as a Python value of `value_type`; ValidationError with a clear message if it is not one."""
    if value_type == SettingType.INTEGER:
        if isinstance(value, bool) or not _is_integer(value):
            raise ValidationError(f"{key} must be an integer.", code="invalid_type")
        return int(value)
    if value_type == SettingType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0", "yes", "no"}:
            return value.strip().lower() in {"true", "1", "yes"}
        raise ValidationError(f"{key} must be true or false.", code="invalid_type")
    if value_type == SettingType.STRING:
        if not isinstance(value, str):
            raise ValidationError(f"{key} must be a string.", code="invalid_type")
        return value
    if value_type == SettingType.DECIMAL:
        try:
            if isinstance(value, (bool, float)):
                raise InvalidOperation
            return Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError(f"{key} must be a decimal number.", code="invalid_type") from None
    if value_type == SettingType.JSON:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValidationError(f"{key} must be valid JSON.", code="invalid_type") from None
        return value
    raise ValidationError(f"{key} has an unknown type {value_type!r}.", code="invalid_type")


def _is_integer(value: Any) -> bool:
    if isinstance(value, int):
        return True
    return isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value) is not None


def setting_validate(setting: AppSetting, value: Any) -> Any:
    """The typed value if it meets the setting's type and constraints."""
    typed = setting_coerce(setting.value_type, value, key=setting.key)
    if setting.value_type in (SettingType.INTEGER, SettingType.DECIMAL):
        if setting.min_value is not None and typed < setting.min_value:
            raise ValidationError(f"{setting.key} must be at least {setting.min_value.normalize():f}.", code="min")
        if setting.max_value is not None and typed > setting.max_value:
            raise ValidationError(f"{setting.key} must be at most {setting.max_value.normalize():f}.", code="max")
    if setting.value_type == SettingType.STRING and setting.regex and not re.fullmatch(setting.regex, typed):
        raise ValidationError(f"{setting.key} must match {setting.regex}.", code="regex")
    if setting.choices and typed not in setting.choices:
        allowed = ", ".join(str(choice) for choice in setting.choices)
        raise ValidationError(f"{setting.key} must be one of: {allowed}.", code="choices")
    return typed


def _stored(value_type: str, typed: Any) -> Any:
    return str(typed) if value_type == SettingType.DECIMAL else typed


@transaction.atomic
def setting_set(*, key: str, value: Any, acting_user: Any) -> AppSetting:
    """Change a setting's value (validated against its type and constraints) and audit the change."""
    setting = AppSetting.objects.select_for_update().filter(key=key).first()
    if setting is None:
        raise ValidationError(f"Unknown setting {key!r}.", code="unknown")
    typed = setting_validate(setting, value)
    before = setting.value
    setting.value = _stored(setting.value_type, typed)
    setting.updated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    setting._history_user = setting.updated_by  # type: ignore[attr-defined]
    setting.full_clean()
    setting.save()
    audit_record(action="setting.changed", acting_user=acting_user, tenant=connection_tenant(), target=setting,
                 before={"key": key, "value": before}, after={"key": key, "value": setting.value})  # fmt: skip
    return setting


@transaction.atomic
def setting_update(*, setting: AppSetting, value: Any, acting_user: Any, **attributes: Any) -> AppSetting:
    """Staff edits from the admin: the value and its metadata (description, limits, public flag) together."""
    before = {"value": AppSetting.objects.filter(pk=setting.pk).values_list("value", flat=True).first()}
    for name, attribute in attributes.items():
        setattr(setting, name, attribute)
    setting.value = _stored(setting.value_type, setting_validate(setting, value))
    setting.updated_by = acting_user if getattr(acting_user, "is_authenticated", False) else None
    setting._history_user = setting.updated_by  # type: ignore[attr-defined]
    setting.full_clean()
    setting.save()
    audit_record(action="setting.changed", acting_user=acting_user, tenant=connection_tenant(), target=setting,
                 before=before, after={"value": setting.value, **_jsonable_attributes(attributes)})  # fmt: skip
    return setting


def _jsonable_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {name: (str(value) if isinstance(value, Decimal) else value) for name, value in attributes.items()}


def settings_seed_defaults() -> int:
    """Create a row for every known setting that has none (existing values are left alone)."""
    created = 0
    for spec in SPECS.values():
        _, was_created = AppSetting.objects.get_or_create(
            key=spec.key,
            defaults={
                "value_type": spec.value_type,
                "value": _stored(spec.value_type, setting_coerce(spec.value_type, spec.fallback())),
                "category": spec.category,
                "description": spec.description,
                "min_value": spec.min_value,
                "max_value": spec.max_value,
                "is_public": spec.is_public,
                "choices": spec.choices,
            },
        )
        created += was_created
    return created


def settings_public() -> list[dict[str, Any]]:
    """Public settings with their typed values, for tenant admins and the tenant API."""
    rows = AppSetting.objects.filter(is_public=True).order_by("category", "key")
    return [
        {"key": row.key, "value": _default(row.key) if row.value is None else setting_coerce(row.value_type, row.value),
         "value_type": row.value_type, "category": row.category, "description": row.description,
         "updated_at": row.updated_at}
        for row in rows
    ]  # fmt: skip

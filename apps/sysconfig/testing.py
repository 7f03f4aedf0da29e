"""Test helper: give a system setting another value for the duration of a block."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .models import AppSetting
from .services import setting_cache_clear


@contextmanager
def setting_override(key: str, value: Any) -> Iterator[None]:
    """Store `value` (bypassing validation and audit) and restore the old value and cache afterwards."""
    old = AppSetting.objects.filter(key=key).values_list("value", flat=True).first()
    AppSetting.objects.filter(key=key).update(value=value)
    setting_cache_clear(key)
    try:
        yield
    finally:
        AppSetting.objects.filter(key=key).update(value=old)
        setting_cache_clear(key)

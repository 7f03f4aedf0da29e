"""Small template filters of the forms pages."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`mapping[key]`, or None (a missing key, or no mapping)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def rating_range(scale: Any) -> range:
    try:
        return range(1, int(scale) + 1)
    except (TypeError, ValueError):
        return range(1, 6)

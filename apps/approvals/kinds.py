"""The kinds of request (contributed `ApprovalKind`s), their typed fields, and step conditions.

Field values travel as JSON (the request's `fields` snapshot): ints and bools as they are,
decimals as strings, dates as ISO strings. A condition `{"field", "op", "value"}` compares the
request's value with `value`, both read back to the field's type.
"""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from apps.core.contributions import ApprovalKind, AvailabilityProvider, contributions, resolve

FIELD_TYPES = ("int", "decimal", "str", "date", "bool")
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
ORDERED_TYPES = ("int", "decimal", "date")  # gt/gte/lt/lte make sense on these (and on str)


def kinds() -> list[ApprovalKind]:
    """The declared kinds of request, in order."""
    return contributions(ApprovalKind)


def kind_find(name: str) -> ApprovalKind | None:
    return next((kind for kind in kinds() if kind.name == name), None)


def kind_get(name: str) -> ApprovalKind:
    kind = kind_find(name)
    if kind is None:
        raise ValidationError({"kind": ValidationError(f"Unknown kind of request “{name}”.", code="unknown_kind")})
    return kind


def kind_label(name: str) -> str:
    kind = kind_find(name)
    return kind.label if kind else name


def field_types(kind: ApprovalKind) -> dict[str, str]:
    return dict(kind.fields)


def value_read(value: Any, field_type: str) -> Any:
    """A JSON value as the field's Python type; ValueError when it is not one."""
    if value is None:
        return None
    if field_type == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError("expected true or false")
    if field_type == "int":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError("expected a whole number")
        return int(value)
    if field_type == "decimal":
        if isinstance(value, bool):
            raise ValueError("expected a number")
        try:
            return Decimal(str(value))
        except InvalidOperation as error:
            raise ValueError("expected a number") from error
    if field_type == "date":
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))
    return str(value)


def value_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def subject_fields(kind: ApprovalKind, subject: Any) -> dict[str, Any]:
    """The kind's fields of `subject`, as JSON, only the declared ones."""
    if kind.subject_fields is None:
        return {}
    values = resolve(kind.subject_fields)(subject) or {}
    return {name: value_jsonable(values.get(name)) for name, _ in kind.fields}


def subject_summary(kind: ApprovalKind, subject: Any) -> str:
    text = resolve(kind.describe)(subject) if kind.describe else f"{kind.label}: {subject}"
    return str(text)[:255]


def condition_errors(kind: ApprovalKind, condition: Any) -> list[str]:
    """Why a step condition is not valid for the kind (empty: it is)."""
    if condition in (None, {}):
        return []
    if not isinstance(condition, dict) or set(condition) != {"field", "op", "value"}:
        return ['A condition is {"field", "op", "value"}.']
    types = field_types(kind)
    name, op, value = condition["field"], condition["op"], condition["value"]
    if name not in types:
        known = ", ".join(types) or "none"
        return [f"The condition tests “{name}”, which is not a field of {kind.label} (fields: {known})."]
    if op not in OPERATORS:
        return [f"Unknown operator “{op}” (use one of {', '.join(OPERATORS)})."]
    field_type = types[name]
    if op in ("gt", "gte", "lt", "lte") and field_type == "bool":
        return [f"“{op}” does not apply to the yes/no field “{name}”."]
    values = value if op == "in" else [value]
    if op == "in" and (not isinstance(value, list) or not value):
        return ["“in” needs a non-empty list of values."]
    for item in values:
        try:
            if value_read(item, field_type) is None:
                raise ValueError("a value is required")
        except (ValueError, TypeError) as error:
            return [f"The value {item!r} does not fit the {field_type} field “{name}”: {error}."]
    return []


def condition_holds(kind: ApprovalKind | None, condition: Any, fields: dict[str, Any]) -> bool:
    """Does the condition hold on the request's fields? A missing value never satisfies it."""
    if not condition:
        return True
    field_type = field_types(kind).get(condition["field"], "str") if kind else "str"
    actual = value_read(fields.get(condition["field"]), field_type)
    if actual is None:
        return False
    op, expected = condition["op"], condition["value"]
    if op == "in":
        return actual in [value_read(item, field_type) for item in expected]
    expected = value_read(expected, field_type)
    comparisons = {
        "eq": lambda: actual == expected,
        "ne": lambda: actual != expected,
        "gt": lambda: actual > expected,
        "gte": lambda: actual >= expected,
        "lt": lambda: actual < expected,
        "lte": lambda: actual <= expected,
    }
    return bool(comparisons[op]())


def people_away(user_ids: set[Any], day: datetime.date) -> set[Any]:
    """Who of `user_ids` is away on `day`, according to every contributed AvailabilityProvider."""
    if not user_ids:
        return set()
    away: set[Any] = set()
    for provider in contributions(AvailabilityProvider):
        away |= set(resolve(provider.away)(set(user_ids), day) or ()) & user_ids
    return away

"""Filters of a report over a form's submissions on the answers' values: a choice equals one value or is one of
several, a number compares with a value, a text contains a value. Checked against the form's fields (its
current version) by `filters_check`, and applied in SQL by `filter_conditions` (JSON lookups on `answers`,
never row by row).

A filter is `{"field": key, "op": op, "value": v}`; the check adds the field's `type`, so the query needs no
second look at the form. The portal writes them one a line: `compliant = no`, `issues in damaged, wrong_place`,
`shelf_share >= 40`, `notes contains pallet`.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, FloatField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from apps.core.errors import refused

MAX_FILTERS = 10
CHOICES = ("single_choice", "multiple_choice")
NUMBERS = ("number", "rating", "computed")
TEXTS = ("text",)
OPERATORS = {  # operator → what it means, and the field types it applies to
    "eq": ("equals", (*CHOICES, *NUMBERS)),
    "in": ("is one of", CHOICES),
    "lt": ("is less than", NUMBERS),
    "lte": ("is at most", NUMBERS),
    "gt": ("is more than", NUMBERS),
    "gte": ("is at least", NUMBERS),
    "contains": ("contains", TEXTS),
}
OPERATOR_CHOICES = [(op, meaning) for op, (meaning, _) in OPERATORS.items()]
SYMBOLS = {"=": "eq", "==": "eq", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "in": "in", "contains": "contains"}
NUMERIC = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"  # answers are JSON numbers or numeric strings; anything else is not
COMPARE = {"eq": Exact, "lt": LessThan, "lte": LessThanOrEqual, "gt": GreaterThan, "gte": GreaterThanOrEqual}


def filters_parse(text: str) -> list[dict[str, Any]]:
    """The portal's lines (`key op value`) as filters; the services check them. A line that is not one is
    refused here, with its number."""
    found = []
    for number, line in enumerate((text or "").splitlines(), 1):
        parts = line.strip().split(None, 2)
        if not parts:
            continue
        if len(parts) < 3 or parts[1].lower() not in SYMBOLS:
            raise refused(f"Line {number}: write a field's key, an operator ({', '.join(SYMBOLS)}) and a value, "
                          "e.g. “compliant = no”.", code="invalid_filter", field="filters")  # fmt: skip
        key, op, value = parts[0], SYMBOLS[parts[1].lower()], parts[2].strip()
        found.append({"field": key, "op": op, "value": [v.strip() for v in value.split(",")] if op == "in" else value})
    return found


def filters_text(filters: list[dict[str, Any]]) -> str:
    """The lines the portal shows for stored filters (the inverse of `filters_parse`)."""
    symbol = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=", "in": "in", "contains": "contains"}
    lines = []
    for row in filters:
        value = ", ".join(str(v) for v in row["value"]) if isinstance(row["value"], list) else row["value"]
        lines.append(f"{row['field']} {symbol.get(row['op'], row['op'])} {value}")
    return "\n".join(lines)


def _number(value: Any, key: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise refused(f"“{key}” compares with a number, not “{value}”.", code="invalid_filter_value", field="filters")
    return int(number) if number.is_integer() else number


def _choice_values(field: Any, values: list[Any]) -> list[str]:
    options = [str(o.get("value")) for o in (field.config or {}).get("options") or []]
    unknown = [str(v) for v in values if str(v) not in options]
    if unknown or not values:
        raise refused(f"“{field.key}” is one of {', '.join(options)}; not {', '.join(unknown) or 'nothing'}.",
                      code="invalid_filter_value", field="filters")  # fmt: skip
    return [str(v) for v in values]


def _filter_check(row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(row, dict) or not {"field", "op", "value"} <= set(row):
        raise refused("A filter has a field, an operator and a value.", code="invalid_filter", field="filters")
    key, op, value = str(row["field"]), str(row["op"]), row["value"]
    field = fields.get(key)
    if field is None:
        names = ", ".join(k for k, f in fields.items() if any(f.type in types for _, types in OPERATORS.values()))
        raise refused(f"The form has no field “{key}” to filter on; it has {names or 'none'}.",
                      code="unknown_filter_field", field="filters")  # fmt: skip
    allowed = [name for name, (_, types) in OPERATORS.items() if field.type in types]
    if op not in allowed:
        raise refused(f"“{key}” ({field.get_type_display().lower()}) is filtered with {', '.join(allowed) or 'nothing'}"
                      f", not {op}.", code="invalid_filter_operator", field="filters")  # fmt: skip
    if field.type in CHOICES:
        chosen = _choice_values(field, value if isinstance(value, list) else [value])
        value = chosen if op == "in" else chosen[0]
    elif field.type in NUMBERS:
        value = _number(value, key)
    elif not isinstance(value, str) or not value.strip():
        raise refused(f"“{key}” contains some text: give it.", code="invalid_filter_value", field="filters")
    return {"field": key, "op": op, "value": value, "type": field.type}


def filters_check(filters: Any, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The filters, checked against `fields` ({key: FormField}) and normalised; raises the first refusal."""
    if not isinstance(filters, list):
        raise ValidationError({"filters": ValidationError("Filters are a list.", code="invalid_filter")})
    if len(filters) > MAX_FILTERS:
        raise refused(f"At most {MAX_FILTERS} filters.", code="too_many_filters", field="filters")
    return [_filter_check(row, fields) for row in filters]


def _number_of(key: str) -> Any:
    """The answer as a number in SQL; NULL when it is not one (CASE guards the cast)."""
    text = KeyTextTransform(key, "answers")
    return Case(When(Q(**{f"answers__{key}__regex": NUMERIC}), then=Cast(text, FloatField())),
                default=Value(None), output_field=FloatField())  # fmt: skip


def filter_conditions(filters: list[dict[str, Any]]) -> list[Any]:
    """The checked filters as conditions for `.filter(*conditions)` (ANDed)."""
    conditions: list[Any] = []
    for row in filters:
        key, op, value, kind = row["field"], row["op"], row["value"], row.get("type", "")
        path = f"answers__{key}"
        if kind == "multiple_choice":  # a list answer: it holds the value (or one of them)
            values = value if op == "in" else [value]
            condition = Q()
            for one in values:
                condition |= Q(**{f"{path}__contains": [one]})
            conditions.append(condition)
        elif kind in CHOICES:
            conditions.append(Q(**{f"{path}__in": value}) if op == "in" else Q(**{path: value}))
        elif kind in NUMBERS:
            conditions.append(COMPARE[op](_number_of(key), Value(float(value))))
        else:
            conditions.append(Q(**{f"{path}__icontains": value}))
    return conditions

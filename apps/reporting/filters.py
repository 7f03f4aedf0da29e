"""Filters of a report: on the dataset's dimensions (datasets.py `Dimension`: a leave type, a status, a person,
a severity...) and, for a report over one form's submissions, on the answers' values. A choice equals one value
or is one of several, a number compares with a value, a text contains a value. Checked by `filters_check`
(against the dataset's dimensions and the form's current fields), and applied in SQL by `filter_conditions`
(column lookups, or JSON lookups on `answers`; in the report's one query, never row by row).

A filter is `{"field": key, "op": op, "value": v}`; the check adds its `type` (the field's type or the
dimension's kind) and `on` (`answer` or `dimension`), so the query needs no second look at the form. When a
form's field and a dimension share a key, the form's field is meant (the form is the narrower choice). People
and records are stored by id (a person may be written as an email, a record by its name). The portal writes
filters one a line: `compliant = no`, `issues in damaged, wrong_place`, `shelf_share >= 40`, `notes contains
pallet`, `status in pending, approved`, `person = ana@example.com`, `leave_type = Annual leave`.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Case, FloatField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual

from apps.accounts.models import User
from apps.core.errors import refused

from .datasets import Dataset, Dimension

MAX_FILTERS = 10
CHOICES = ("single_choice", "multiple_choice")
NUMBERS = ("number", "rating", "computed")
TEXTS = ("text",)
PICKED = ("choice", "person", "record")  # dimensions whose value is one of a known set
OPERATORS = {  # operator → what it means, and the field types (and dimension kinds) it applies to
    "eq": ("equals", (*CHOICES, *NUMBERS, *PICKED, "yes_no")),
    "in": ("is one of", (*CHOICES, *PICKED)),
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


def filters_shown(filters: list[dict[str, Any]], dataset: Dataset) -> list[str]:
    """The filters as lines for people to read: dimensions by label, people by email, records by name, choices
    by label (one query for the people and one per kind of record named, whatever the number of filters)."""
    dimensions = {row["field"]: dataset.dimension(row["field"]) for row in filters if row.get("on") == "dimension"}
    wanted: dict[str, set[str]] = {}  # dimension key → the values named
    for row in filters:
        if dimensions.get(row["field"]) is not None:
            wanted.setdefault(row["field"], set()).update(_listed(row["value"]))
    used = [(dimension, wanted[key]) for key, dimension in dimensions.items() if dimension is not None]
    names: dict[tuple[str, str], str] = {}
    people = {v for dimension, values in used if dimension.kind == "person" for v in values}
    if people:
        found = User.objects.filter(pk__in=people).values_list("pk", "email")
        names.update((("person", str(pk)), email) for pk, email in found)
    for dimension, values in used:
        if dimension.kind == "record" and dimension.records is not None:
            rows = dimension.records().filter(pk__in=[int(v) for v in values if v.isdigit()])
            named = rows.values_list("pk", dimension.name_field)
            names.update(((dimension.key, str(pk)), str(name)) for pk, name in named)
        names.update(((dimension.key, value), label) for value, label in dimension.choices.items())

    def shown(row: dict[str, Any]) -> dict[str, Any]:
        dimension = dimensions.get(row["field"])
        if dimension is None or row.get("on") != "dimension":
            return row
        space = "person" if dimension.kind == "person" else dimension.key
        value = [names.get((space, v), v) for v in _listed(row["value"])]
        return {**row, "field": dimension.label.lower(), "value": value if row["op"] == "in" else value[0]}

    return filters_text([shown(row) for row in filters]).splitlines()


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


def operators_of(kind: str) -> list[str]:
    """The operators a field type or dimension kind takes."""
    return [name for name, (_, types) in OPERATORS.items() if kind in types]


def _unknown_field(key: str, fields: dict[str, Any] | None, dataset: Dataset | None) -> ValidationError:
    if fields is None and dataset is not None and dataset.form_field:
        return refused(f"“{key}” is not one of {dataset.label.lower()}'s dimensions; to filter on answers, choose "
                       "the form.", code="form_required", field="form")  # fmt: skip
    names = [d.key for d in (dataset.dimensions if dataset else ())]
    names += [k for k, f in (fields or {}).items() if operators_of(f.type)]
    return refused(f"There is no “{key}” to filter on; there is {', '.join(names) or 'nothing'}.",
                   code="unknown_filter_field", field="filters")  # fmt: skip


def _filter_check(row: Any, fields: dict[str, Any] | None, dataset: Dataset | None) -> dict[str, Any]:
    if not isinstance(row, dict) or not {"field", "op", "value"} <= set(row):
        raise refused("A filter has a field, an operator and a value.", code="invalid_filter", field="filters")
    key, op, value = str(row["field"]), str(row["op"]), row["value"]
    field = (fields or {}).get(key)
    dimension = dataset.dimension(key) if dataset and field is None else None
    if dimension is not None:
        return {**_dimension_check(dimension, op, value), "on": "dimension"}
    if field is None:
        raise _unknown_field(key, fields, dataset)
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
    return {"field": key, "op": op, "value": value, "type": field.type, "on": "answer"}


def _listed(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def _people(key: str, values: list[str]) -> list[str]:
    """Ids of people of this organisation (current or past members), given as ids or emails; one query."""
    ids = {v for v in values if _is_uuid(v)}
    emails = {v.lower() for v in values if v not in ids}
    schema = str(getattr(connection, "schema_name", ""))
    found = dict(User.objects.filter(Q(pk__in=ids) | Q(email__in=emails), memberships__tenant__schema_name=schema)
                 .values_list("email", "pk").distinct())  # fmt: skip
    known = {str(pk) for pk in found.values()} | {email.lower() for email in found}
    missing = [v for v in values if v.lower() not in known]
    if missing or not values:
        raise refused(f"“{key}” names people of this organisation; not {', '.join(missing) or 'nobody'}.",
                      code="unknown_person", field="filters")  # fmt: skip
    by_email = {email.lower(): str(pk) for email, pk in found.items()}
    return [by_email.get(v.lower()) or str(uuid.UUID(v)) for v in values]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _by_name(dimension: Dimension, found: list[tuple[int, Any]], names: list[str]) -> dict[str, int]:
    """The records named (any case); a name two records share is refused (its id says which)."""
    wanted, by_name = {name.lower() for name in names}, dict[str, int]()
    for pk, name in found:
        if str(name).lower() in wanted and by_name.setdefault(str(name).lower(), pk) != pk:
            raise refused(f"Several of this organisation's {dimension.label.lower()} records are named “{name}”: "
                          "give the id of the one meant.", code="invalid_filter_value", field="filters")  # fmt: skip
    return by_name


def _records(dimension: Dimension, values: list[str]) -> list[int]:
    """Ids of this organisation's records (a leave type, a checklist...), given as ids or names; one query."""
    assert dimension.records is not None
    if not values:
        raise refused(f"“{dimension.key}” names a {dimension.label.lower()}: give one.", code="invalid_filter_value",
                      field="filters")  # fmt: skip
    names = [v for v in values if not v.isdigit()]
    named = Q(pk__in={int(v) for v in values if v.isdigit()})
    for name in names:
        named |= Q(**{f"{dimension.name_field}__iexact": name})
    found = list(dimension.records().filter(named).values_list("pk", dimension.name_field))
    by_name = _by_name(dimension, found, names)
    chosen = [int(v) if v.isdigit() else by_name.get(v.lower()) for v in values]
    missing = [v for v, pk in zip(values, chosen, strict=True) if pk not in {pk for pk, _ in found}]
    if missing:
        raise refused(f"“{dimension.key}” names a {dimension.label.lower()} of this organisation (its id or "
                      f"name); not {', '.join(missing)}.", code="invalid_filter_value", field="filters")  # fmt: skip
    return [pk for pk in chosen if pk is not None]


def _dimension_value(dimension: Dimension, op: str, value: Any) -> Any:
    key, kind = dimension.key, dimension.kind
    if kind == "number":
        return _number(value, key)
    if kind == "text":
        if not isinstance(value, str) or not value.strip():
            raise refused(f"“{key}” contains some text: give it.", code="invalid_filter_value", field="filters")
        return value.strip()
    if kind == "yes_no":
        answer = str(value).strip().lower()
        if answer not in ("yes", "no", "true", "false"):
            raise refused(f"“{key}” is yes or no, not “{value}”.", code="invalid_filter_value", field="filters")
        return "yes" if answer in ("yes", "true") else "no"
    values = _listed(value)
    if kind == "person":
        chosen: list[Any] = _people(key, values)
    elif kind == "record":
        chosen = _records(dimension, values)
    else:
        unknown = [v for v in values if v not in dimension.choices]
        if unknown or not values:
            raise refused(f"“{key}” is one of {', '.join(dimension.choices)}; not {', '.join(unknown) or 'nothing'}.",
                          code="invalid_filter_value", field="filters")  # fmt: skip
        chosen = values
    return chosen if op == "in" else chosen[0]


def _dimension_check(dimension: Dimension, op: str, value: Any) -> dict[str, Any]:
    allowed = operators_of(dimension.kind)
    if op not in allowed:
        raise refused(f"“{dimension.key}” ({dimension.label.lower()}) is filtered with {', '.join(allowed)}, not {op}.",
                      code="invalid_filter_operator", field="filters")  # fmt: skip
    if op != "in" and isinstance(value, list):
        raise refused(f"“{dimension.key}” {op} takes one value; use “in” for several.", code="invalid_filter_value",
                      field="filters")  # fmt: skip
    return {"field": dimension.key, "op": op, "value": _dimension_value(dimension, op, value), "type": dimension.kind}


def filters_check(filters: Any, fields: dict[str, Any] | None, dataset: Dataset | None = None) -> list[dict[str, Any]]:
    """The filters, checked against the dataset's dimensions and `fields` ({key: FormField} of the chosen form;
    None: no form chosen) and normalised; raises the first refusal."""
    if not isinstance(filters, list):
        raise ValidationError({"filters": ValidationError("Filters are a list.", code="invalid_filter")})
    if len(filters) > MAX_FILTERS:
        raise refused(f"At most {MAX_FILTERS} filters.", code="too_many_filters", field="filters")
    return [_filter_check(row, fields, dataset) for row in filters]


def _number_of(key: str) -> Any:
    """The answer as a number in SQL; NULL when it is not one (CASE guards the cast)."""
    text = KeyTextTransform(key, "answers")
    return Case(When(Q(**{f"answers__{key}__regex": NUMERIC}), then=Cast(text, FloatField())),
                default=Value(None), output_field=FloatField())  # fmt: skip


def _dimension_condition(row: dict[str, Any], dataset: Dataset | None) -> Q:
    dimension = dataset.dimension(row["field"]) if dataset else None
    if dimension is None:  # a dimension since removed from the code: the report shows nothing, never everything
        return Q(pk__in=[])
    path, op, value = dimension.path, row["op"], row["value"]
    if dimension.kind == "yes_no":
        return Q(**{path: value == "yes"})
    if dimension.kind == "text":
        return Q(**{f"{path}__icontains": value})
    lookup = {"eq": "exact"}.get(op, op)  # in, lt, lte, gt, gte are Django's lookups too
    return Q(**{f"{path}__{lookup}": value})


def filter_conditions(filters: list[dict[str, Any]], dataset: Dataset | None = None) -> list[Any]:
    """The checked filters as conditions for `.filter(*conditions)` (ANDed)."""
    conditions: list[Any] = []
    for row in filters:
        if row.get("on") == "dimension":
            conditions.append(_dimension_condition(row, dataset))
            continue
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

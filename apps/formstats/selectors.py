"""Reading the rollups: per-field aggregates of one template (every version, by field key; a key whose type
changed between versions is one result per type), filtered by workplaces, person and period, grouped by
workplace, person, day, week or month.

A constant number of queries whatever the period or the number of submissions: the fields (one), the field
aggregates (one), the choice counts (one), the submission counts (one) and the group labels (one for
workplaces or people). Reads without a person go to the (workplace, day) rollup; with a person, or grouped by
person, to the (person, day) one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from apps.accounts.models import User
from apps.forms.models import FormField, FormTemplate
from apps.workplaces.models import Workplace

from .rollup import CHOICE_TYPES, FILE_TYPES, NUMERIC_TYPES

GROUPS = ("", "workplace", "person", "day", "week", "month")
GROUP_SQL = {
    "": "NULL::text",
    "workplace": "COALESCE(workplace_id, 0)::text",
    "person": "person_id::text",
    "day": "day::text",
    "week": "date_trunc('week', day)::date::text",
    "month": "date_trunc('month', day)::date::text",
}


@dataclass(frozen=True)
class AnalyticsQuery:
    """What to read. `workplace_ids` None = every workplace the caller may read; `person_id` narrows to one
    person; `date_from`/`date_to` are local days, both included."""

    template: FormTemplate
    workplace_ids: frozenset[int] | None = None
    person_id: Any = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    group_by: str = ""


@dataclass
class Figures:
    answered: int = 0
    total: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    choices: dict[str, int] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        self.answered += other.answered
        if other.total is not None:
            self.total = other.total if self.total is None else self.total + other.total
        self.low = other.low if self.low is None else min(x for x in (self.low, other.low) if x is not None)
        self.high = other.high if self.high is None else max(x for x in (self.high, other.high) if x is not None)
        for value, n in other.choices.items():
            self.choices[value] = self.choices.get(value, 0) + n

    @property
    def average(self) -> Decimal | None:
        return None if self.total is None or not self.answered else self.total / self.answered


@dataclass
class FieldResult:
    key: str
    type: str
    label: str
    position: int
    unit: str = ""
    options: list[dict[str, str]] = field(default_factory=list)
    overall: Figures = field(default_factory=Figures)
    groups: dict[str, Figures] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """How to show it: "numbers" (sum, average, range), "choices" (a distribution) or "answered"."""
        if self.type in NUMERIC_TYPES:
            return "numbers"
        if self.type in CHOICE_TYPES:
            return "choices"
        return "files" if self.type in FILE_TYPES else "answered"

    def choice_rows(self, figures: Figures | None = None) -> list[tuple[str, str, int]]:
        """(value, label, submissions) for every option (those never chosen too), then values no option has."""
        counts = (figures or self.overall).choices
        labels = {str(o.get("value")): str(o.get("label") or o.get("value")) for o in self.options}
        rows = [(value, label, counts.get(value, 0)) for value, label in labels.items()]
        rows += [(value, value, n) for value, n in sorted(counts.items()) if value not in labels]
        return rows


@dataclass
class Analytics:
    query: AnalyticsQuery
    submissions: int = 0
    groups: list[tuple[str, str]] = field(default_factory=list)  # (key, label), in order
    group_submissions: dict[str, int] = field(default_factory=dict)
    fields: list[FieldResult] = field(default_factory=list)


def template_fields(template: FormTemplate) -> list[FieldResult]:
    """One result per (key, type) over every version, labelled as in the newest version that has it, in the
    newest order (older keys after)."""
    rows = FormField.objects.filter(version__template=template).order_by("-version__number", "position")
    found: dict[tuple[str, str], FieldResult] = {}
    for f in rows.only("key", "type", "label", "position", "config"):
        if (f.key, f.type) not in found:
            config = f.config if isinstance(f.config, dict) else {}
            options = [o for o in config.get("options", []) if isinstance(o, dict)]
            found[(f.key, f.type)] = FieldResult(f.key, f.type, f.label, len(found), str(config.get("unit") or ""),
                                                 options)  # fmt: skip
    return list(found.values())


def _where(query: AnalyticsQuery) -> tuple[str, list[Any]]:
    clauses: list[str] = ["template_id = %s"]
    params: list[Any] = [query.template.pk]
    if query.workplace_ids is not None:
        clauses.append("workplace_id = ANY(%s::bigint[])")
        params.append(sorted(query.workplace_ids))
    if query.person_id is not None:
        clauses.append("person_id = %s")
        params.append(query.person_id)
    if query.date_from is not None:
        clauses.append("day >= %s")
        params.append(query.date_from)
    if query.date_to is not None:
        clauses.append("day <= %s")
        params.append(query.date_to)
    return " AND ".join(clauses), params


def _by_person(query: AnalyticsQuery) -> bool:
    return query.person_id is not None or query.group_by == "person"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def analytics_read(query: AnalyticsQuery) -> Analytics:
    if query.group_by not in GROUPS:
        raise ValueError(f"Unknown grouping {query.group_by!r}.")
    result = Analytics(query=query, fields=template_fields(query.template))
    by_key = {(f.key, f.type): f for f in result.fields}
    table = "formstats_fieldpersondayrollup" if _by_person(query) else "formstats_fielddayrollup"
    where, params = _where(query)
    group = GROUP_SQL[query.group_by]
    for key, type_, g, answered, total, low, high in _rows(
        f"SELECT field_key, field_type, {group}, sum(answered), sum(total), min(low), max(high) "
        f"FROM {table} WHERE {where} GROUP BY 1, 2, 3",
        params,
    ):
        _figures(by_key, result, key, type_, g).add(Figures(int(answered), total, low, high))
    for key, type_, g, value, n in _rows(
        f"SELECT field_key, field_type, {group}, c.key, sum(c.value::bigint) "
        f"FROM {table}, jsonb_each_text(choices) AS c WHERE {where} AND choices <> '{{}}'::jsonb "
        "GROUP BY 1, 2, 3, 4",
        params,
    ):
        _figures(by_key, result, key, type_, g).add(Figures(choices={value: int(n)}))
    for f in result.fields:
        for figures in f.groups.values():
            f.overall.add(figures)
    _submissions(query, result, where, params, group)
    return result


def _figures(by_key: dict[tuple[str, str], FieldResult], result: Analytics, key: str, type_: str, g: Any) -> Figures:
    found = by_key.get((key, type_))
    if found is None:  # a rollup row whose field no version has any more (cannot happen while versions stay)
        found = by_key[(key, type_)] = FieldResult(key, type_, key, len(result.fields))
        result.fields.append(found)
    return found.groups.setdefault(g or "", Figures())


def _submissions(query: AnalyticsQuery, result: Analytics, where: str, params: list[Any], group: str) -> None:
    counts = _rows(f"SELECT {group}, sum(submissions) FROM formstats_submissiondayrollup "
                   f"WHERE {where} GROUP BY 1", params)  # fmt: skip
    result.group_submissions = {g or "": int(n) for g, n in counts if n}
    result.submissions = sum(result.group_submissions.values())
    keys = set(result.group_submissions)
    for f in result.fields:
        keys |= set(f.groups)
    result.groups = _labelled(query.group_by, keys)


def _labelled(group_by: str, keys: set[str]) -> list[tuple[str, str]]:
    if group_by == "workplace":
        names = dict(Workplace.objects.filter(pk__in=[int(k) for k in keys if k != "0"]).values_list("pk", "name"))
        labelled = [(k, names.get(int(k), "No workplace") if k != "0" else "No workplace") for k in keys]
        return sorted(labelled, key=lambda pair: (pair[1].lower(), pair[0]))
    if group_by == "person":
        people = {str(pk): name or email for pk, name, email in
                  User.objects.filter(pk__in=list(keys)).values_list("pk", "full_name", "email")}  # fmt: skip
        return sorted(((k, people.get(k, k)) for k in keys), key=lambda pair: (pair[1].lower(), pair[0]))
    return [(k, k) for k in sorted(keys)] if group_by else [("", "All")]

"""The analytics as plain data (the API's JSON) and as rows for the CSV and XLSX exports (the same numbers as
the page and the API): one row per field and group, and one per choice of a choice field."""

import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from .selectors import Analytics, FieldResult, Figures


def number(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


def figures_data(f: FieldResult, figures: Figures, group: str | None, label: str) -> dict[str, Any]:
    choices = [{"value": v, "label": lbl, "count": n} for v, lbl, n in f.choice_rows(figures)] \
        if f.kind == "choices" else []  # fmt: skip
    return {"group": group, "label": label, "answered": figures.answered, "sum": number(figures.total),
            "average": number(figures.average), "min": number(figures.low), "max": number(figures.high),
            "choices": choices}  # fmt: skip


def analytics_data(result: Analytics) -> dict[str, Any]:
    """The JSON the endpoint answers (and the CSV/XLSX exports flatten)."""
    q = result.query
    grouped = bool(q.group_by)
    return {
        "template": q.template.pk, "name": q.template.name,
        "workplaces": sorted(q.workplace_ids) if q.workplace_ids is not None else None,
        "person": q.person_id, "from": q.date_from, "to": q.date_to, "group_by": q.group_by,
        "submissions": result.submissions,
        "groups": [{"group": g, "label": label, "submissions": result.group_submissions.get(g, 0)}
                   for g, label in result.groups] if grouped else [],
        "fields": [{
            "key": f.key, "type": f.type, "label": f.label, "unit": f.unit,
            "overall": figures_data(f, f.overall, None, "All"),
            "groups": [figures_data(f, f.groups.get(g, Figures()), g, label) for g, label in result.groups]
            if grouped else [],
        } for f in result.fields],
    }  # fmt: skip


HEADER = ["Field", "Key", "Type", "Group", "Submissions", "Answered", "Sum", "Average", "Min", "Max", "Choice",
          "Chosen"]  # fmt: skip


def analytics_rows(data: dict[str, Any]) -> Iterator[list[Any]]:
    yield HEADER
    submissions = {g["group"]: g["submissions"] for g in data["groups"]}
    for f in data["fields"]:
        for figures in [f["overall"], *f["groups"]]:
            count = data["submissions"] if figures["group"] is None else submissions.get(figures["group"], 0)
            base = [f["label"], f["key"], f["type"], figures["label"], count, figures["answered"], figures["sum"],
                    figures["average"], figures["min"], figures["max"]]  # fmt: skip
            if not figures["choices"]:
                yield [*base, None, None]
            for choice in figures["choices"]:
                yield [*base, choice["label"], choice["count"]]


def xlsx_bytes(data: dict[str, Any], *, title: str) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = "Analytics"
    for row in analytics_rows(data):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    book.properties.title = title[:200]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

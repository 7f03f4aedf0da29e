"""Figures of a load-test run (bench/load.py): Locust's CSV read back, written as CSV, JSON and an SVG chart.

No Django and no Locust here: plain files in, plain files out. The SVG is drawn by hand (matplotlib is not
a dependency): one row per request type, bars for p50, p95 and p99 on a common millisecond scale.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path
from typing import Any

AGGREGATED = "Aggregated"


@dataclass
class TypeFigures:
    """One request type ("<who>: <what>") over the run."""

    name: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    rps: float
    queries: int | None = None  # per request, from the in-process probe (bench/load.py)


def _number(row: dict[str, str], column: str) -> float:
    value = row.get(column, "") or "0"
    return 0.0 if value == "N/A" else float(value)


def stats_read(path: Path) -> tuple[list[TypeFigures], TypeFigures]:
    """Per-type rows and the aggregate of Locust's `<prefix>_stats.csv`."""
    rows, total = [], None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            figures = TypeFigures(
                name=row["Name"], requests=int(row["Request Count"]), errors=int(row["Failure Count"]),
                p50_ms=_number(row, "50%"), p95_ms=_number(row, "95%"), p99_ms=_number(row, "99%"),
                max_ms=_number(row, "Max Response Time"), rps=round(_number(row, "Requests/s"), 2),
            )  # fmt: skip
            if row["Name"] == AGGREGATED:
                total = figures
            else:
                rows.append(figures)
    if total is None:
        raise SystemExit(f"{path} has no Aggregated row: did Locust run at all? See its log.")
    return sorted(rows, key=lambda r: r.name), total


def failures_read(path: Path) -> list[dict[str, Any]]:
    """Locust's `<prefix>_failures.csv`: what failed, how often (the first 20 kinds)."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [
            {"name": row["Name"], "error": row["Error"][:300], "occurrences": int(row["Occurrences"])}
            for row in csv.DictReader(handle)
        ][:20]


def exceptions_read(path: Path) -> list[dict[str, Any]]:
    """Locust's `<prefix>_exceptions.csv`: errors raised in the scenario itself (counted as errors too)."""
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return [{"count": int(row["Count"]), "message": row["Message"][:300]} for row in csv.DictReader(handle)]


def csv_write(path: Path, rows: list[TypeFigures], total: TypeFigures) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(asdict(total)))
        writer.writeheader()
        for row in [*rows, total]:
            writer.writerow(asdict(row))


def json_write(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")


BAR_COLOURS = (("p50_ms", "#4c9be8"), ("p95_ms", "#f2a33a"), ("p99_ms", "#d9534f"))
LABEL_W, CHART_W, ROW_H, TOP = 290, 520, 34, 56


def _scale(rows: list[TypeFigures]) -> float:
    """A round upper bound for the millisecond axis (at least 100 ms: the goal line is always shown)."""
    top = max([100.0, *(r.p99_ms for r in rows)])
    step = next(s for s in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 60000) if s * 5 >= top)
    return float(step * 5)


def _bars(index: int, row: TypeFigures, scale: float) -> list[str]:
    y = TOP + index * ROW_H
    parts = [f'<text x="{LABEL_W - 8}" y="{y + 17}" text-anchor="end">{escape(row.name)}</text>']
    for offset, (field, colour) in enumerate(BAR_COLOURS):
        value = getattr(row, field)
        width = max(1.0, value / scale * CHART_W)
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 4 + offset * 9}" width="{width:.1f}" height="8" fill="{colour}">'
            f"<title>{escape(row.name)} {field[:3]}: {value:g} ms</title></rect>"
        )
    return parts


def _axis(rows: int, scale: float) -> list[str]:
    bottom = TOP + rows * ROW_H
    parts = []
    for tick in range(6):
        x = LABEL_W + tick * CHART_W / 5
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{bottom}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{scale * tick / 5:g}</text>')
    goal = LABEL_W + 100 / scale * CHART_W
    parts.append(f'<line x1="{goal:.1f}" y1="{TOP - 6}" x2="{goal:.1f}" y2="{bottom}" stroke="#333" '
                 'stroke-dasharray="4 3"><title>goal: p95 100 ms</title></line>')  # fmt: skip
    parts.append(f'<text x="{LABEL_W + CHART_W / 2}" y="{bottom + 34}" text-anchor="middle">milliseconds</text>')
    return parts


def _legend() -> list[str]:
    parts = []
    for n, (field, colour) in enumerate(BAR_COLOURS):
        x = LABEL_W + n * 90
        parts.append(f'<rect x="{x}" y="30" width="12" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16}" y="39">{field[:3]}</text>')
    parts.append(f'<text x="{LABEL_W + 270}" y="39">(dashed: the 100 ms goal)</text>')
    return parts


def svg_write(path: Path, rows: list[TypeFigures], title: str) -> None:
    scale = _scale(rows)
    height = TOP + len(rows) * ROW_H + 48
    width = LABEL_W + CHART_W + 30
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
        *_legend(),
        *_axis(len(rows), scale),
    ]
    for index, row in enumerate(rows):
        body += _bars(index, row, scale)
    path.write_text("\n".join([*body, "</svg>"]) + "\n")


def table(rows: list[TypeFigures], total: TypeFigures) -> str:
    """A Markdown table of the per-type figures (stderr, and pasted into docs/bench/load.md)."""
    lines = [
        "| request type | requests | errors | p50 ms | p95 ms | p99 ms | req/s | queries/request |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in [*rows, total]:
        queries = "" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.name} | {row.requests} | {row.errors} | {row.p50_ms:g} | {row.p95_ms:g} | {row.p99_ms:g} "
            f"| {row.rps:g} | {queries} |"
        )
    return "\n".join(lines)

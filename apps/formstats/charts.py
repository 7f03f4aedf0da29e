"""Server-side SVG charts for the analytics page: no script, nothing from another host, readable without
JavaScript and printable. Bars for distributions and groups; columns joined by a line over time."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe


def format_html(template: str, *args: Any) -> SafeString:
    """Django's format_html, but numbers keep their type so the template's format specs ({:.1f}) apply;
    every string is escaped."""
    return mark_safe(  # noqa: S308 - every string argument is escaped
        template.format(*(a if isinstance(a, int | float | Decimal) else conditional_escape(a) for a in args))
    )


WIDTH, BAR, GAP, LABEL_W, VALUE_W = 560, 18, 6, 170, 70
HEIGHT, COLUMN_AREA = 180, 140


def _text(value: Any) -> str:
    if isinstance(value, (Decimal, float)):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def bar_chart(rows: Sequence[tuple[str, Any]], *, title: str) -> SafeString:
    """Horizontal bars, one per (label, value); values of None are drawn empty."""
    top = max((float(v) for _, v in rows if v is not None), default=0.0) or 1.0
    span = WIDTH - LABEL_W - VALUE_W
    height = len(rows) * (BAR + GAP) + GAP
    parts = []
    for i, (label, value) in enumerate(rows):
        y = GAP + i * (BAR + GAP)
        width = 0 if value is None else max(1.0, span * float(value) / top) if float(value) > 0 else 0
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#444">{}</text>'
            '<rect x="{}" y="{}" width="{:.1f}" height="{}" fill="#4e79a7"><title>{}: {}</title></rect>'
            '<text x="{:.1f}" y="{}" font-size="11" fill="#222">{}</text>',
            LABEL_W - 6, y + BAR - 5, str(label)[:28], LABEL_W, y, width, BAR, label, _text(value) if value is not None
            else "—", LABEL_W + width + 4, y + BAR - 5, "—" if value is None else _text(value),
        ))  # fmt: skip
    return _svg(WIDTH, height, title, "".join(parts))


def time_chart(rows: Sequence[tuple[str, Any]], *, title: str) -> SafeString:
    """Columns over time (day, week or month) joined by a line through their tops."""
    values = [float(v) if v is not None else None for _, v in rows]
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    step = (WIDTH - 40) / max(1, len(rows))
    column = max(2.0, step * 0.7)
    parts, points = [], []
    for i, ((label, raw), value) in enumerate(zip(rows, values, strict=True)):
        x = 30 + i * step
        h = 0.0 if value is None else COLUMN_AREA * value / top
        parts.append(format_html(
            '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#4e79a7"><title>{}: {}</title></rect>',
            x, 10 + COLUMN_AREA - h, column, h, label, "—" if raw is None else _text(raw),
        ))  # fmt: skip
        if value is not None:
            points.append(f"{x + column / 2:.1f},{10 + COLUMN_AREA - h:.1f}")
    if len(points) > 1:
        parts.append(
            format_html('<polyline points="{}" fill="none" stroke="#e15759" stroke-width="2"/>', " ".join(points))
        )
    for i in sorted({0, len(rows) - 1}) if rows else []:
        anchor = "start" if i == 0 else "end"
        x = 30 + i * step + (0 if i == 0 else column)
        parts.append(format_html('<text x="{:.1f}" y="{}" text-anchor="{}" font-size="11" fill="#444">{}</text>',
                                 x, HEIGHT - 8, anchor, rows[i][0]))  # fmt: skip
    parts.append(format_html('<text x="2" y="18" font-size="11" fill="#222">{}</text>', _text(top)))
    return _svg(WIDTH, HEIGHT, title, "".join(parts))


def _svg(width: int, height: int, title: str, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every piece above is escaped by format_html
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="formstats-chart"><title>{escape(title)}</title>{body}</svg>'
    )

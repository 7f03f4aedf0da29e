"""A computed report (`datasets.ReportTable`) as a file: CSV, XLSX (openpyxl) or PDF (WeasyPrint, from
the same HTML table the portal shows). Each returns the file's bytes and its content type."""

import csv
import io
from typing import Any

from django.template.loader import render_to_string

from .datasets import ReportTable
from .models import ReportFormat

CONTENT_TYPES = {
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}


def _lines(table: ReportTable) -> list[list[Any]]:
    return [table.header, *([label, *values] for label, values in table.rows), ["Total", *table.totals]]


def render_csv(table: ReportTable) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in _lines(table):
        writer.writerow(["" if value is None else value for value in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def render_xlsx(table: ReportTable) -> bytes:
    from openpyxl import Workbook  # imported on use: only workers rendering XLSX pay for it
    from openpyxl.styles import Font

    book = Workbook()
    sheet: Any = book.active
    sheet.title = table.dataset.label[:31]
    sheet.append([table.title])
    sheet.append([f"{table.period_start:%d %b %Y} to {table.period_end:%d %b %Y}", ", ".join(table.workplaces)])
    sheet.append([])
    for line in _lines(table):
        sheet.append(line)
    bold = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[4]:
        cell.font = bold
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.column_dimensions["A"].width = 32
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render_html(table: ReportTable) -> str:
    return render_to_string("reporting/report_file.html", {"table": table})


def render_pdf(table: ReportTable) -> bytes:
    from weasyprint import HTML  # imported on use: loading Pango is not free

    return bytes(HTML(string=render_html(table)).write_pdf())


RENDERERS = {ReportFormat.CSV: render_csv, ReportFormat.XLSX: render_xlsx, ReportFormat.PDF: render_pdf}


def render(table: ReportTable, format: str) -> tuple[bytes, str]:
    return RENDERERS[ReportFormat(format)](table), CONTENT_TYPES[ReportFormat(format)]

"""The payroll CSV of overtime, streamed row by row (portal and API share it)."""

import csv
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from .models import OvertimeRecord
from .selectors import overtime_csv_rows


class _Echo:
    """A file-like object whose write returns the line (csv.writer writes into it)."""

    def write(self, value: str) -> str:
        return value


def overtime_csv_response(rows: QuerySet[OvertimeRecord], filename: str = "overtime.csv") -> StreamingHttpResponse:
    writer: Any = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in overtime_csv_rows(rows)),
                                     content_type="text/csv; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

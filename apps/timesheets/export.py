"""The CSV of time entries, streamed row by row (portal and API share it)."""

import csv
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from .models import TimeEntry
from .selectors import csv_rows


class _Echo:
    """A file-like object whose write returns the line (csv.writer writes into it)."""

    def write(self, value: str) -> str:
        return value


def entries_csv_response(entries: QuerySet[TimeEntry], filename: str = "time-entries.csv") -> StreamingHttpResponse:
    writer: Any = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in csv_rows(entries)),
                                     content_type="text/csv; charset=utf-8")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

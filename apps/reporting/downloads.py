"""A generated file as an HTTP download (the API, the portal and the signed link answer alike)."""

from typing import Any

from django.http import FileResponse

from .models import ReportFormat
from .rendering import CONTENT_TYPES


def file_response(report: Any) -> FileResponse:
    response = FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename,
                            content_type=CONTENT_TYPES[ReportFormat(report.format)])  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

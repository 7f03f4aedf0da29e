"""Portal: import the directory from a file. Upload -> dry-run report -> Import. Tenant admins only.

Between the report and the Import button, the uploaded text waits in the session under a one-time
token (files are at most 2 MB); committing validates it again, since the directory may have changed.
"""

import csv
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.surfaces.portal import TenantPortalView

from . import forms
from .formats import COLUMNS, rows_parse
from .forms import DirectoryImportForm
from .report import report_csv, summary_text
from .services import directory_import
from .validation import ImportPlan

SESSION_KEY = "directory_import"
SAMPLE_ROWS: list[dict[str, str]] = [
    {"record": "entity", "external_id": "OPS", "name": "Operations", "type": "group"},
    {
        "record": "entity", "external_id": "OPS-WH", "name": "Warehouse", "type": "department",
        "parent_external_id": "OPS",
    },
    {
        "record": "person", "external_id": "HR-1", "email": "jane.doe@example.com", "first_name": "Jane",
        "last_name": "Doe", "job_title": "Warehouse Manager", "employee_code": "A001", "entity_external_id": "OPS-WH",
    },
    {
        "record": "person", "external_id": "HR-2", "email": "sam.lee@example.com", "first_name": "Sam",
        "last_name": "Lee", "job_title": "Picker", "entity_external_id": "OPS-WH",
    },
    {"record": "reporting_line", "external_id": "HR-2", "manager_external_id": "HR-1"},
    {"record": "assignment", "external_id": "HR-1", "role": "manager", "scope_external_id": "OPS-WH"},
]  # fmt: skip


def _stored(request: HttpRequest, token: str) -> dict[str, Any] | None:
    stored = request.session.get(SESSION_KEY)
    valid = (
        isinstance(stored, dict) and token and secrets.compare_digest(str(stored.get("token")), token)
        and stored.get("tenant") == str(request.tenant.pk)  # type: ignore[attr-defined]
    )  # fmt: skip
    return stored if valid else None


def _run(request: HttpRequest, stored: dict[str, Any], *, commit: bool) -> ImportPlan:
    return directory_import(
        rows=rows_parse(stored["text"], stored["format"]), tenant=request.tenant,  # type: ignore[attr-defined]
        acting_user=request.user, commit=commit, source=stored["name"], max_changes=forms.MAX_PORTAL_CHANGES,
    )  # fmt: skip


def _preview(request: HttpRequest, plan: ImportPlan, stored: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {
        "plan": plan, "token": stored["token"], "file_name": stored["name"], "summary": summary_text(plan),
        "by_kind": plan.counts_by_kind(), "counts": plan.counts(),
    }  # fmt: skip
    return render(request, "organisation/import_preview.html", context, status=status)


class DirectoryImportUploadView(TenantPortalView):
    tenant_access = "admin"
    template_name = "organisation/import_upload.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": DirectoryImportForm(), "columns": COLUMNS})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = DirectoryImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "columns": COLUMNS}, status=400)
        stored = {
            "token": secrets.token_urlsafe(16), "tenant": str(request.tenant.pk),  # type: ignore[attr-defined]
            "name": form.cleaned_data["file"].name, "format": form.cleaned_data["file_format"], "text": form.text,
        }  # fmt: skip
        request.session[SESSION_KEY] = stored
        return _preview(request, _run(request, stored, commit=False), stored)


class DirectoryImportCommitView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        stored = _stored(request, request.POST.get("token", ""))
        if stored is None:
            messages.error(request, "That upload is no longer waiting to be imported. Upload the file again.")
            return HttpResponseRedirect(reverse("directory-import:upload"))
        plan = _run(request, stored, commit=True)
        if not plan.committed:
            return _preview(request, plan, stored, status=400)
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"Imported {stored['name']}: {summary_text(plan)}.")
        return HttpResponseRedirect(reverse("directory-import:upload"))


class DirectoryImportReportView(TenantPortalView):
    """The dry-run report of the waiting upload, as CSV."""

    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        stored = _stored(request, request.GET.get("token", ""))
        if stored is None:
            messages.error(request, "That upload is no longer available. Upload the file again.")
            return HttpResponseRedirect(reverse("directory-import:upload"))
        response = HttpResponse(report_csv(_run(request, stored, commit=False)), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="import-report.csv"'
        return response


class DirectoryImportSampleView(TenantPortalView):
    """A small CSV in the import format, to start from."""

    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="directory-sample.csv"'
        writer = csv.writer(response)
        writer.writerow(COLUMNS)
        for row in SAMPLE_ROWS:
            writer.writerow([row.get(column, "") for column in COLUMNS])
        return response

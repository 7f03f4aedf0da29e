"""Staff console: legal holds (placed and released with an audit entry) and the retention report per kind."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.accounts.staff_roles import is_super_admin
from apps.audit.services import audit_record

from .exports import tenant_export_request
from .models import LegalHold, RetentionRun, TenantExport, TenantExportStatus
from .retention import retention_kinds
from .services import export_path


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["tenant", "kind", "reason", "placed_by", "placed_at", "released_at"]
    list_filter = ["kind", ("released_at", admin.EmptyFieldListFilter)]
    fields = ["tenant", "kind", "reason", "placed_by", "placed_at", "released_by", "released_at"]
    readonly_fields = ["placed_by", "placed_at", "released_by", "released_at"]
    actions = ["release"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if not change:
            obj.placed_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        audit_record(
            action="legal_hold.placed" if not change else "legal_hold.changed",
            acting_user=request.user, tenant=obj.tenant, target=obj,
            after={"kind": obj.kind or "all", "reason": obj.reason},
        )  # fmt: skip

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a hold is released (and audited), never deleted

    @admin.action(description="Release the selected holds")
    @transaction.atomic
    def release(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        for hold in queryset.filter(released_at__isnull=True).select_related("tenant").order_by("pk"):
            hold.released_at, hold.released_by = timezone.now(), request.user  # type: ignore[assignment]
            hold.save(update_fields=["released_at", "released_by"])
            audit_record(action="legal_hold.released", acting_user=request.user, tenant=hold.tenant, target=hold)
        messages.success(request, "Released.")


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """The report: per kind its period, last run, rows removed and the holds; below, every run."""

    list_display = ["kind", "started_at", "finished_at", "cutoff", "rows_removed", "tenants_held"]
    list_filter = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        last = {run.kind: run for run in RetentionRun.objects.order_by("kind", "-started_at").distinct("kind")}
        holds = list(LegalHold.objects.filter(released_at__isnull=True).select_related("tenant"))
        report = [
            {
                "kind": kind,
                "last": last.get(kind.name),
                "holds": [h for h in holds if h.kind in ("", kind.name)],
            }
            for kind in retention_kinds()
        ]
        return super().changelist_view(request, {**(extra_context or {}), "retention_report": report})


@admin.register(TenantExport)
class TenantExportAdmin(admin.ModelAdmin):
    """Request a tenant archive (written by a task); only a super admin may request or download one."""

    list_display = ["tenant", "status", "requested_by", "requested_at", "finished_at", "size_bytes", "download"]
    list_filter = ["status"]
    fields = ["tenant"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: TenantExport, form: Any, change: bool) -> None:
        obj.pk = tenant_export_request(tenant=obj.tenant, acting_user=request.user).pk

    @admin.display(description="Archive")
    def download(self, obj: TenantExport) -> str:
        if obj.status != TenantExportStatus.DONE:
            return obj.error[:80] if obj.error else "-"
        return format_html('<a href="{}">download</a>', reverse("admin:backups_tenantexport_download", args=[obj.pk]))

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/download/", wrap(self.download_view), name="backups_tenantexport_download"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> FileResponse:
        if not is_super_admin(request.user):
            raise PermissionDenied
        export = get_object_or_404(TenantExport, pk=pk, status=TenantExportStatus.DONE)
        file = export_path(export)
        if not file.is_file():
            raise Http404("The archive file is gone.")
        audit_record(action="tenant.export_downloaded", acting_user=request.user, tenant=export.tenant, target=export)
        return FileResponse(file.open("rb"), as_attachment=True, filename=file.name)

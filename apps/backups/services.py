"""Writes of backups: the archive of a staff export request (run by the task, see exports.py)."""

import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .exporting import tenant_export
from .models import TenantExport, TenantExportStatus


def export_path(export: TenantExport) -> Path:
    return Path(settings.BACKUP_EXPORT_DIR) / export.file_name


def tenant_export_write(*, export_id: int) -> TenantExport:
    """Write the archive (idempotent: a finished export is left alone; a re-run rewrites the same file)."""
    export = TenantExport.objects.select_related("tenant").get(pk=export_id)
    if export.status == TenantExportStatus.DONE:
        return export
    try:
        token, manifest = tenant_export(schema_name=export.tenant.schema_name)
    except Exception as exc:
        TenantExport.objects.filter(pk=export.pk).update(status=TenantExportStatus.FAILED, error=str(exc)[:2000])
        raise
    export.file_name = f"{export.tenant.schema_name}/{export.tenant.schema_name}-{export.pk}.nfbak"
    path = export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(token)
    os.replace(partial, path)
    export.size_bytes, export.status, export.finished_at = len(token), TenantExportStatus.DONE, timezone.now()
    export.rows = sum(t["rows"] for section in manifest["tables"].values() for t in section.values())
    export.save(update_fields=["file_name", "size_bytes", "status", "finished_at", "rows"])
    return export

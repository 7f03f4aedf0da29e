"""Staff export requests: a super admin requests and downloads; other staff and tenant admins cannot."""

import pytest

from apps.audit.models import AuditEvent
from apps.backups.archive import archive_unpack
from apps.backups.models import TenantExport
from apps.backups.services import tenant_export_write

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _export_dir(settings, tmp_path):
    settings.BACKUP_EXPORT_DIR = str(tmp_path)


def test_a_super_admin_requests_an_export_and_downloads_the_archive(
    client, acme, platform_superuser, django_capture_on_commit_callbacks
):
    client.force_login(platform_superuser)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/admin/backups/tenantexport/add/", {"tenant": acme.pk}, HTTP_HOST="localhost")
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is sent after the commit
    export = TenantExport.objects.get(tenant=acme)
    assert AuditEvent.objects.filter(action="tenant.export_requested", tenant=acme).exists()
    tenant_export_write(export_id=export.pk)
    tenant_export_write(export_id=export.pk)  # a redelivered task changes nothing
    download = client.get(f"/admin/backups/tenantexport/{export.pk}/download/", HTTP_HOST="localhost")
    assert download.status_code == 200
    archive = archive_unpack(b"".join(download.streaming_content))
    assert archive.manifest["tenant"]["schema_name"] == acme.schema_name


def test_other_staff_and_tenant_admins_can_neither_request_nor_download(
    client, acme, platform_superuser, support_staff, acme_admin
):
    export = TenantExport.objects.create(tenant=acme, requested_by=platform_superuser)
    tenant_export_write(export_id=export.pk)
    for user in (support_staff, acme_admin):
        client.force_login(user)
        assert client.get(f"/admin/backups/tenantexport/{export.pk}/download/", HTTP_HOST="localhost").status_code in (
            302,
            403,
        )
        response = client.post("/admin/backups/tenantexport/add/", {"tenant": acme.pk}, HTTP_HOST="localhost")
        assert response.status_code in (302, 403)
        assert TenantExport.objects.count() == 1

"""The technical log admins: read-only for super admins; other staff and tenant people are refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.logs.models import ApiRequestLog, ApplicationError, LogArchive, OperationalAlert

pytestmark = pytest.mark.django_db

LISTS = ["/admin/logs/apirequestlog/", "/admin/logs/applicationerror/", "/admin/logs/logarchive/",
         "/admin/logs/operationalalert/"]  # fmt: skip


@pytest.fixture
def rows(acme):
    now = timezone.now()
    ApiRequestLog.objects.bulk_create([
        ApiRequestLog(created_at=now - timedelta(minutes=i), method="GET" if i % 2 else "POST",
                      path=f"/api/v1/p/{i}", status_code=200 if i % 3 else 500, duration_ms=i,
                      tenant=acme, correlation_id=f"corr-{i}") for i in range(30)])  # fmt: skip
    ApplicationError.objects.create(exception_class="builtins.ValueError", message="bad", fingerprint="f" * 64,
                                    correlation_id="corr-err", tenant=acme)  # fmt: skip
    OperationalAlert.objects.create(kind="audit_chain_broken", key="audit:x", message="broken")


@pytest.mark.parametrize("path", LISTS)
def test_super_admin_browses_every_log_list(platform_client, platform_superuser, rows, path):
    platform_client.force_login(platform_superuser)
    assert platform_client.get(path).status_code == 200


def test_request_log_filters_and_search_without_n_plus_one(
    platform_client, platform_superuser, rows, acme, django_assert_max_num_queries
):
    platform_client.force_login(platform_superuser)
    url = "/admin/logs/apirequestlog/"
    with django_assert_max_num_queries(30):
        page = platform_client.get(url, {"status_class": "5", "method": "POST", "tenant": str(acme.pk)})
    body = page.content.decode()
    assert page.status_code == 200 and "/api/v1/p/0" in body and "/api/v1/p/1<" not in body
    found = platform_client.get(url, {"q": "corr-7"}).content.decode()
    assert "/api/v1/p/7" in found and "/api/v1/p/8" not in found
    page_2 = platform_client.get(url, {"created_at__gte": "2000-01-01 00:00:00+00:00"})
    assert page_2.status_code == 200


def test_log_rows_cannot_be_changed_or_deleted(platform_client, platform_superuser, rows):
    platform_client.force_login(platform_superuser)
    row = ApiRequestLog.objects.first()
    assert platform_client.get("/admin/logs/apirequestlog/add/").status_code == 403
    assert platform_client.post(f"/admin/logs/apirequestlog/{row.pk}/delete/").status_code == 403
    assert ApiRequestLog.objects.filter(pk=row.pk).exists()


def test_super_admin_resolves_an_alert(platform_client, platform_superuser, rows):
    platform_client.force_login(platform_superuser)
    alert = OperationalAlert.objects.get()
    platform_client.post("/admin/logs/operationalalert/", {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.resolved_at is not None


@pytest.mark.parametrize("path", LISTS)
def test_support_reads_the_logs_and_billing_staff_are_refused(
    platform_client, support_staff, billing_staff, rows, path
):
    """Support answers tickets with the logs (read-only); billing staff have no business there."""
    platform_client.force_login(support_staff)
    assert platform_client.get(path).status_code == 200
    platform_client.force_login(billing_staff)
    assert platform_client.get(path).status_code == 403


def test_support_cannot_resolve_an_alert(platform_client, support_staff, rows):
    platform_client.force_login(support_staff)
    alert = OperationalAlert.objects.get()
    platform_client.post("/admin/logs/operationalalert/", {"action": "resolve", "_selected_action": [alert.pk]})
    alert.refresh_from_db()
    assert alert.resolved_at is None


@pytest.mark.parametrize("path", LISTS)
def test_tenant_people_never_reach_the_log_admin(platform_client, acme_admin, acme_client, path):
    platform_client.force_login(acme_admin)
    assert platform_client.get(path).status_code in (302, 403)
    acme_client.force_login(acme_admin)
    assert acme_client.get(path).status_code in (302, 403, 404)


def test_archive_manifest_list_shows_status(platform_client, platform_superuser):
    now = timezone.now()
    LogArchive.objects.create(table="auth_event", range_start=now - timedelta(days=1), range_end=now)
    platform_client.force_login(platform_superuser)
    assert "Pending" in platform_client.get("/admin/logs/logarchive/").content.decode()

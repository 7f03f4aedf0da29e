"""API request logging: buffered in Redis by the middleware (no query), written by the flush task."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.logs.buffer import buffer_client, buffer_flush, buffer_push
from apps.logs.middleware import ApiRequestLogMiddleware
from apps.logs.models import ApiRequestLog
from apps.logs.tasks import flush_api_requests

pytestmark = pytest.mark.django_db


def _buffered(settings) -> int:
    client = buffer_client()
    assert client is not None  # REDIS_URL is set under test settings
    return client.llen(settings.API_REQUEST_LOG_BUFFER_KEY)


def test_tenant_api_request_is_logged_after_flush_with_tenant_user_and_correlation_id(
    acme_client, acme_admin, acme, settings
):
    acme_client.force_login(acme_admin)
    response = acme_client.get("/api/v1/tenant/?token=secret", HTTP_X_REQUEST_ID="req-logs-1")
    assert response.status_code == 200
    assert _buffered(settings) == 1
    assert flush_api_requests() == 1
    row = ApiRequestLog.objects.get(correlation_id="req-logs-1")
    assert (row.method, row.path, row.status_code) == ("GET", "/api/v1/tenant/", 200)
    assert row.tenant_id == acme.pk and row.user_id == acme_admin.pk and row.api_key_prefix == ""
    assert "secret" not in row.path
    assert _buffered(settings) == 0


def test_api_key_requests_record_the_key_prefix_not_a_user(acme_client, acme, acme_admin, settings):
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create

    with tenant_context(acme):
        key, secret = api_key_create(name="Log probe", scopes=["members:read"], acting_user=acme_admin)
    acme_client.get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Api-Key {secret}", HTTP_X_REQUEST_ID="req-key-1")
    buffer_flush()
    row = ApiRequestLog.objects.get(correlation_id="req-key-1")
    assert row.api_key_prefix == key.prefix and row.user_id is None and row.tenant_id == acme.pk


def test_portal_pages_are_not_logged(acme_client, acme_admin, settings):
    acme_client.force_login(acme_admin)
    acme_client.get("/manage/")
    assert _buffered(settings) == 0


def test_the_middleware_does_no_database_query(acme, acme_admin, settings):
    request = RequestFactory().get("/api/v1/tenant/", HTTP_USER_AGENT="probe")
    request.tenant = acme
    request.user = acme_admin
    request.correlation_id = "req-noquery"
    middleware = ApiRequestLogMiddleware(lambda r: HttpResponse(status=201))
    with CaptureQueriesContext(connection) as queries:
        middleware(request)
    assert len(queries) == 0
    assert _buffered(settings) == 1


def test_sampling_drops_successes_but_always_keeps_errors(settings):
    settings.API_REQUEST_LOG_SAMPLE_RATE = 0.0
    request = RequestFactory().get("/api/v1/anything/")
    ApiRequestLogMiddleware(lambda r: HttpResponse(status=200))(request)
    assert _buffered(settings) == 0
    ApiRequestLogMiddleware(lambda r: HttpResponse(status=500))(request)
    ApiRequestLogMiddleware(lambda r: HttpResponse(status=404))(request)
    assert _buffered(settings) == 2
    assert buffer_flush() == 2
    assert sorted(ApiRequestLog.objects.values_list("status_code", flat=True)) == [404, 500]


def test_flush_drains_in_batches_and_skips_malformed_entries(settings):
    for i in range(25):
        buffer_push({"created_at": "2026-11-20T10:00:00+00:00", "method": "GET", "path": f"/api/v1/x/{i}",
                     "status_code": 200, "duration_ms": 3, "tenant_id": None, "user_id": None,
                     "api_key_prefix": "", "correlation_id": f"c{i}", "ip_address": "not-an-ip",
                     "user_agent": ""})  # fmt: skip
    buffer_client().rpush(settings.API_REQUEST_LOG_BUFFER_KEY, b"{not json")
    assert buffer_flush(batch_size=10) == 25
    assert ApiRequestLog.objects.filter(ip_address__isnull=True).count() == 25
    assert _buffered(settings) == 0


def test_a_redis_failure_never_breaks_the_request(monkeypatch, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    from apps.logs import buffer

    buffer._client.cache_clear()
    try:
        response = ApiRequestLogMiddleware(lambda r: HttpResponse(status=200))(RequestFactory().get("/api/v1/x/"))
    finally:
        buffer._client.cache_clear()
    assert response.status_code == 200

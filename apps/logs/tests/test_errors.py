"""Application errors from requests and Celery tasks: traceback, correlation id, never raising."""

import pytest
from django.core.signals import got_request_exception
from django.test import RequestFactory

from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.logs.errors import application_error_record, on_task_failure
from apps.logs.models import ApplicationError

pytestmark = pytest.mark.django_db


def _boom() -> None:
    raise ValueError("the widget broke")


def test_request_exception_is_recorded_with_traceback_correlation_and_tenant(acme, acme_admin):
    request = RequestFactory().post("/manage/things/?secret=1")
    request.tenant, request.user = acme, acme_admin
    token = set_correlation_id("req-err-1")
    try:
        try:
            _boom()
        except ValueError:
            got_request_exception.send(sender=None, request=request)
    finally:
        reset_correlation_id(token)
    error = ApplicationError.objects.get(correlation_id="req-err-1")
    assert error.exception_class == "builtins.ValueError" and error.message == "the widget broke"
    assert "_boom" in error.traceback and error.path == "/manage/things/" and error.method == "POST"
    assert error.tenant_id == acme.pk and error.user_id == acme_admin.pk and error.source == "request"
    assert len(error.fingerprint) == 64


def test_same_error_from_the_same_place_shares_a_fingerprint():
    errors = []
    for _ in range(2):
        try:
            _boom()
        except ValueError as exc:
            errors.append(application_error_record(exc=exc))
    assert errors[0].fingerprint == errors[1].fingerprint


def test_a_server_error_through_the_test_client_is_recorded(platform_client, monkeypatch):
    from apps.core import views

    def broken(request):
        raise RuntimeError("health exploded")

    monkeypatch.setattr(views, "healthz", broken)
    # The URLconf captured the original function: patch the resolved pattern's callback instead.
    from django.urls import get_resolver

    resolver = get_resolver("config.urls.platform")
    pattern = next(p for p in resolver.url_patterns if getattr(p, "name", "") == "healthz")
    monkeypatch.setattr(pattern, "callback", broken)
    platform_client.raise_request_exception = False
    response = platform_client.get("/healthz", HTTP_X_REQUEST_ID="req-500")
    assert response.status_code == 500
    assert ApplicationError.objects.filter(correlation_id="req-500", exception_class="builtins.RuntimeError").exists()


def test_task_failure_is_recorded_with_the_task_name():
    class FakeTask:
        name = "billing.run"

    try:
        _boom()
    except ValueError as exc:
        on_task_failure(sender=FakeTask(), task_id="t1", exception=exc, traceback=exc.__traceback__)
    error = ApplicationError.objects.get(path="billing.run")
    assert error.source == "task" and "_boom" in error.traceback


def test_recording_never_raises_even_when_the_insert_fails(monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ApplicationError.objects, "create", fail)
    try:
        _boom()
    except ValueError as exc:
        assert application_error_record(exc=exc) is None
        on_task_failure(sender=None, exception=exc)
    got_request_exception.send(sender=None, request=None)

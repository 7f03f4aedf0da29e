import logging

import pytest

from apps.core.correlation import CorrelationIdFilter, clean_correlation_id, reset_correlation_id, set_correlation_id

pytestmark = pytest.mark.django_db


def test_a_request_id_from_the_caller_is_echoed(platform_client):
    response = platform_client.get("/admin/login/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_a_missing_or_unsafe_request_id_is_replaced(platform_client):
    generated = platform_client.get("/admin/login/")["X-Request-ID"]
    assert len(generated) == 32
    unsafe = platform_client.get("/admin/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert unsafe != "bad id\nwith newline" and len(unsafe) == 32


def test_log_records_carry_the_correlation_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = set_correlation_id("log-77")
    try:
        CorrelationIdFilter().filter(record)
    finally:
        reset_correlation_id(token)
    assert record.correlation_id == "log-77"


def test_clean_correlation_id_limits_length():
    assert clean_correlation_id("a" * 128) == "a" * 128
    assert clean_correlation_id("a" * 129) != "a" * 129

"""/healthz is liveness (no dependency), /readyz readiness (database, broker, migrations); neither
shows exception text, and both answer on the platform and on tenants' domains without sign-in."""

import logging

import pytest

from apps.core import health

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("client_name", ["platform_client", "acme_client"])
def test_healthz_is_liveness_only_and_answers_even_when_the_broker_is_down(request, client_name, broker_down):
    response = request.getfixturevalue(client_name).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("client_name", ["platform_client", "acme_client"])
def test_readyz_is_ok_when_everything_answers(request, client_name):
    response = request.getfixturevalue(client_name).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "migrations": "ok"}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_answers_503_without_the_detail_which_is_logged_with_the_request_id(
    platform_client, broker_down, caplog
):
    with caplog.at_level(logging.WARNING, logger="apps.core.health"):
        response = platform_client.get("/readyz", HTTP_X_REQUEST_ID="ready-1")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "broker": "error", "migrations": "ok"}}
    assert b"127.0.0.1" not in response.content and b"Error" not in response.content
    (record,) = [r for r in caplog.records if r.name == "apps.core.health"]
    assert "broker" in record.getMessage() and record.exc_info is not None
    assert record.correlation_id == "ready-1"


def test_readyz_answers_503_when_migrations_are_pending(platform_client, monkeypatch):
    monkeypatch.setattr(health, "_pending", lambda schema: 1 if schema == "public" else 0)
    response = platform_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "error"


def test_readyz_stays_open_on_a_suspended_tenant(acme, acme_client):
    from apps.tenancy.models import Tenant

    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.SUSPENDED)
    acme.refresh_from_db()
    assert acme_client.get("/readyz").status_code == 200
    assert acme_client.get("/healthz").status_code == 200


def test_only_get_is_answered(platform_client):
    assert platform_client.post("/healthz").status_code == 405
    assert platform_client.post("/readyz").status_code == 405

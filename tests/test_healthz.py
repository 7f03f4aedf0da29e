import pytest

from config.celery import app

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_everything_answers(platform_client):
    response = platform_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "migrations": "ok"}}


def test_healthz_answers_503_when_the_broker_is_down(platform_client, monkeypatch):
    # Port 9 (discard) has nothing listening here: a real connection attempt that is refused.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    monkeypatch.setattr(app.conf, "broker_write_url", None)
    response = platform_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"].startswith("error")
    assert body["checks"]["database"] == "ok"


def test_healthz_answers_503_when_migrations_are_pending(platform_client, monkeypatch):
    from apps.core import health

    monkeypatch.setattr(health, "_pending", lambda schema: 1 if schema == "public" else 0)
    response = platform_client.get("/healthz")
    assert response.status_code == 503
    assert "not applied" in response.json()["checks"]["migrations"]

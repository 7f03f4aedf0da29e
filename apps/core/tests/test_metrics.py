"""/metrics: refused without its bearer token (never open), counted by route name (never the raw
path), no label per tenant or user, Celery outcomes and queue depth, job durations, backlogs, and
several processes merged through PROMETHEUS_MULTIPROC_DIR."""

import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from prometheus_client import REGISTRY

from apps.tenancy.models import ProvisioningJob
from config.celery import app
from tests.utils import subprocess_env

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", text, re.MULTILINE)
    assert match, f"{sample} not in the scrape"
    return float(match.group(1))


def test_without_a_configured_token_metrics_are_closed(platform_client, settings):
    settings.METRICS_TOKEN = ""
    response = platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 503
    assert response.json()["code"] == "metrics_disabled" and "METRICS_TOKEN" in response.json()["detail"]


def test_a_scrape_without_the_token_is_refused_with_a_clear_message(platform_client, metrics_token):
    missing = platform_client.get("/metrics")
    assert missing.status_code == 401 and missing.json()["code"] == "metrics_token_missing"
    assert missing["WWW-Authenticate"].startswith("Bearer")
    basic = platform_client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}")
    assert basic.status_code == 401
    wrong = platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403 and wrong.json()["detail"] == "The metrics token is wrong."


def test_metrics_are_not_served_on_a_tenants_domain(acme_client, metrics_token):
    assert acme_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_requests_are_counted_by_route_name_never_by_path_nor_tenant(platform_client, acme_client, metrics_token):
    platform_client.get("/healthz")
    acme_client.get("/healthz")
    acme_client.get("/no-such-page-4711")
    text = scrape(platform_client)
    assert value(text, 'nidia_http_requests_total{method="GET",route="healthz",status="200"}') >= 2
    assert value(text, 'nidia_http_requests_total{method="GET",route="unmatched",status="404"}') >= 1
    assert value(text, 'nidia_http_request_duration_seconds_count{method="GET",route="healthz"}') >= 2
    assert "no-such-page-4711" not in text and "t_acme" not in text and "acme" not in text
    labels = set(re.findall(r"[{,](\w+)=", text))
    assert not labels & {"tenant", "schema", "user", "user_id", "path"}


def test_an_unknown_method_does_not_add_a_series(platform_client, metrics_token):
    platform_client.generic("BREW", "/healthz")
    text = scrape(platform_client)
    assert "BREW" not in text and 'method="other"' in text


def test_celery_outcomes_are_counted_per_task():
    from tests.sample_app.tasks import tick

    def succeeded() -> float:
        return (
            REGISTRY.get_sample_value("nidia_celery_tasks_total", {"task": "sample.tick", "outcome": "succeeded"}) or 0
        )

    before = succeeded()
    assert tick.apply().get() == "tick"
    assert succeeded() == before + 1
    assert REGISTRY.get_sample_value("nidia_celery_task_duration_seconds_count", {"task": "sample.tick"}) >= 1


def test_queue_depth_is_read_from_the_broker_at_scrape_time(platform_client, metrics_token):
    queue = app.conf.task_default_queue
    app.control.purge()
    try:
        for _ in range(3):
            app.send_task("sample.tick", queue=queue)  # no worker consumes the test queue here
        text = scrape(platform_client)
        assert value(text, f'nidia_celery_queue_depth{{queue="{queue}"}}') == 3
        assert value(text, 'nidia_metrics_source_up{source="celery_queues"}') == 1
    finally:
        app.control.purge()


def test_backlogs_are_reported_by_their_apps(platform_client, metrics_token):
    text = scrape(platform_client)
    assert value(text, "nidia_webhook_deliveries_due") >= 0
    assert value(text, "nidia_notification_tenants_due") >= 0
    assert value(text, 'nidia_metrics_source_up{source="webhooks.metrics.backlog_metrics"}') == 1
    assert value(text, 'nidia_metrics_source_up{source="notifications.metrics.backlog_metrics"}') == 1


def test_a_broken_source_is_reported_down_and_the_rest_still_answers(platform_client, metrics_token, monkeypatch):
    from apps.core import metrics

    def broken(names):
        raise ConnectionError("broker gone")

    monkeypatch.setattr(metrics, "celery_queue_depths", broken)
    text = scrape(platform_client)
    assert value(text, 'nidia_metrics_source_up{source="celery_queues"}') == 0
    assert "broker gone" not in text and "nidia_http_requests_total" in text


def test_a_billing_run_and_a_finished_provisioning_job_are_timed(acme):
    from apps.billing.run import billing_run

    def count(job: str) -> float:
        labels = {"job": job, "outcome": "succeeded"}
        return REGISTRY.get_sample_value("nidia_job_duration_seconds_count", labels) or 0

    runs, jobs = count("billing_run"), count("provisioning")
    billing_run()
    now = timezone.now()
    job = ProvisioningJob.objects.create(tenant=acme, status="running", started_at=now - timedelta(seconds=42))
    job.save(update_fields=["status"])  # progress, not the end
    job.status, job.finished_at = "succeeded", now
    job.save(update_fields=["status", "finished_at"])
    assert count("billing_run") == runs + 1 and count("provisioning") == jobs + 1
    assert (
        REGISTRY.get_sample_value("nidia_job_duration_seconds_sum", {"job": "provisioning", "outcome": "succeeded"})
        >= 42
    )


def test_several_processes_are_merged_in_multiprocess_mode(tmp_path):
    """Two processes count, a third (the one answering /metrics) sees both: what gunicorn workers do."""
    env = subprocess_env(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    count = "from apps.core.metrics import HTTP_REQUESTS as c; c.labels('mp', 'GET', '200').inc()"
    scrape = "from apps.core.metrics import scrape_text; print(scrape_text().decode())"
    for code in (count, count):
        command = [sys.executable, "manage.py", "shell", "-c", code]
        subprocess.run(command, cwd=settings.BASE_DIR, env=env, check=True)  # noqa: S603 - our own code
    result = subprocess.run(  # noqa: S603 - our own code
        [sys.executable, "manage.py", "shell", "-c", scrape],
        cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert value(result.stdout, 'nidia_http_requests_total{method="GET",route="mp",status="200"}') == 2

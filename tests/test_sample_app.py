"""Issue 12, item 10: an app plugs in without editing any other app.

tests/sample_app exists only under test settings (its one line in config/settings/test.py is the only
change outside it). Everything below comes from its contributions.py alone.
"""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask as BeatTask
from django_tenants.utils import tenant_context

from apps.audit.services import audit_record
from apps.core.contributions import DemoStep, contributions
from apps.integrations.services import api_key_create
from apps.timeline.selectors import timeline_page, timeline_sources
from apps.timeline.sources import STAFF, TENANT
from apps.webhooks.catalogue import event_types, sample_payload_builder
from apps.webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def test_its_portal_page_answers_a_tenant_admin_and_is_in_the_menu(acme_client, acme_admin, acme_member):
    url = reverse("sample:index", urlconf="config.urls.tenant")
    assert url == "/manage/sample/"
    acme_client.force_login(acme_admin)
    response = acme_client.get(url)
    assert response.status_code == 200 and "Sample page" in response.content.decode()
    assert [item["label"] for item in response.context["portal_nav"] if item["current"]] == ["Sample"]
    acme_client.force_login(acme_member)  # admin_only: a plain member is neither served nor offered it
    assert acme_client.get(url).status_code == 403
    menu = acme_client.get("/manage/").context["portal_nav"]
    assert "Sample" not in [item["label"] for item in menu]


def test_its_api_endpoint_takes_a_key_with_its_scope_and_refuses_others(acme, acme_client, acme_admin):
    with tenant_context(acme):
        _, with_scope = api_key_create(name="Sample reader", scopes=["sample:read"], acting_user=acme_admin)
        _, without = api_key_create(name="Members reader", scopes=["members:read"], acting_user=acme_admin)
    response = acme_client.get("/api/v1/sample/", HTTP_AUTHORIZATION=f"Api-Key {with_scope}")
    assert response.status_code == 200 and response.json() == {"sample": True}
    response = acme_client.get("/api/v1/sample/", HTTP_AUTHORIZATION=f"Api-Key {without}")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_its_webhook_event_is_in_the_catalogue_and_can_be_subscribed(acme, acme_admin):
    assert event_types()["sample.happened"] == "Something happened in the sample app."
    assert sample_payload_builder("sample.happened")() == {"sample": True}
    endpoint, _ = webhook_endpoint_create(tenant=acme, url="https://hooks.example.com/sample",
                                          enabled_events=["sample.happened"], acting_user=acme_admin)  # fmt: skip
    assert endpoint.enabled_events == ["sample.happened"]


def test_its_source_feeds_the_timeline(acme, acme_admin):
    assert "sample" in [source.name for source in timeline_sources(tenant=acme, audience=TENANT)]
    audit_record(action="sample.happened", tenant=acme, acting_user=acme_admin)
    entries = timeline_page(tenant=acme, audience=STAFF, limit=20).entries
    assert "Sample: sample.happened" in [entry.summary for entry in entries if entry.source == "sample"]


def test_its_block_is_on_the_staff_dashboard(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    page = platform_client.get("/admin/").content.decode()
    assert 'id="dashboard-sample"' in page and "Hello from the sample app" in page
    assert page.index('id="dashboard-failures"') < page.index('id="dashboard-sample"')  # after the built-in ones


def test_its_demo_step_runs_with_seed_demo():
    from apps.backoffice.management.commands.seed_demo import Command
    from tests.sample_app import demo

    assert "sample" in [step.name for step in contributions(DemoStep)]
    demo.RUNS.clear()
    Command()._operations()  # the apps' demo steps, as seed_demo runs them after the demo tenants exist
    assert demo.RUNS == ["sample"]


def test_its_periodic_task_is_synced_into_beat_and_registered():
    from django.core.management import call_command

    from config.celery import app

    call_command("schedules_sync", verbosity=0)
    row = BeatTask.objects.get(name="sample.tick")
    assert row.task == "sample.tick" and row.enabled and (row.interval.every, row.interval.period) == (1, "hours")
    app.loader.import_default_modules()
    assert "sample.tick" in app.tasks

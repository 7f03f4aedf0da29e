"""The API and the portal: who sees and does what, coded refusals, API keys by scope, the signed download
and confirmation pages, and query counts on lists."""

import datetime
import uuid

from django.test import Client
from django_tenants.utils import tenant_context

from apps.integrations.services import api_key_create
from apps.reporting import links, services
from apps.reporting.models import ReportDefinition, ReportRun, ReportSchedule

from .conftest import API, HOST, api, attendance, definition


def _portal(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_api_definition_lifecycle_data_and_generate(rep, sent_tasks, django_capture_on_commit_callbacks):
    client = api(rep.rae)
    with tenant_context(rep.tenant):
        attendance(rep.rae, datetime.date(2026, 3, 3), rep.site)
    datasets = client.get(f"{API}datasets/").json()
    assert {d["key"] for d in datasets} >= {"attendance", "leave", "tasks", "incidents", "inspections", "work_orders"}
    body = {"name": "Hours", "dataset": "attendance", "grouping": "person", "period": "fixed",
            "period_start": "2026-03-02", "period_end": "2026-03-08", "workplaces": [rep.site.pk]}  # fmt: skip
    made = client.post(f"{API}definitions/", body, format="json")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["workplaces"] == [rep.site.pk] and made.json()["columns"][0] == "days"
    refused = client.post(f"{API}definitions/", {**body, "grouping": "colour"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_grouping"
    data = client.get(f"{API}definitions/{pk}/data/").json()
    assert data["rows"] == [{"group": "Rae", "values": [1, 8.0, 0, 0, 0.0]}] and data["time_zone"] == "Australia/Sydney"
    changed = client.patch(f"{API}definitions/{pk}/", {"grouping": "day"}, format="json")
    assert changed.status_code == 200 and changed.json()["grouping"] == "day"
    client_id = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(f"{API}definitions/{pk}/generate/", {"format": "xlsx", "client_id": client_id},
                             format="json")  # fmt: skip
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    again = client.post(f"{API}definitions/{pk}/generate/", {"format": "xlsx", "client_id": client_id}, format="json")
    assert again.status_code == 200 and again.json()["id"] == queued.json()["id"]
    assert sent_tasks == [("reporting.run_execute", [rep.tenant.schema_name, queued.json()["id"]], 0)]
    with tenant_context(rep.tenant):
        services.run_execute(run_id=queued.json()["id"])
    run = client.get(f"{API}runs/{queued.json()['id']}/").json()
    assert run["status"] == "done" and run["report"]["format"] == "xlsx"
    download = client.get(run["report"]["download_url"])
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.delete(f"{API}definitions/{pk}/").status_code == 204


def test_api_schedules_refusals_pause_resume(rep):
    client = api(rep.rae)
    with tenant_context(rep.tenant):
        pk = definition(rep.rae).pk
    body = {"definition": pk, "rrule": "FREQ=WEEKLY;BYDAY=MO", "starts_at": "2030-01-07T08:00:00",
            "people": [str(rep.rae.pk)], "format": "pdf"}  # fmt: skip
    made = client.post(f"{API}schedules/", body, format="json")
    assert made.status_code == 201, made.content
    schedule = made.json()
    assert schedule["time_zone"] == "Australia/Sydney" and schedule["next_run_at"].startswith("2030-01-06T21:00")
    nobody = client.post(f"{API}schedules/", {**body, "people": []}, format="json")
    assert nobody.status_code == 400 and nobody.json()["code"] == "recipients_required"
    never = client.post(f"{API}schedules/", {**body, "rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31"}, format="json")
    assert never.status_code == 400 and never.json()["code"] == "empty_rrule"
    stranger = client.post(f"{API}schedules/", {**body, "people": [str(uuid.uuid4())]}, format="json")
    assert stranger.status_code == 400 and stranger.json()["code"] == "unknown_person"
    paused = client.post(f"{API}schedules/{schedule['id']}/pause/")
    assert paused.status_code == 200 and paused.json()["status"] == "paused" and paused.json()["next_run_at"] is None
    assert client.post(f"{API}schedules/{schedule['id']}/pause/").json()["code"] == "schedule_paused"
    assert client.post(f"{API}schedules/{schedule['id']}/resume/").json()["status"] == "active"
    sent_now = client.post(f"{API}schedules/{schedule['id']}/send/")
    assert sent_now.status_code == 202 and sent_now.json()["status"] == "queued", sent_now.content
    assert sent_now.json()["schedule"] == schedule["id"]
    patched = client.patch(f"{API}schedules/{schedule['id']}/", {"external_emails": ["a@example.com"]}, format="json")
    assert patched.status_code == 200 and patched.json()["external_recipients"][0]["confirmed"] is False


def test_who_sees_what_and_outsiders(rep, globex_member, django_assert_max_num_queries):
    with tenant_context(rep.tenant):
        mine = definition(rep.rae)
        theirs = definition(rep.ivy, name="Ivy's")
        for n in range(5):
            definition(rep.ivy, name=f"More {n}", workplaces=[rep.site.pk])
    rae = api(rep.rae)
    assert [row["id"] for row in rae.get(f"{API}definitions/").json()["results"]] == [mine.pk]
    assert rae.get(f"{API}definitions/{theirs.pk}/").status_code == 404
    assert rae.get(f"{API}definitions/{theirs.pk}/data/").status_code == 404
    admin = api(rep.admin)
    with django_assert_max_num_queries(12):
        rows = admin.get(f"{API}definitions/").json()["results"]
    assert len(rows) == 7
    no_access = api(rep.ned).get(f"{API}definitions/")
    assert no_access.status_code == 403 and no_access.json()["code"] == "solution_access_required"
    outsider = APIClientFor(globex_member).get(f"{API}definitions/")
    assert outsider.status_code == 403


def APIClientFor(user):
    return api(user)


def test_api_keys_need_the_reports_scope(rep):
    with tenant_context(rep.tenant):
        definition(rep.rae)
        _, reader = api_key_create(name="Reader", scopes=["reports:read"], acting_user=None)
        _, other = api_key_create(name="Other", scopes=["members:read"], acting_user=None)
    ok = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {reader}").get(f"{API}definitions/")
    assert ok.status_code in (200, 403)  # 403 only when keys reach the solution through a role (none here)
    refused = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {other}").get(f"{API}definitions/")
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    write = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {reader}").post(f"{API}definitions/", {})
    assert write.status_code == 403


def test_portal_pages_and_query_counts(rep, django_assert_max_num_queries):
    with tenant_context(rep.tenant):
        attendance(rep.rae, datetime.date(2026, 3, 3), rep.site)
        made = definition(rep.rae)
        for n in range(3):
            definition(rep.rae, name=f"Extra {n}")
        schedule = services.schedule_create(
            definition=made, rrule="FREQ=WEEKLY;BYDAY=MO", acting_user=rep.rae,
            starts_at=datetime.datetime(2030, 1, 7, 8), people=[rep.rae, rep.ivy],
        )  # fmt: skip
        for n in range(4):
            ReportRun.objects.create(definition=made, schedule=schedule, occurrence_key=f"2029-12-0{n + 1}T08:00",
                                     scheduled_for=datetime.datetime(2029, 12, n + 1, tzinfo=datetime.UTC),
                                     format="pdf", status="sent")  # fmt: skip
    client = _portal(rep.rae)
    with django_assert_max_num_queries(40):
        page = client.get("/manage/reports/definitions/")
    assert page.status_code == 200 and b"Extra 2" in page.content
    shown = client.get(f"/manage/reports/definitions/{made.pk}/")
    assert shown.status_code == 200 and b"Rae" in shown.content and b"Download PDF" in shown.content
    with django_assert_max_num_queries(40):
        schedules = client.get("/manage/reports/schedules/")
    assert schedules.status_code == 200 and b"FREQ=WEEKLY;BYDAY=MO" in schedules.content
    with django_assert_max_num_queries(40):
        runs = client.get("/manage/reports/runs/?status=sent")
    assert runs.status_code == 200 and runs.content.count(b"2029-12-0") == 4
    assert client.get("/manage/reports/definitions/new/?dataset=incidents").status_code == 200
    form = client.post("/manage/reports/definitions/new/", {"name": "Ops", "dataset": "incidents", "grouping": "type",
                                                            "period": "last_month"})  # fmt: skip
    assert form.status_code == 302
    bad = client.post("/manage/reports/schedules/new/", {"definition": made.pk, "rrule": "FREQ=WEEKLY;BYDAY=MO",
                                                         "starts_at": "2030-01-07T08:00", "format": "pdf",
                                                         "delivery": "link"})  # fmt: skip
    assert bad.status_code == 400 and b"Choose who receives" in bad.content
    generate = client.post(f"/manage/reports/definitions/{made.pk}/generate/", {"format": "csv"})
    assert generate.status_code == 302 and "/manage/reports/runs/" in generate["Location"]
    assert client.post(f"/manage/reports/schedules/{schedule.pk}/pause/").status_code == 302
    with tenant_context(rep.tenant):
        assert ReportSchedule.objects.get(pk=schedule.pk).status == "paused"
        assert ReportDefinition.objects.filter(name="Ops").exists()
    assert _portal(rep.ned).get("/manage/reports/definitions/").status_code == 403


def test_signed_link_needs_no_sign_in_and_recipients_download_signed_in(rep):
    with tenant_context(rep.tenant):
        made = definition(rep.rae)
        schedule = services.schedule_create(definition=made, rrule="FREQ=WEEKLY;BYDAY=MO", acting_user=rep.rae,
                                            starts_at=datetime.datetime(2030, 1, 7, 8), people=[rep.ned])  # fmt: skip
        report = services.report_generate(definition=made, format="pdf", schedule=schedule)
        token = links.download_token(report.pk, "ned@acme.test")
        other = services.report_generate(definition=definition(rep.ivy, name="Ivy's"), format="csv")
    anonymous = Client(HTTP_HOST=HOST)
    got = anonymous.get(f"/manage/reports/link/{token}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert anonymous.get(f"/manage/reports/link/{token[:-3]}xyz/").status_code == 404
    # Ned has no access to Reports, but the schedule sends him this file: signed in, he may download it.
    assert _portal(rep.ned).get(f"/manage/reports/files/{report.pk}/").status_code == 200
    assert _portal(rep.ned).get(f"/manage/reports/files/{other.pk}/").status_code == 404


def test_external_confirmation_page(rep, django_capture_on_commit_callbacks):
    with tenant_context(rep.tenant):
        schedule = services.schedule_create(definition=definition(rep.rae), rrule="FREQ=WEEKLY;BYDAY=MO",
                                            acting_user=rep.rae, starts_at=datetime.datetime(2030, 1, 7, 8),
                                            external_emails=["boss@example.com"])  # fmt: skip
        recipient = schedule.external_recipients.get()
        token = links.confirm_token(recipient.pk, recipient.email)
    anonymous = Client(HTTP_HOST=HOST)
    page = anonymous.get(f"/manage/reports/confirm/{token}/")
    assert page.status_code == 200 and b"boss@example.com" in page.content
    with tenant_context(rep.tenant):
        recipient.refresh_from_db()
        assert recipient.confirmed_at is None  # opening the link confirms nothing
    assert anonymous.post(f"/manage/reports/confirm/{token}/").status_code == 200
    assert anonymous.get("/manage/reports/confirm/bogus/").status_code == 404
    with tenant_context(rep.tenant):
        recipient.refresh_from_db()
        assert recipient.confirmed_at is not None

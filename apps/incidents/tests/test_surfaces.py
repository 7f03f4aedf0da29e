"""The API and the portal: the mobile report (multipart, idempotent), who sees and does what, coded
refusals, API keys by scope, the register's filters, CSV and query counts."""

import datetime

from django.test import Client
from django_tenants.utils import tenant_context

from apps.incidents import services
from apps.incidents.models import DEFAULT_DEADLINE_HOURS, Incident
from apps.incidents.selectors import regulator_deadlines
from apps.integrations.services import api_key_create

from .conftest import API, HOST, api, new_client_id, photo, report

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

NOW = datetime.datetime.now(datetime.UTC)


def _portal(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_mobile_report_multipart_with_photos_and_retry(ops):
    client = api(ops.rae)
    body = {"client_id": new_client_id(), "title": "Customer fell", "type": "injury", "severity": "critical",
            "occurred_at": (NOW - datetime.timedelta(minutes=10)).isoformat(), "workplace": "syd-cbd",
            "description": "Slipped on water.", "latitude": "-33.873100", "longitude": "151.206500",
            "people": '[{"role": "injured", "name": "A customer", "notes": "Wrist"}]'}  # fmt: skip
    first = client.post(API, {**body, "photos": [photo(), photo("b.jpg")]}, format="multipart")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["reference"], data["workplace"], data["notifiable"]) == (f"INC-{data['id']:06d}", "SYD-CBD", True)
    assert len(data["attachments"]) == 2 and data["people"][0]["display_name"] == "A customer"
    # The app retries the same report: the first incident, 200. The same client id with another body: 409.
    again = client.post(API, {**body, "photos": [photo(), photo("b.jpg")]}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    for changed in ({"title": "Customer fell hard"}, {"photos": [photo()]}, {"photos": [photo(), photo("b.jpg", PNG)]}):
        conflict = client.post(API, {**body, "photos": [photo(), photo("b.jpg")], **changed}, format="multipart")
        assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict", changed
    download = client.get(data["attachments"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"
    refused = client.post(API, {**body, "client_id": new_client_id(), "photos": [photo("x.jpg", b"<html>")]},
                          format="multipart")  # fmt: skip
    assert refused.status_code == 400 and refused.json()["code"] == "attachment_type"
    unknown = client.post(API, {**body, "client_id": new_client_id(), "workplace": "NOPE"}, format="multipart")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_workplace"
    with tenant_context(ops.tenant):
        assert Incident.objects.count() == 1


def test_members_see_their_own_reports_and_admins_all(ops, django_assert_max_num_queries):
    with tenant_context(ops.tenant):
        mine = report(ops, by=ops.rae)
        theirs = report(ops, by=ops.ivy)
        for _ in range(5):
            report(ops, by=ops.ivy, photos=[photo()])
    rae = api(ops.rae)
    assert [row["id"] for row in rae.get(API).json()["results"]] == [mine.pk]
    assert rae.get(f"{API}{theirs.pk}/").status_code == 404
    assert rae.get(f"{API}{mine.pk}/").json()["title"] == mine.title
    refused = rae.post(f"{API}{mine.pk}/transition/", {"status": "under_investigation"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "admin_required"
    no_access = api(ops.ned).get(API)
    assert no_access.status_code == 403 and no_access.json()["code"] == "solution_access_required"
    admin = api(ops.admin)
    with django_assert_max_num_queries(12):
        listed = admin.get(API, {"status": "open", "type": "injury"})
    assert len(listed.json()["results"]) == 7
    with django_assert_max_num_queries(14):
        detail = admin.get(f"{API}{theirs.pk}/")
    assert detail.status_code == 200


def test_admin_works_an_incident_through_the_api(ops):
    with tenant_context(ops.tenant):
        incident = report(ops, severity="high")
    admin, url = api(ops.admin), f"{API}{incident.pk}/"
    action = admin.post(f"{url}actions/", {"title": "Mats", "assignee": str(ops.ivy.pk)}, format="json")
    assert action.status_code == 201 and action.json()["task_status"] == "todo"
    closing = admin.post(f"{url}transition/", {"status": "closed"}, format="json")
    assert closing.status_code == 400 and closing.json()["code"] == "actions_open"
    person = admin.post(f"{url}people/", {"role": "witness", "user": str(ops.rae.pk)}, format="json")
    assert person.status_code == 201
    # The investigator (named by an admin) records the investigation of their incident.
    named = admin.post(f"{url}investigation/", {"investigator": str(ops.ivy.pk)}, format="json")
    assert named.json()["status"] == "action_required"
    saved = api(ops.ivy).post(f"{url}investigation/", {"findings": "Wet", "root_cause": "No mats", "completed": True},
                              format="json")  # fmt: skip
    assert saved.status_code == 200 and saved.json()["investigation_completed_at"]
    regulator = admin.post(f"{url}regulator/", {"notifiable": True, "notified_at": NOW.isoformat(),
                                                 "reference": "WHS-9"}, format="json")  # fmt: skip
    assert regulator.json()["regulator_reference"] == "WHS-9"
    listed = admin.get(f"{url}actions/").json()
    assert [row["title"] for row in listed] == ["Mats"]


def test_api_keys_by_scope(ops, operations_scope):
    with tenant_context(ops.tenant):
        incident = report(ops)
        _, read_only = api_key_create(name="Reader", scopes=["operations:read"], acting_user=None)
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {read_only}")
    listed = client.get(API)
    # A key reaches the solution through roles assigned to it: without one it is refused, by code.
    assert listed.status_code in (200, 403)
    if listed.status_code == 403:
        assert listed.json()["code"] in ("solution_access_required", "solution_not_in_plan")
    written = client.post(f"{API}{incident.pk}/transition/", {"status": "closed"}, content_type="application/json")
    assert written.status_code == 403


def test_portal_register_filters_search_csv_and_query_counts(ops, django_assert_max_num_queries):
    with tenant_context(ops.tenant):
        first = report(ops, title="=HYPERLINK(evil)", severity="high")
        for n in range(6):
            report(ops, title=f"Trolley {n}", type="property_damage")
    admin = _portal(ops.admin)
    with django_assert_max_num_queries(40):
        page = admin.get("/manage/incidents/", {"type": "property_damage"})
    assert page.status_code == 200 and b"Trolley 5" in page.content and b"HYPERLINK" not in page.content
    found = admin.get("/manage/incidents/", {"q": first.reference}, HTTP_HX_REQUEST="true")
    assert found.status_code == 200 and b"HYPERLINK" in found.content and b"<html" not in found.content
    csv = b"".join(admin.get("/manage/incidents/export.csv").streaming_content).decode()
    assert csv.splitlines()[0].startswith("reference,title") and "'=HYPERLINK(evil)" in csv
    assert len(csv.splitlines()) == 8
    with django_assert_max_num_queries(40):
        detail = admin.get(f"/manage/incidents/{first.pk}/")
    assert detail.status_code == 200 and first.reference.encode() in detail.content


def test_portal_report_form_and_who_may_do_what(ops):
    rae = _portal(ops.rae)
    form = rae.get("/manage/incidents/report/")
    assert form.status_code == 200
    posted = rae.post("/manage/incidents/report/", {
        "title": "Ladder wobble", "type": "near_miss", "severity": "medium", "occurred_at": "2026-01-05T09:30",
        "workplace": ops.site.pk, "description": "Ladder moved.", "photos": [photo()],
    })  # fmt: skip
    assert posted.status_code == 302, posted.content
    with tenant_context(ops.tenant):
        incident = Incident.objects.get()
        assert incident.near_miss and incident.attachments.count() == 1
        # The wall time typed is the site's (Sydney, UTC+11 in January).
        assert incident.occurred_at == datetime.datetime(2026, 1, 4, 22, 30, tzinfo=datetime.UTC)
    refused = rae.post(f"/manage/incidents/{incident.pk}/status/", {"status": "closed"})
    assert refused.status_code == 403
    assert _portal(ops.ivy).get(f"/manage/incidents/{incident.pk}/").status_code == 404
    assert _portal(ops.ned).get("/manage/incidents/").status_code == 403
    assert rae.get("/manage/incidents/settings/").status_code == 403
    admin = _portal(ops.admin)
    bad = admin.post(f"/manage/incidents/{incident.pk}/status/", {"status": "reopened"})
    assert bad.status_code == 400 and b"cannot become" in bad.content
    saved = admin.post("/manage/incidents/settings/", {"warn_hours_before": 6, "auto_notifiable": "on"})
    assert saved.status_code == 302
    with tenant_context(ops.tenant):
        assert services.settings_get().warn_hours_before == 6


DEFAULTS = {kind: (hours, "") for kind, hours in DEFAULT_DEADLINE_HOURS.items()}


def test_tenant_admins_set_the_deadline_of_each_incident_type(ops):
    page = _portal(ops.admin).get("/manage/incidents/settings/")
    assert page.status_code == 200 and b"Dangerous occurrence" in page.content
    table = {f"hours_{kind}": hours for kind, (hours, _) in DEFAULTS.items()}
    body = {**table, "hours_injury": 12, "rule_injury": "WHS Act s38"}
    assert _portal(ops.rae).post("/manage/incidents/settings/deadlines/", body).status_code == 403
    bad = _portal(ops.admin).post("/manage/incidents/settings/deadlines/", {**body, "hours_security": 0})
    assert bad.status_code == 400
    saved = _portal(ops.admin).post("/manage/incidents/settings/deadlines/", body)
    assert saved.status_code == 302
    with tenant_context(ops.tenant):
        assert regulator_deadlines()["injury"] == (12, "WHS Act s38")
        assert regulator_deadlines()["security"] == (72, "")

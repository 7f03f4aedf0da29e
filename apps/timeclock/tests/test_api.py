"""The punch API: idempotent retries, every refusal code, verdicts, spoof flags, lists and refusals."""

import datetime
import uuid

import pytest
from django_tenants.utils import tenant_context

from apps.timeclock.models import Punch, PunchPolicy
from apps.workplaces.models import Workplace

from .conftest import CBD, PARRAMATTA, PUNCHES, api, body

NOW = datetime.datetime.now


def _count(tenant, **filters):
    with tenant_context(tenant):
        return Punch.objects.filter(**filters).count()


def test_clock_in_inside_and_retries_are_idempotent(clock, events, django_capture_on_commit_callbacks):
    client = api(clock.ann)
    data = body("in")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(PUNCHES, data, format="json")
    assert first.status_code == 201, first.content
    punch = first.json()
    assert (punch["verdict"], punch["workplace"], punch["flags"], punch["needs_review"]) == (
        "inside", "SYD-CBD", [], False)  # fmt: skip
    assert punch["distance_m"] > 0 and punch["offline"] is False
    for _ in range(3):
        again = client.post(PUNCHES, data, format="json")
        assert again.status_code == 200 and again.json()["id"] == punch["id"]
    reused = client.post(PUNCHES, {**data, "kind": "out"}, format="json")
    assert reused.status_code == 409 and reused.json()["code"] == "client_id_reused"
    assert _count(clock.tenant) == 1
    assert [(name, payload["id"]) for name, payload in events] == [("attendance.clocked_in", punch["id"])]
    assert events[0][1]["workplace"] == "SYD-CBD" and events[0][1]["verdict"] == "inside"
    status = client.get("/api/v1/attendance/me/status/").json()
    assert status["state"] == "in" and status["workplace"] == "SYD-CBD"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"lat": 91}, 400, "invalid_coordinates"),
        ({"lat": "north"}, 400, "invalid_coordinates"),
        ({"lng": None}, 400, "invalid_coordinates"),
        ({"accuracy_m": -5}, 400, "invalid_coordinates"),
        ({"device_time": "yesterday"}, 400, "invalid_device_time"),
        ({"client_id": "not-a-uuid"}, 400, "invalid_client_id"),
        ({"kind": "lunch"}, 400, "invalid_kind"),
        ({"workplace": "NOPE"}, 404, "unknown_workplace"),
        ({"workplace": "NSW"}, 404, "unknown_workplace"),
        ({"workplace": ""}, 400, "workplace_required"),
        ({"kind": "out"}, 409, "not_clocked_in"),
        ({"kind": "break_end"}, 409, "not_on_break"),
        ({"kind": "break_start"}, 409, "not_working"),
    ],
)
def test_bad_input_is_refused_with_a_code(clock, change, status, code):
    data = {**body("in"), **change}
    data = {key: value for key, value in data.items() if value is not None}
    response = api(clock.ann).post(PUNCHES, data, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert _count(clock.tenant) == 0


def test_device_time_rules(clock):
    client = api(clock.ann)
    now = datetime.datetime.now(datetime.UTC)
    future = client.post(PUNCHES, body(at=now + datetime.timedelta(minutes=3)), format="json")
    assert future.status_code == 400 and future.json()["code"] == "device_time_future"
    old = client.post(PUNCHES, body(at=now - datetime.timedelta(hours=73)), format="json")
    assert old.status_code == 400 and old.json()["code"] == "device_time_too_old"
    skew = client.post(PUNCHES, body(at=now + datetime.timedelta(seconds=90)), format="json")
    assert skew.status_code == 201 and skew.json()["offline"] is False
    client.post(PUNCHES, body("out", at=now + datetime.timedelta(seconds=100)), format="json")
    with tenant_context(clock.tenant):
        Punch.objects.all().update(at=now - datetime.timedelta(hours=3))
    late = client.post(PUNCHES, body(at=now - datetime.timedelta(hours=2)), format="json")
    assert late.status_code == 201 and late.json()["offline"] is True and late.json()["flags"] == ["offline"]
    assert late.json()["needs_review"] is False
    with tenant_context(clock.tenant):
        PunchPolicy.objects.create(workplace=None, offline_tolerance_hours=1)
    too_old = client.post(PUNCHES, body("out", at=now - datetime.timedelta(minutes=90)), format="json")
    assert too_old.json()["code"] == "device_time_too_old"


def test_sequence_rules(clock):
    client = api(clock.ann)
    assert client.post(PUNCHES, body("in"), format="json").status_code == 201
    again = client.post(PUNCHES, body("in"), format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_clocked_in"
    assert client.post(PUNCHES, body("break_start"), format="json").status_code == 201
    assert client.get("/api/v1/attendance/me/status/").json()["state"] == "on_break"
    assert client.post(PUNCHES, body("break_start"), format="json").json()["code"] == "not_working"
    assert client.post(PUNCHES, body("break_end"), format="json").status_code == 201
    assert client.post(PUNCHES, body("out"), format="json").status_code == 201
    assert client.post(PUNCHES, body("out"), format="json").json()["code"] == "not_clocked_in"
    earlier = client.post(PUNCHES, body("in", at=NOW(datetime.UTC) - datetime.timedelta(hours=1)), format="json")
    assert earlier.status_code == 409 and earlier.json()["code"] == "punch_out_of_order"


def test_verdicts_and_policy(clock, events, django_capture_on_commit_callbacks):
    client = api(clock.ann)
    with django_capture_on_commit_callbacks(execute=True):
        early = NOW(datetime.UTC) - datetime.timedelta(minutes=4)  # back to the fence in 4 minutes: a walk
        outside = client.post(PUNCHES, body(lat=CBD[0] + 0.01, at=early), format="json").json()  # 1.1 km north
    assert outside["verdict"] == "outside" and outside["flags"] == ["outside_fence"] and outside["needs_review"]
    assert 900 < outside["distance_m"] < 1100
    assert [name for name, _ in events] == ["attendance.clocked_in", "attendance.punch_flagged"]
    uncertain = client.post(PUNCHES, body("out", lat=CBD[0] + 0.0013, accuracy_m=40), format="json").json()
    assert uncertain["verdict"] == "uncertain" and uncertain["flags"] == ["uncertain_location"]
    with tenant_context(clock.tenant):
        PunchPolicy.objects.create(workplace=Workplace.objects.get(code="SYD-CBD"), outside="reject")
    refused = client.post(PUNCHES, body(lat=CBD[0] + 0.01), format="json")
    assert refused.status_code == 422 and refused.json()["code"] == "outside_geofence"
    assert 900 < refused.json()["distance_m"] < 1100
    assert _count(clock.tenant) == 2
    unfenced = client.post(PUNCHES, body(workplace="PARRAMATTA", lat=PARRAMATTA[0], lng=PARRAMATTA[1]), format="json")
    assert unfenced.json()["verdict"] == "inside"  # Parramatta's own fence: the CBD policy does not apply there


def test_spoof_flags(clock):
    client = api(clock.ann)
    now = datetime.datetime.now(datetime.UTC)
    mocked = client.post(PUNCHES, body(at=now - datetime.timedelta(minutes=2), mock_location=True), format="json")
    assert mocked.json()["flags"] == ["mock_location"] and mocked.json()["needs_review"] is True
    # 20 km from the CBD to Parramatta in one minute: about 1,200 km/h.
    jump = client.post(PUNCHES, body("out", at=now - datetime.timedelta(minutes=1), workplace="PARRAMATTA",
                                     lat=PARRAMATTA[0], lng=PARRAMATTA[1]), format="json").json()  # fmt: skip
    assert jump["flags"] == ["impossible_jump"] and jump["needs_review"] is True
    slow = client.post(PUNCHES, body("in", workplace="PARRAMATTA", lat=PARRAMATTA[0], lng=PARRAMATTA[1]),
                       format="json").json()  # fmt: skip
    assert slow["flags"] == []


def test_refusals_for_outsiders_lower_roles_and_keys(clock, globex_member, globex_pro):
    refused = api(clock.bob).post(PUNCHES, body(), format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "solution_access_required"
    assert api(globex_member).post(PUNCHES, body(), format="json").status_code == 403
    assert api(globex_member, host="acme.localhost").get("/api/v1/attendance/me/status/").status_code == 403
    assert api(clock.ann).get(PUNCHES).json()["code"] == "manager_required"
    punch = api(clock.ann).post(PUNCHES, body(lat=CBD[0] + 0.01), format="json").json()
    review = f"{PUNCHES}{punch['id']}/review/"
    assert api(clock.mia).post(review, {"note": "ok"}, format="json").status_code == 403
    assert _count(clock.tenant, needs_review=True) == 1


def test_lists_for_admins_managers_and_me(clock, django_assert_max_num_queries):
    for person in (clock.ann, clock.mia):
        api(person).post(PUNCHES, body(lat=CBD[0] + 0.01), format="json")
    admin = api(clock.admin)
    with django_assert_max_num_queries(12):
        everyone = admin.get(PUNCHES + "?flagged=true&workplace=syd-cbd").json()["results"]
    assert len(everyone) == 2
    assert admin.get(PUNCHES + f"?user={clock.ann.pk}").json()["results"][0]["user"] == str(clock.ann.pk)
    assert admin.get(PUNCHES + "?from=2000-01-01&to=2000-01-02").json()["results"] == []
    assert admin.get(PUNCHES + "?from=soon").json()["code"] == "invalid_filter"
    team = api(clock.mia).get(PUNCHES).json()["results"]
    assert [row["user"] for row in team] == [str(clock.ann.pk)]
    mine = api(clock.ann).get("/api/v1/attendance/me/punches/").json()["results"]
    assert len(mine) == 1
    reviewed = admin.post(f"{PUNCHES}{mine[0]['id']}/review/", {"note": "Parking lot"}, format="json").json()
    assert reviewed["needs_review"] is False and reviewed["review_note"] == "Parking lot"
    assert admin.get(PUNCHES + "?needs_review=true").json()["results"][0]["user"] == str(clock.mia.pk)
    assert admin.post(f"{PUNCHES}999999/review/", {}, format="json").status_code == 404


def test_many_punches_stay_few_queries(clock, django_assert_max_num_queries):
    client = api(clock.ann)
    client.post(PUNCHES, body("in"), format="json")
    client.post(PUNCHES, body("out"), format="json")
    with django_assert_max_num_queries(17):
        assert client.post(PUNCHES, body("in", client_id=str(uuid.uuid4())), format="json").status_code == 201


def test_api_keys_read_punches_but_cannot_punch(clock):
    from django.test import Client

    from apps.integrations.services import api_key_create

    with tenant_context(clock.tenant):
        _, raw = api_key_create(name="Payroll", scopes=["attendance:read", "attendance:write"], acting_user=clock.admin)
    key = Client(HTTP_HOST="acme.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    refused = key.post(PUNCHES, body(), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "person_required"
    assert key.get("/api/v1/attendance/me/status/").json()["code"] == "person_required"


def test_an_inactive_site_is_unknown(clock):
    with tenant_context(clock.tenant):
        Workplace.objects.filter(code="SYD-CBD").update(is_active=False)
    refused = api(clock.ann).post(PUNCHES, body(), format="json")
    assert refused.status_code == 404 and refused.json()["code"] == "unknown_workplace"


def test_a_late_retry_of_an_earlier_punch_still_gets_that_punch(clock):
    """A retry is looked for among the person's punches, not only their latest one."""
    client = api(clock.ann)
    now = NOW(datetime.UTC)
    first = body("in", at=now - datetime.timedelta(minutes=30))
    punch = client.post(PUNCHES, first, format="json").json()
    client.post(PUNCHES, body("out", at=now - datetime.timedelta(minutes=10)), format="json")
    again = client.post(PUNCHES, first, format="json")  # the phone retries the "in" after its "out"
    assert again.status_code == 200 and again.json()["id"] == punch["id"]
    reused = client.post(PUNCHES, {**first, "lat": CBD[0] + 0.0001}, format="json")
    assert reused.status_code == 409 and reused.json()["code"] == "client_id_reused"
    assert _count(clock.tenant) == 2


def test_a_punch_with_a_bearer_token_costs_a_fixed_number_of_queries(clock):
    """The clock-in storm's request (bench/clockin_storm.py): routing, the token's person with their
    membership, the solution grant, then the punch (lock, latest punch, current shift, insert, history);
    the site, its policy, the security policy and the webhook listeners come from the cache."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.tokens.services import token_pair_issue

    with tenant_context(clock.tenant):
        tokens = {
            name: token_pair_issue(user=getattr(clock, name), tenant=clock.tenant).access for name in ("ann", "mia")
        }
    http = Client(HTTP_HOST="acme.localhost")

    def punch(name):
        return http.post(PUNCHES, body("in"), content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {tokens[name]}")  # fmt: skip

    assert punch("mia").status_code == 201  # fills the caches
    with CaptureQueriesContext(connection) as queries:
        response = punch("ann")
    assert response.status_code == 201, response.content
    skipped = ("SET ", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(skipped)]
    assert len(statements) <= 8, "\n".join(statements)
    assert 'tenancy_tenant"."name"' not in statements[1]  # the membership without a join for its ordering

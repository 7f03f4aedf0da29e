"""The personal approvals API: inbox, my requests, detail with trail, actions, bulk approve,
delegations; outsiders and API keys refused; query counts bounded."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.approvals.services import request_submit, workflow_save
from apps.integrations.services import api_key_create

from .conftest import KIND

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "acme.localhost"}


def client_for(user):
    client = Client(**HOST)
    client.force_login(user)
    return client


@pytest.fixture
def pending(org):
    workflow_save(kind=KIND, name="F", steps=[{"name": "Manager", "approver_type": "manager"}], acting_user=None)
    return [request_submit(kind=KIND, subject=org.tree.make(f"S{n}", org.tree.sales, "team"), requester=org.ann)
            for n in range(3)]  # fmt: skip


def test_inbox_and_my_requests(org, pending, django_assert_max_num_queries):
    mia = client_for(org.mia)
    with django_assert_max_num_queries(12):
        response = mia.get("/api/v1/approvals/inbox/")
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()["results"]] == [str(r.uuid) for r in reversed(pending)]
    assert client_for(org.tom).get("/api/v1/approvals/inbox/").json()["results"] == []
    mine = client_for(org.ann).get("/api/v1/approvals/requests/").json()["results"]
    assert len(mine) == 3 and mine[0]["requester"]["email"] == "ann@acme.test"


def test_detail_with_trail_and_404_when_not_visible(org, pending):
    url = f"/api/v1/approvals/requests/{pending[0].uuid}/"
    body = client_for(org.mia).get(url).json()
    assert body["can_act"] is True and [e["action"] for e in body["trail"]] == ["submitted", "routed"]
    assert client_for(org.tom).get(url).status_code == 404
    assert client_for(org.admin).get(url).status_code == 200


def test_actions(org, pending):
    mia = client_for(org.mia)
    url = f"/api/v1/approvals/requests/{pending[0].uuid}/"
    response = mia.post(f"{url}reject/", {}, content_type="application/json")
    assert response.status_code == 400
    response = mia.post(f"{url}approve/", {"comment": "ok"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert mia.post(f"{url}approve/", {}, content_type="application/json").status_code == 400  # already decided
    second = f"/api/v1/approvals/requests/{pending[1].uuid}/"
    assert client_for(org.ann).post(f"{second}approve/", {}, content_type="application/json").status_code == 403
    assert mia.post(f"{second}comment/", {"body": "Why?"}, content_type="application/json").status_code == 200
    response = client_for(org.ann).post(f"{second}cancel/", {}, content_type="application/json")
    assert response.json()["status"] == "cancelled"
    third = f"/api/v1/approvals/requests/{pending[2].uuid}/"
    response = mia.post(f"{third}return/", {"reason": "dates"}, content_type="application/json")
    assert response.json()["status"] == "returned"


def test_bulk_approve(org, pending):
    uuids = [str(r.uuid) for r in pending] + ["0f0e0d0c-0b0a-4908-8706-050403020100"]
    response = client_for(org.mia).post("/api/v1/approvals/bulk-approve/", {"uuids": uuids},
                                        content_type="application/json")  # fmt: skip
    body = response.json()
    assert response.status_code == 200 and len(body["approved"]) == 3
    assert list(body["errors"]) == ["0f0e0d0c-0b0a-4908-8706-050403020100"]


def test_delegations(org):
    ann = client_for(org.ann)
    response = ann.post("/api/v1/approvals/delegations/", {"delegate": str(org.tom.pk), "starts_on": "2030-01-01",
                        "ends_on": "2030-01-10"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.json()
    response = ann.post("/api/v1/approvals/delegations/", {"delegate": str(org.ann.pk), "starts_on": "2030-02-01",
                        "ends_on": "2030-02-10"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert len(client_for(org.tom).get("/api/v1/approvals/delegations/").json()["results"]) == 1


def test_outsiders_and_api_keys_are_refused(org, pending, globex_member, acme):
    url = f"/api/v1/approvals/requests/{pending[0].uuid}/"
    outsider = Client(**HOST)
    outsider.force_login(globex_member)
    assert outsider.get("/api/v1/approvals/inbox/").status_code == 403
    assert outsider.get(url).status_code == 403
    assert Client(**HOST).get("/api/v1/approvals/inbox/").status_code in (401, 403)
    with tenant_context(acme):
        _, raw = api_key_create(name="K", scopes=["approvals:read", "approvals:write"], acting_user=org.admin)
    response = Client(**HOST, HTTP_AUTHORIZATION=f"Api-Key {raw}").get("/api/v1/approvals/inbox/")
    assert response.status_code == 403 and response.json()["code"] == "person_required"

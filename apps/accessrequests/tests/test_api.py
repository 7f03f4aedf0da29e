"""Tenant API of access requests: own list, asking, keys read only, outsiders refused."""

import pytest
from django_tenants.utils import tenant_context

from apps.accessrequests.services import access_request_submit
from apps.integrations.services import api_key_create

pytestmark = pytest.mark.django_db

URL = "/api/v1/access-requests/"


@pytest.fixture
def asked(workflow, requester, roles, tree):
    return access_request_submit(requester=requester, kind="role", role=roles["viewer"], entity=tree.sales,
                                 reason="Monthly figures", acting_user=requester)  # fmt: skip


def key(acme, acme_admin, scopes):
    with tenant_context(acme):
        _, raw = api_key_create(name=f"Key {' '.join(scopes)}", scopes=scopes, acting_user=acme_admin)
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def test_a_member_asks_and_lists_their_own(acme_client, workflow, requester, roles, tree, acme_member):
    acme_client.force_login(requester)
    response = acme_client.post(URL, {"kind": "role", "role": "viewer", "entity": tree.sales.code,
                                      "reason": "Monthly figures"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["role"], body["entity"], body["status"]) == (
        "role",
        "viewer",
        tree.sales.code,
        "pending",
    )
    assert [row["id"] for row in acme_client.get(URL).json()["results"]] == [body["id"]]
    assert acme_client.get(f"{URL}{body['id']}/").json()["reason"] == "Monthly figures"
    acme_client.force_login(acme_member)
    assert acme_client.get(URL).json()["results"] == []
    assert acme_client.get(f"{URL}{body['id']}/").status_code == 404


def test_a_duplicate_is_a_400_with_its_code(acme_client, asked, requester, tree):
    acme_client.force_login(requester)
    response = acme_client.post(URL, {"kind": "role", "role": "viewer", "entity": tree.sales.code,
                                      "reason": "again"}, content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "duplicate_request" in response.content.decode()


def test_keys_read_with_the_scope_and_never_ask(acme_client, asked, acme, acme_admin):
    reader = key(acme, acme_admin, ["access_requests:read"])
    assert len(acme_client.get(URL, **reader).json()["results"]) == 1
    refused = acme_client.post(URL, {"kind": "solution", "solution": "leave", "reason": "x"},
                               content_type="application/json", **reader)  # fmt: skip
    assert refused.status_code == 403 and refused.json()["code"] == "api_key_not_allowed"
    other = key(acme, acme_admin, ["access:read"])
    assert acme_client.get(URL, **other).json()["code"] == "insufficient_scope"


def test_another_tenants_member_is_refused(acme_client, asked, globex_member):
    acme_client.force_login(globex_member)
    assert acme_client.get(URL).status_code == 403
    assert acme_client.get(f"{URL}{asked.pk}/").status_code == 403

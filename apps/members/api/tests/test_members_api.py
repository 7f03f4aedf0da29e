"""Tenant API for members (/api/v1/members/...) and the caller (/api/v1/me/)."""

import pytest

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(acme_member, acme) -> Membership:
    return Membership.objects.get(user=acme_member, tenant=acme)


def _reads(target: Membership) -> list[str]:
    return ["/api/v1/members/", f"/api/v1/members/{target.pk}/", "/api/v1/me/"]


def _writes(target: Membership) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/members/{target.pk}/"
    return [
        ("patch", base, {"role": "viewer"}),
        ("post", base + "suspend/", {"reason": "r"}),
        ("post", base + "reactivate/", {}),
        ("post", base + "remove/", {"reason": "r"}),
    ]


def _call(client, method: str, url: str, data: dict):
    return getattr(client, method)(url, data, content_type="application/json")


@pytest.mark.parametrize(
    ("actor", "code"),
    [("globex_member", "not_member"), ("acme_suspended", "membership_suspended"), (None, "not_authenticated")],
)
def test_outsiders_are_refused_on_every_endpoint(request, acme_client, target, actor, code):
    if actor:
        acme_client.force_login(request.getfixturevalue(actor))
    responses = [acme_client.get(url) for url in _reads(target)]
    responses += [_call(acme_client, *write) for write in _writes(target)]
    for response in responses:
        assert response.status_code == 403
        assert response.json()["code"] == code
    target.refresh_from_db()
    assert (target.role, target.status) == ("member", "active")


def test_a_removed_member_is_told_so(acme_client, acme_member, target, acme_admin):
    from apps.accounts.services import membership_remove

    membership_remove(membership=target, acting_user=acme_admin, reason="left")
    acme_client.force_login(acme_member)
    response = acme_client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You have been removed from this organisation.", "code": "membership_removed"}


@pytest.mark.parametrize("actor", ["acme_member", "acme_viewer"])
def test_lower_roles_read_but_cannot_write(request, acme_client, target, actor):
    acme_client.force_login(request.getfixturevalue(actor))
    for url in _reads(target):
        assert acme_client.get(url).status_code == 200
    for write in _writes(target):
        response = _call(acme_client, *write)
        assert response.status_code == 403
        assert response.json()["code"] == "tenant_admin_required"
    target.refresh_from_db()
    assert (target.role, target.status) == ("member", "active")


def test_me_returns_the_user_and_their_membership(acme_client, acme_viewer, acme):
    acme_client.force_login(acme_viewer)
    body = acme_client.get("/api/v1/me/").json()
    assert body["user"]["email"] == "viewer@acme.test"
    assert (body["membership"]["role"], body["membership"]["status"]) == ("viewer", "active")
    assert body["tenant"] == {"id": str(acme.pk), "name": "Acme", "slug": "acme"}
    assert "password" not in body["user"]


def test_list_search_filters_and_no_query_per_row(acme_client, acme_admin, acme, django_assert_max_num_queries):
    for i in range(15):
        MembershipFactory(tenant=acme, user__email=f"m{i:02}@acme.test", user__full_name=f"Person {i:02}")
    MembershipFactory(tenant=acme, role="viewer", status="suspended", user__email="zed@acme.test")
    acme_client.force_login(acme_admin)
    # The endpoint needs two (membership, page); the rest is routing, session and security middleware.
    with django_assert_max_num_queries(12):
        response = acme_client.get("/api/v1/members/")
    assert len(response.json()["results"]) == 17
    emails = lambda query: [r["user"]["email"] for r in acme_client.get(f"/api/v1/members/?{query}").json()["results"]]  # noqa: E731
    assert emails("q=person%2007") == ["m07@acme.test"]
    assert emails("q=ZED@") == ["zed@acme.test"]
    assert emails("role=viewer") == ["zed@acme.test"]
    assert emails("status=suspended") == ["zed@acme.test"]
    assert emails("role=tenant_admin") == ["admin@acme.test"]
    response = acme_client.get("/api/v1/members/?role=owner")
    assert response.status_code == 400 and response.json()["code"] == "invalid_choice"


def test_another_tenants_member_is_not_found(acme_client, acme_admin, globex_member, globex):
    theirs = Membership.objects.get(user=globex_member, tenant=globex)
    acme_client.force_login(acme_admin)
    assert acme_client.get(f"/api/v1/members/{theirs.pk}/").status_code == 404
    for write in _writes(theirs):
        response = _call(acme_client, *write)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    theirs.refresh_from_db()
    assert (theirs.role, theirs.status) == ("member", "active")


def test_admin_changes_role_suspends_reactivates_and_removes(acme_client, acme_admin, target):
    acme_client.force_login(acme_admin)
    base = f"/api/v1/members/{target.pk}/"
    response = _call(acme_client, "patch", base, {"role": "viewer"})
    assert response.status_code == 200 and response.json()["role"] == "viewer"
    response = _call(acme_client, "post", base + "suspend/", {"reason": "Holiday"})
    assert (response.json()["status"], response.json()["suspension_reason"]) == ("suspended", "Holiday")
    response = _call(acme_client, "post", base + "reactivate/", {})
    assert response.json()["status"] == "active"
    response = _call(acme_client, "post", base + "remove/", {"reason": "Left"})
    assert (response.json()["status"], response.json()["removal_reason"]) == ("removed", "Left")
    actions = set(AuditEvent.objects.filter(target_id=str(target.pk)).values_list("action", flat=True))
    assert {
        "membership.role_changed",
        "membership.suspended",
        "membership.reactivated",
        "membership.removed",
    } <= actions


@pytest.mark.parametrize(
    ("method", "suffix", "data", "code"),
    [
        ("patch", "", {"role": "owner"}, "invalid_choice"),
        ("patch", "", {}, "required"),
        ("post", "suspend/", {}, "required"),
        ("post", "suspend/", {"reason": ""}, "blank"),
        ("post", "remove/", {"reason": "x" * 256}, "max_length"),
        ("post", "reactivate/", {}, "not_suspended"),
    ],
)
def test_bad_input_gets_a_specific_code_and_changes_nothing(
    acme_client, acme_admin, target, method, suffix, data, code
):
    acme_client.force_login(acme_admin)
    response = _call(acme_client, method, f"/api/v1/members/{target.pk}/{suffix}", data)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]
    target.refresh_from_db()
    assert (target.role, target.status) == ("member", "active")


def test_the_last_admin_and_self_suspension_are_refused(acme_client, acme_admin, acme):
    mine = Membership.objects.get(user=acme_admin, tenant=acme)
    acme_client.force_login(acme_admin)
    response = _call(acme_client, "patch", f"/api/v1/members/{mine.pk}/", {"role": "member"})
    assert (response.status_code, response.json()["code"]) == (400, "last_admin")
    response = _call(acme_client, "post", f"/api/v1/members/{mine.pk}/suspend/", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (400, "self_suspend")
    response = _call(acme_client, "post", f"/api/v1/members/{mine.pk}/remove/", {"reason": "x"})
    assert (response.status_code, response.json()["code"]) == (400, "last_admin")
    mine.refresh_from_db()
    assert (mine.role, mine.status) == ("tenant_admin", "active")


def test_a_suspended_admin_cannot_act_although_their_role_is_admin(acme_client, acme_suspended, target):
    acme_client.force_login(acme_suspended)
    response = _call(acme_client, "post", f"/api/v1/members/{target.pk}/remove/", {"reason": "x"})
    assert response.status_code == 403
    assert "suspended" in response.json()["detail"]


def test_every_member_and_invitation_endpoint_is_described_in_the_schema(acme_client):
    schema = acme_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    expected = {
        "/api/v1/me/": ["get"],
        "/api/v1/members/": ["get"],
        "/api/v1/members/{id}/": ["get", "patch"],
        "/api/v1/members/{id}/suspend/": ["post"],
        "/api/v1/members/{id}/reactivate/": ["post"],
        "/api/v1/members/{id}/remove/": ["post"],
        "/api/v1/invitations/": ["get", "post"],
        "/api/v1/invitations/{id}/": ["get"],
        "/api/v1/invitations/{id}/resend/": ["post"],
        "/api/v1/invitations/{id}/cancel/": ["post"],
        "/api/v1/invitations/accept/": ["post"],
        "/api/v1/invitations/decline/": ["post"],
    }
    for path, methods in expected.items():
        assert path in schema["paths"], path
        assert sorted(m for m in schema["paths"][path] if m != "parameters") == sorted(methods), path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation.get("summary") and operation.get("description"), (path, method)
    assert "put" not in schema["paths"]["/api/v1/members/{id}/"]

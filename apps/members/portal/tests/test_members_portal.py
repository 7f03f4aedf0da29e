"""Portal pages for members (/manage/members/)."""

import pytest

from apps.accounts.models import Membership
from apps.accounts.services import membership_remove
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(acme_member, acme) -> Membership:
    return Membership.objects.get(user=acme_member, tenant=acme)


def _text(response) -> str:
    return response.content.decode()


def _actions(target: Membership) -> list[tuple[str, dict]]:
    base = f"/manage/members/{target.pk}/"
    return [
        (base + "role/", {"role": "viewer"}),
        (base + "suspend/", {"reason": "r"}),
        (base + "reactivate/", {}),
        (base + "remove/", {"reason": "r"}),
    ]


def _unchanged(target: Membership) -> None:
    target.refresh_from_db()
    assert (target.role, target.status) == ("member", "active")


@pytest.mark.parametrize(
    ("actor", "message"),
    [("globex_member", "not a member of this organisation"), ("acme_suspended", "suspended")],
)
def test_outsiders_are_refused_on_every_page(request, acme_client, target, actor, message):
    acme_client.force_login(request.getfixturevalue(actor))
    for url in ["/manage/members/", f"/manage/members/{target.pk}/"]:
        response = acme_client.get(url)
        assert response.status_code == 403 and message in _text(response), url
    for url, data in _actions(target):
        assert acme_client.post(url, data).status_code == 403, url
    _unchanged(target)


def test_a_removed_member_is_refused_with_a_clear_message(acme_client, acme_admin, acme_member, target):
    membership_remove(membership=target, acting_user=acme_admin, reason="left")
    acme_client.force_login(acme_member)
    response = acme_client.get("/manage/members/")
    assert response.status_code == 403 and "removed from this organisation" in _text(response)


def test_anonymous_visitors_are_sent_to_sign_in(acme_client, target):
    for url in ["/manage/members/", f"/manage/members/{target.pk}/"]:
        assert "/accounts/login/" in acme_client.get(url)["Location"]
    for url, data in _actions(target):
        assert "/accounts/login/" in acme_client.post(url, data)["Location"]
    _unchanged(target)


@pytest.mark.parametrize("actor", ["acme_member", "acme_viewer"])
def test_lower_roles_see_the_list_read_only(request, acme_client, target, actor):
    acme_client.force_login(request.getfixturevalue(actor))
    response = acme_client.get("/manage/members/")
    assert response.status_code == 200 and "member@acme.test" in _text(response)
    assert "Invite someone" not in _text(response)
    detail = _text(acme_client.get(f"/manage/members/{target.pk}/"))
    assert "Change role" not in detail and "Suspend" not in detail
    for url, data in _actions(target):
        response = acme_client.post(url, data)
        assert response.status_code == 403 and "Only a tenant admin" in _text(response), url
    _unchanged(target)


def test_another_tenants_member_is_not_found(acme_client, acme_admin, globex_member, globex):
    theirs = Membership.objects.get(user=globex_member, tenant=globex)
    acme_client.force_login(acme_admin)
    assert acme_client.get(f"/manage/members/{theirs.pk}/").status_code == 404
    for url, data in _actions(theirs):
        assert acme_client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert (theirs.role, theirs.status) == ("member", "active")


def test_list_searches_filters_paginates_without_a_query_per_row(
    acme_client, acme_admin, acme, django_assert_max_num_queries
):
    for i in range(30):
        MembershipFactory(tenant=acme, user__email=f"m{i:02}@acme.test", user__full_name=f"Person {i:02}")
    MembershipFactory(tenant=acme, role="viewer", status="suspended", user__email="zz-viewer@acme.test")
    gone = MembershipFactory(tenant=acme, user__email="gone@acme.test")
    membership_remove(membership=gone, acting_user=acme_admin, reason="left")
    acme_client.force_login(acme_admin)
    # The page needs three (membership, count, page); the rest is routing, session and security middleware.
    with django_assert_max_num_queries(14):
        response = acme_client.get("/manage/members/")
    assert "Page 1 of 2" in _text(response) and "Invite someone" in _text(response)
    assert "gone@acme.test" not in _text(response)  # removed members are hidden unless asked for
    page2 = _text(acme_client.get("/manage/members/?page=2"))
    assert "zz-viewer@acme.test" in page2 and "gone@acme.test" not in page2
    assert "gone@acme.test" in _text(acme_client.get("/manage/members/?status=removed"))
    found = _text(acme_client.get("/manage/members/?q=person+07"))
    assert "m07@acme.test" in found and "m08@acme.test" not in found
    viewers = _text(acme_client.get("/manage/members/?role=viewer&status=suspended"))
    assert "zz-viewer@acme.test" in viewers and "m01@acme.test" not in viewers


def test_admin_sees_and_uses_every_action(acme_client, acme_admin, target):
    acme_client.force_login(acme_admin)
    detail = _text(acme_client.get(f"/manage/members/{target.pk}/"))
    assert "Change role" in detail and "Suspend" in detail and "Remove from organisation" in detail
    base = f"/manage/members/{target.pk}/"
    response = acme_client.post(base + "role/", {"role": "viewer"}, follow=True)
    assert "member@acme.test&#x27;s role was changed." in _text(response)
    acme_client.post(base + "suspend/", {"reason": "Holiday"})
    target.refresh_from_db()
    assert (target.role, target.status, target.suspension_reason) == ("viewer", "suspended", "Holiday")
    assert "Reactivate" in _text(acme_client.get(base))
    acme_client.post(base + "reactivate/")
    response = acme_client.post(base + "remove/", {"reason": "Left the company"}, follow=True)
    assert "was removed from the organisation" in _text(response)
    target.refresh_from_db()
    assert (target.status, target.removal_reason, target.removed_by) == ("removed", "Left the company", acme_admin)


@pytest.mark.parametrize(
    ("suffix", "data", "error"),
    [
        ("role/", {"role": "owner"}, "Select a valid choice"),
        ("suspend/", {"reason": ""}, "Give a reason."),
        ("remove/", {}, "Give a reason."),
        ("reactivate/", {}, "Only a suspended membership can be reactivated."),
    ],
)
def test_bad_input_shows_a_specific_error_and_changes_nothing(acme_client, acme_admin, target, suffix, data, error):
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/members/{target.pk}/{suffix}", data, follow=True)
    assert error in _text(response)
    _unchanged(target)


def test_the_last_admin_and_self_suspension_are_refused(acme_client, acme_admin, acme):
    mine = Membership.objects.get(user=acme_admin, tenant=acme)
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/members/{mine.pk}/role/", {"role": "member"}, follow=True)
    assert "must keep at least one active tenant admin" in _text(response)
    response = acme_client.post(f"/manage/members/{mine.pk}/suspend/", {"reason": "x"}, follow=True)
    assert "You cannot suspend yourself." in _text(response)
    mine.refresh_from_db()
    assert (mine.role, mine.status) == ("tenant_admin", "active")

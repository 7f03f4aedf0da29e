"""Portal: the registry page (tenant admins), each solution's gated landing page, and the menu."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.access.services import assignment_create, assignment_revoke
from apps.portal.navigation import portal_navigation
from apps.solutions.models import SolutionAccess
from apps.solutions.navigation import solution_navigation
from apps.solutions.services import solution_access_grant

pytestmark = pytest.mark.django_db

REGISTRY = "/manage/solutions/"
GRANT = "/manage/solutions/grant/"


def home(code: str) -> str:
    return f"/manage/solutions/{code}/"


def test_admin_sees_plan_solutions_grants_and_history(acme_client, acme_pro, acme_admin, acme_member, roles):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", user=acme_member, reason="Pilot", acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", role=roles["supervisor"], acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    response = acme_client.get(REGISTRY)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Attendance" in page and "Leave" in page and "Chat" not in page  # the plan's solutions only
    assert acme_member.email in page and "Role “Supervisor”" in page and "Pilot" in page
    assert "History of changes" in page and page.count("Granted") >= 2


def test_admin_grants_and_revokes_through_the_forms_and_history_shows_both(
    acme_client, acme_pro, acme_admin, acme_member
):
    acme_client.force_login(acme_admin)
    response = acme_client.post(GRANT, {"solution_code": "leave", "user": acme_member.pk, "reason": "Rota"})
    assert response.status_code == 302
    with tenant_context(acme_pro):
        access = SolutionAccess.objects.get()
    assert access.user == acme_member and access.granted_by == acme_admin
    assert acme_client.get(f"/manage/solutions/access/{access.pk}/revoke/").status_code == 200
    response = acme_client.post(f"/manage/solutions/access/{access.pk}/revoke/", {"reason": "Pilot over"})
    assert response.status_code == 302
    with tenant_context(acme_pro):
        access.refresh_from_db()
    assert access.revoked_by == acme_admin and access.revoke_reason == "Pilot over"
    page = acme_client.get(REGISTRY).content.decode()
    assert "Revoked" in page and "Pilot over" in page and "Granted" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"solution_code": "chat", "user": "x"}, "solution_code"),
        ({"solution_code": "leave"}, "__all__"),
    ],
)
def test_grant_form_errors_change_nothing(acme_client, acme_pro, acme_admin, data, error):
    acme_client.force_login(acme_admin)
    response = acme_client.post(GRANT, data)
    assert response.status_code == 400
    assert response.context["form"].errors[error]
    with tenant_context(acme_pro):
        assert not SolutionAccess.objects.exists()


def test_registry_pages_refuse_members_outsiders_and_anonymous(
    acme_client, globex_client, acme_pro, acme_admin, acme_member, globex_member
):
    with tenant_context(acme_pro):
        access = solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
    revoke = f"/manage/solutions/access/{access.pk}/revoke/"
    for url in (REGISTRY, revoke):
        assert acme_client.get(url).status_code == 302  # anonymous: to sign in
    assert acme_client.post(GRANT, {}).status_code == 302
    acme_client.force_login(acme_member)
    assert acme_client.get(REGISTRY).status_code == 403
    assert acme_client.post(revoke).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(REGISTRY).status_code == 403
    assert acme_client.post(GRANT, {"solution_code": "leave", "user": globex_member.pk}).status_code == 403
    with tenant_context(acme_pro):
        assert SolutionAccess.objects.get().revoked_at is None


def test_landing_page_says_how_access_was_given(acme_client, acme_pro, acme_admin, acme_member, acme_root, roles):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", user=acme_member, acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", role=roles["supervisor"], acting_user=acme_admin)
        assignment_create(role=roles["team-lead"], user=acme_member, scope_entity=acme_root, acting_user=acme_admin)
    acme_client.force_login(acme_member)
    page = acme_client.get(home("leave")).content.decode()
    assert "via a direct grant" in page
    assert '<a href="/manage/leave/">Leave</a>' in page  # the landing page links to the solution's own pages
    assert "via the role “Supervisor”" in acme_client.get(home("tasks")).content.decode()
    acme_client.force_login(acme_admin)
    assert "you are a tenant admin" in acme_client.get(home("attendance")).content.decode()


def test_member_without_access_gets_a_clear_403_and_no_menu_entry(acme_client, acme_pro, acme_member):
    acme_client.force_login(acme_member)
    response = acme_client.get(home("leave"))
    assert response.status_code == 403
    assert "plan includes Leave, but you have not been given access to it. Ask an administrator." in (
        response.content.decode()
    )
    response = acme_client.get(home("chat"))
    assert response.status_code == 403 and "plan does not include Chat" in response.content.decode()
    assert acme_client.get(home("no-such-thing")).status_code == 404
    labels = [item["label"] for item in acme_client.get("/manage/").context["portal_nav"]]
    assert "Leave" not in labels and "Attendance" not in labels


def test_landing_page_refuses_outsiders_and_anonymous(acme_client, acme_pro, globex_member):
    response = acme_client.get(home("leave"))
    assert response.status_code == 302
    acme_client.force_login(globex_member)
    response = acme_client.get(home("leave"))
    assert response.status_code == 403 and "not a member" in response.content.decode()


def test_access_through_a_role_comes_and_goes_with_the_assignment(
    acme_client, acme_pro, acme_admin, acme_member, acme_root, roles
):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="attendance", role=roles["supervisor"], acting_user=acme_admin)
        assignment = assignment_create(role=roles["supervisor"], user=acme_member, scope_entity=acme_root,
                                       acting_user=acme_admin)  # fmt: skip
    acme_client.force_login(acme_member)
    assert acme_client.get(home("attendance")).status_code == 200
    nav = acme_client.get("/manage/").context["portal_nav"]
    # Attendance's own pages are offered (its landing-page link is not: they replace it).
    assert {"label": "Attendance", "url": "/manage/attendance/", "current": False, "group": "Workforce"} in list(nav)
    with tenant_context(acme_pro):
        assignment_revoke(assignment=assignment, acting_user=acme_admin, reason="Left the team")
    assert acme_client.get(home("attendance")).status_code == 403
    assert "Attendance" not in [item["label"] for item in acme_client.get("/manage/").context["portal_nav"]]


def test_solution_menu_is_one_query_and_cached_per_request(
    acme_pro, acme_admin, acme_member, roles, acme_root, django_assert_num_queries
):
    with tenant_context(acme_pro):
        solution_access_grant(solution_code="leave", role=roles["supervisor"], acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", user=acme_member, acting_user=acme_admin)
        assignment_create(role=roles["supervisor"], user=acme_member, scope_entity=acme_root, acting_user=acme_admin)
        request = RequestFactory().get(home("tasks"))
        request.user, request.tenant = acme_member, acme_pro
        with django_assert_num_queries(1):
            items = solution_navigation(request)
            assert solution_navigation(request) == items
        assert items == [
            {"label": "Tasks", "url": home("tasks"), "current": True},
            {"label": "Leave", "url": home("leave"), "current": False},
        ]
        with CaptureQueriesContext(connection) as queries:
            portal_navigation(request)
        assert len(queries) == 0  # the whole menu reuses the cached answer


def test_registry_page_does_not_query_per_grant(acme_client, acme_pro, acme_admin, roles):
    from tests.factories import MembershipFactory

    acme_client.force_login(acme_admin)
    acme_client.get(REGISTRY)
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(REGISTRY).status_code == 200
    with tenant_context(acme_pro):
        for index in range(5):
            user = MembershipFactory(tenant=acme_pro, user__email=f"q{index}@acme.test").user
            solution_access_grant(solution_code="leave", user=user, acting_user=acme_admin)
        solution_access_grant(solution_code="tasks", role=roles["supervisor"], acting_user=acme_admin)
    with CaptureQueriesContext(connection) as many:
        assert acme_client.get(REGISTRY).status_code == 200
    assert len(many) <= len(few)

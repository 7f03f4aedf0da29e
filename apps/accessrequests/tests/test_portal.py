"""Access request pages: who sees what, asking, the outcome shown, outsiders refused."""

import pytest
from django_tenants.utils import tenant_context

from apps.accessrequests.models import AccessRequest
from apps.accessrequests.selectors import approval_request_of
from apps.accessrequests.services import access_request_submit
from apps.approvals.services import request_reject

pytestmark = pytest.mark.django_db

LIST = "/manage/access-requests/"
NEW = "/manage/access-requests/new/"


def detail(access_request):
    return f"{LIST}{access_request.pk}/"


@pytest.fixture
def asked(workflow, requester, roles, tree):
    return access_request_submit(requester=requester, kind="role", role=roles["viewer"], entity=tree.sales,
                                 reason="Monthly figures", acting_user=requester)  # fmt: skip


def test_a_member_asks_for_a_role_in_the_portal(acme_client, workflow, requester, roles, tree, acme):
    acme_client.force_login(requester)
    form = acme_client.get(NEW)
    assert form.status_code == 200 and "Sales East" in form.content.decode()
    response = acme_client.post(NEW, {"kind": "role", "role": roles["viewer"].pk, "entity": tree.sales.pk,
                                      "reason": "Monthly figures"})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme):
        access_request = AccessRequest.objects.get()
    assert response["Location"] == detail(access_request)
    page = acme_client.get(detail(access_request)).content.decode()
    assert "Viewer at Sales" in page and "Pending" in page and "Approval trail" in page and "Submitted" in page


def test_a_duplicate_request_comes_back_on_the_form(acme_client, asked, requester, roles, tree):
    acme_client.force_login(requester)
    response = acme_client.post(NEW, {"kind": "role", "role": roles["viewer"].pk, "entity": tree.sales.pk,
                                      "reason": "again"})  # fmt: skip
    assert response.status_code == 400
    assert "already have an open request" in response.content.decode()


def test_a_role_request_needs_its_role_and_entity(acme_client, workflow, requester):
    acme_client.force_login(requester)
    response = acme_client.post(NEW, {"kind": "role", "reason": "x"})
    assert response.status_code == 400
    assert "Choose the role you need." in response.content.decode()


def test_the_rejection_reason_is_shown_to_the_requester(acme_client, asked, requester, acme_admin, acme):
    with tenant_context(acme):
        request_reject(request=approval_request_of(asked), acting_user=acme_admin, reason="Ask your team lead.")
    acme_client.force_login(requester)
    page = acme_client.get(detail(asked)).content.decode()
    assert "Rejected" in page and "Ask your team lead." in page


def test_members_see_their_own_requests_admins_see_everyones(acme_client, asked, acme_member, acme_admin):
    acme_client.force_login(acme_member)
    assert "Viewer" not in acme_client.get(LIST).content.decode()
    assert "Viewer" not in acme_client.get(LIST + "?show=all").content.decode()  # not an admin: own only
    assert acme_client.get(detail(asked)).status_code == 404
    acme_client.force_login(acme_admin)
    assert "Viewer" in acme_client.get(LIST + "?show=all").content.decode()
    assert acme_client.get(detail(asked)).status_code == 200  # also an approver here


def test_the_list_answers_htmx_with_its_results_only(acme_client, asked, requester):
    acme_client.force_login(requester)
    response = acme_client.get(LIST + "?status=pending", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "Viewer" in html


def test_the_requester_cancels_from_the_page(acme_client, asked, requester, acme):
    acme_client.force_login(requester)
    response = acme_client.post(detail(asked) + "cancel/", {"reason": ""})
    assert response.status_code == 302
    with tenant_context(acme):
        asked.refresh_from_db()
    assert asked.status == "cancelled"


def test_another_tenants_member_is_refused(acme_client, asked, globex_member):
    acme_client.force_login(globex_member)
    for url in (LIST, NEW, detail(asked)):
        assert acme_client.get(url).status_code == 403
    assert acme_client.post(detail(asked) + "cancel/").status_code == 403


def test_the_list_does_not_grow_queries_with_rows(acme_client, asked, acme_admin, django_assert_max_num_queries):
    acme_client.force_login(acme_admin)
    acme_client.get(LIST + "?show=all")
    with django_assert_max_num_queries(25):
        response = acme_client.get(LIST + "?show=all")
    assert response.status_code == 200

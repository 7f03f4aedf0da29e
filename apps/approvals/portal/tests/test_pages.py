"""Approvals pages: inbox and bulk approve, a request's page with its trail and actions, my requests,
delegations, the home block, and who is refused."""

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accessrequests.selectors import approval_request_of
from apps.accessrequests.services import access_request_submit
from apps.approvals.models import ApprovalRequest, Delegation

pytestmark = pytest.mark.django_db

INBOX = "/manage/approvals/"
MINE = "/manage/approvals/mine/"
DELEGATIONS = "/manage/approvals/delegations/"


def detail(approval):
    return f"{INBOX}{approval.uuid}/"


@pytest.fixture
def asked(workflow, requester, roles, tree):
    access_request = access_request_submit(requester=requester, kind="role", role=roles["viewer"], entity=tree.sales,
                                           reason="Monthly figures", acting_user=requester)  # fmt: skip
    return approval_request_of(access_request)


@pytest.fixture
def two_asked(asked, person, roles, tree):
    bob = person("bob", tree.support)
    access_request_submit(requester=bob, kind="role", role=roles["viewer"], entity=tree.support,
                          reason="Rota", acting_user=bob)  # fmt: skip
    return list(ApprovalRequest.objects.order_by("pk"))


def test_the_inbox_lists_what_waits_for_me_and_bulk_approves(acme_client, two_asked, acme_admin, acme):
    acme_client.force_login(acme_admin)
    html = acme_client.get(INBOX).content.decode()
    assert all(str(approval.uuid) in html for approval in two_asked) and "Approve selected" in html
    response = acme_client.post(INBOX + "bulk-approve/", {"requests": [str(a.uuid) for a in two_asked]})
    assert response.status_code == 302
    with tenant_context(acme):
        assert set(ApprovalRequest.objects.values_list("status", flat=True)) == {"approved"}
    assert "Nothing is waiting" in acme_client.get(INBOX).content.decode()


def test_the_inbox_filters_by_kind_with_htmx(acme_client, asked, acme_admin):
    acme_client.force_login(acme_admin)
    partial = acme_client.get(INBOX + "?kind=access.request", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and str(asked.uuid) in partial
    assert str(asked.uuid) not in acme_client.get(INBOX + "?kind=leave.request").content.decode()


def test_bulk_approve_skips_what_is_not_mine(acme_client, asked, requester, acme):
    acme_client.force_login(requester)  # the requester never approves their own request
    acme_client.post(INBOX + "bulk-approve/", {"requests": [str(asked.uuid)]})
    with tenant_context(acme):
        asked.refresh_from_db()
    assert asked.status == "pending"


def test_the_request_page_shows_the_trail_and_the_approver_decides(acme_client, asked, acme_admin, acme):
    acme_client.force_login(acme_admin)
    html = acme_client.get(detail(asked)).content.decode()
    assert "Your decision" in html and "Submitted" in html and "Why you:" in html
    assert f"/manage/access-requests/{asked.subject_id}/" in html  # the subject's page
    refused = acme_client.post(detail(asked) + "reject/", {"reason": ""})
    assert refused.status_code == 302
    with tenant_context(acme):
        asked.refresh_from_db()
    assert asked.status == "pending"  # a rejection needs its reason
    acme_client.post(detail(asked) + "comment/", {"body": "Looks fine"})
    acme_client.post(detail(asked) + "approve/", {"comment": "OK"})
    with tenant_context(acme):
        asked.refresh_from_db()
    assert asked.status == "approved"
    html = acme_client.get(detail(asked)).content.decode()
    assert "Looks fine" in html and "Approved" in html and "Your decision" not in html


def test_the_requester_sees_my_requests_and_cancels(acme_client, asked, requester, acme):
    acme_client.force_login(requester)
    html = acme_client.get(MINE).content.decode()
    assert str(asked.uuid) in html
    page = acme_client.get(detail(asked)).content.decode()
    assert "Your decision" not in page and "Cancel this request" in page
    acme_client.post(detail(asked) + "cancel/", {"note": ""})
    with tenant_context(acme):
        asked.refresh_from_db()
    assert asked.status == "cancelled"


def test_someone_not_involved_gets_a_404_and_another_tenant_a_403(acme_client, asked, acme_member, globex_member):
    acme_client.force_login(acme_member)
    assert acme_client.get(detail(asked)).status_code == 404
    assert acme_client.post(detail(asked) + "approve/").status_code == 404
    acme_client.force_login(globex_member)
    for url in (INBOX, MINE, DELEGATIONS, detail(asked)):
        assert acme_client.get(url).status_code == 403


def test_delegations_are_created_and_revoked(acme_client, acme_admin, acme_member, acme, workflow):
    acme_client.force_login(acme_admin)
    today = timezone.localdate()
    until = today + datetime.timedelta(days=3)
    response = acme_client.post(
        DELEGATIONS, {"delegate": acme_member.pk, "starts_on": today, "ends_on": until, "reason": "Leave"}
    )
    assert response.status_code == 302, response.content.decode()
    with tenant_context(acme):
        delegation = Delegation.objects.get()
    assert "Leave" in acme_client.get(DELEGATIONS).content.decode()
    bad = acme_client.post(DELEGATIONS, {"delegate": acme_member.pk, "starts_on": today,
                                         "ends_on": today - datetime.timedelta(days=1)})  # fmt: skip
    assert bad.status_code == 400 and "cannot end before it starts" in bad.content.decode()
    acme_client.force_login(acme_member)  # not theirs to revoke
    assert acme_client.post(f"{DELEGATIONS}{delegation.uuid}/revoke/").status_code == 404
    acme_client.force_login(acme_admin)
    acme_client.post(f"{DELEGATIONS}{delegation.uuid}/revoke/")
    with tenant_context(acme):
        delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_the_home_block_counts_what_waits(acme_client, asked, acme_admin, acme_member):
    acme_client.force_login(acme_admin)
    html = acme_client.get("/manage/").content.decode()
    assert "Waiting for your approval" in html and "Open your approvals" in html
    acme_client.force_login(acme_member)
    assert "Waiting for your approval" not in acme_client.get("/manage/").content.decode()

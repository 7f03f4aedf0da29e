"""Privacy self-service (issue 19, point 4): a person asks for erasure in the portal or the API, with a
confirmation step; one open request at a time (a database constraint); the deadline one month after
receipt; the person told at receipt and completion; the organisation's admins see their people's
requests; staff complete them in the admin through the existing erasure; outsiders refused."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.selectors import audit_chain_verify, audit_chains
from apps.gdpr.models import GdprRequest, due_at_for
from apps.gdpr.services import gdpr_request_create
from apps.integrations.tests.conftest import api_key_header

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory
PRIVACY = "/manage/privacy/"
ERASURE = "/manage/privacy/erasure/"
REQUESTS = "/manage/privacy/requests/"
API = "/api/v1/privacy/erasure-requests/"
ADMIN_LIST = "/admin/gdpr/gdprrequest/"


def bearer(client, user):
    response = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['access']}"}


# --- Deadline and constraint ------------------------------------------------------------------------


def test_the_deadline_is_one_calendar_month_and_a_setting(settings):
    received = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert due_at_for(received) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    settings.GDPR_REQUEST_DUE_MONTHS = 2
    assert due_at_for(received) == datetime(2027, 3, 31, 9, 0, tzinfo=UTC)


def test_one_open_request_per_kind_is_a_database_constraint(acme_member):
    first = gdpr_request_create(subject=acme_member, kind="erasure", acting_user=None, enqueue=False)
    twin = GdprRequest(number="GDPR-TWIN", subject=acme_member, kind="erasure")
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    # Once the first is closed, a new one may be opened.
    GdprRequest.objects.filter(pk=first.pk).update(status="rejected", rejection_reason="test")
    twin.save()


# --- Portal -------------------------------------------------------------------------------------------


def test_member_asks_for_erasure_in_the_portal_and_is_told(acme_client, acme_member, acme_admin,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    acme_client.force_login(acme_member)
    assert "Request the erasure of my data" in acme_client.get(PRIVACY).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = acme_client.post(ERASURE, {"confirm": "yes", "password": PASSWORD})
    assert response.status_code == 302
    request = GdprRequest.objects.get(subject=acme_member, kind="erasure")
    assert (request.status, request.source, request.tenant.slug) == ("received", "portal", "acme")
    assert request.due_at == due_at_for(request.requested_at)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["admin@acme.test", "member@acme.test"], [m.subject for m in mail.outbox]
    assert any("We received your erasure request" in m.subject for m in mail.outbox)
    page = acme_client.get(PRIVACY).content.decode()
    assert request.number in page and "will be completed by" in page


def test_portal_confirmation_step_refuses_without_confirmation_or_with_a_wrong_password(acme_client, acme_member):
    acme_client.force_login(acme_member)
    acme_client.post(ERASURE, {"password": PASSWORD})  # no confirmation
    acme_client.post(ERASURE, {"confirm": "yes", "password": "not-my-password"})
    assert not GdprRequest.objects.filter(subject=acme_member).exists()
    page = acme_client.get(PRIVACY).content.decode()
    assert "Request the erasure of my data" in page


def test_portal_refuses_an_erasure_for_someone_else(acme_client, acme_member, acme_admin):
    acme_client.force_login(acme_member)
    response = acme_client.post(ERASURE, {"confirm": "yes", "password": PASSWORD, "email": acme_admin.email})
    assert response.status_code == 403
    response = acme_client.post(ERASURE, {"confirm": "yes", "password": PASSWORD, "subject": str(acme_admin.pk)})
    assert response.status_code == 403
    assert not GdprRequest.objects.exists()


def test_portal_erasure_refuses_outsiders(acme_client, globex_member):
    assert acme_client.post(ERASURE, {"confirm": "yes", "password": PASSWORD}).status_code == 302  # to login
    acme_client.force_login(globex_member)
    assert acme_client.post(ERASURE, {"confirm": "yes", "password": PASSWORD}).status_code in (403, 404)
    assert not GdprRequest.objects.exists()


# --- API ------------------------------------------------------------------------------------------------


def test_api_erasure_request_with_the_mobile_token(acme_client, acme_member, django_capture_on_commit_callbacks):
    auth = bearer(acme_client, acme_member)
    assert acme_client.get(API, **auth).json() == []
    refused = acme_client.post(API, {"confirm": False, "password": PASSWORD}, "application/json", **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "confirmation_required"
    wrong = acme_client.post(API, {"confirm": True, "password": "nope-nope-nope"}, "application/json", **auth)
    assert wrong.status_code == 400 and wrong.json()["code"] == "password_incorrect"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        created = acme_client.post(API, {"confirm": True, "password": PASSWORD}, "application/json", **auth)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "received" and body["source"] == "api" and body["kind"] == "erasure"
    assert "password" not in body
    assert [m.to for m in mail.outbox if "We received" in m.subject] == [[acme_member.email]]
    again = acme_client.post(API, {"confirm": True, "password": PASSWORD}, "application/json", **auth)
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    listed = acme_client.get(API, **auth).json()
    assert [row["number"] for row in listed] == [body["number"]]


def test_api_refuses_an_erasure_for_someone_else(acme_client, acme_member, acme_admin):
    auth = bearer(acme_client, acme_member)
    for other in ({"email": acme_admin.email}, {"subject": str(acme_admin.pk)}):
        response = acme_client.post(API, {"confirm": True, "password": PASSWORD, **other}, "application/json", **auth)
        assert response.status_code == 403 and response.json()["code"] == "not_your_data"
    assert not GdprRequest.objects.exists()


def test_api_erasure_refuses_outsiders_and_api_keys(acme_client, acme, acme_admin, globex_member):
    assert acme_client.post(API, {"confirm": True}, "application/json").status_code in (401, 403)
    acme_client.force_login(globex_member)
    assert acme_client.post(API, {"confirm": True, "password": PASSWORD}, "application/json").status_code == 403
    assert acme_client.get(API).status_code == 403
    acme_client.logout()
    from django_tenants.utils import tenant_context

    from apps.integrations.services import api_key_create

    with tenant_context(acme):
        _, raw = api_key_create(name="Erasure probe", scopes=["tenant:read"], acting_user=acme_admin)
    response = acme_client.post(API, {"confirm": True}, "application/json", **api_key_header(raw))
    assert response.status_code == 403 and response.json()["code"] == "api_key_not_allowed"
    assert not GdprRequest.objects.exists()


def test_api_legal_hold_is_a_coded_error(acme_client, acme_member, monkeypatch):
    monkeypatch.setattr("apps.gdpr.erasure.legal_holds", lambda user: ["they are the billing contact of Acme"])
    auth = bearer(acme_client, acme_member)
    response = acme_client.post(API, {"confirm": True, "password": PASSWORD}, "application/json", **auth)
    assert response.status_code == 400 and response.json()["code"] == "legal_hold"


# --- Tenant admins' page --------------------------------------------------------------------------------


def test_tenant_admins_see_their_peoples_requests_with_deadlines_and_filters(
    acme_client, acme, acme_admin, acme_member, globex_member, django_assert_max_num_queries
):
    mine = gdpr_request_create(subject=acme_member, kind="erasure", acting_user=acme_member, enqueue=False,
                               tenant=acme, source="portal")  # fmt: skip
    late = gdpr_request_create(subject=acme_admin, kind="access", acting_user=None, enqueue=False)
    GdprRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    other = gdpr_request_create(subject=globex_member, kind="erasure", acting_user=None, enqueue=False)
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(25):
        page = acme_client.get(REQUESTS).content.decode()
    assert mine.number in page and late.number in page and other.number not in page
    assert "(overdue)" in page and 'class="table-danger"' in page
    overdue = acme_client.get(REQUESTS + "?due=overdue").content.decode()
    assert late.number in overdue and mine.number not in overdue
    erasures = acme_client.get(REQUESTS + "?kind=erasure").content.decode()
    assert mine.number in erasures and late.number not in erasures


def test_the_requests_page_does_not_grow_in_queries_with_rows(acme_client, acme, acme_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory

    acme_client.force_login(acme_admin)
    assert acme_client.get(REQUESTS).status_code == 200  # warm: the first page of a session reads more
    first = MembershipFactory(tenant=acme).user
    gdpr_request_create(subject=first, kind="erasure", acting_user=None, enqueue=False, tenant=acme, source="api")
    with CaptureQueriesContext(connection) as few:
        assert acme_client.get(REQUESTS).status_code == 200
    for _ in range(4):
        person = MembershipFactory(tenant=acme).user
        gdpr_request_create(subject=person, kind="erasure", acting_user=None, enqueue=False, tenant=acme,
                            source="portal")  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        assert acme_client.get(REQUESTS).status_code == 200
    assert len(many) == len(few)


def test_the_requests_page_refuses_members_and_other_tenants(acme_client, acme_member, globex_member):
    acme_client.force_login(acme_member)
    assert acme_client.get(REQUESTS).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(REQUESTS).status_code in (403, 404)


# --- Staff: complete through the existing erasure -----------------------------------------------------------


def test_staff_complete_an_erasure_from_the_admin_and_the_audit_chain_verifies(
    platform_client, platform_superuser, acme, acme_member, django_capture_on_commit_callbacks
):
    email = acme_member.email
    request = gdpr_request_create(subject=acme_member, kind="erasure", acting_user=acme_member, enqueue=False,
                                  tenant=acme, source="portal")  # fmt: skip
    GdprRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(days=1))
    platform_client.force_login(platform_superuser)
    listed = platform_client.get(ADMIN_LIST + "?due=overdue").content.decode()
    assert request.number in listed and "(overdue)" in listed
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = platform_client.post(
            ADMIN_LIST, {"action": "erase_now", "_selected_action": [request.pk]}, follow=True
        )
    assert response.status_code == 200 and "erased and completed" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_at
    person = User.objects.get(pk=acme_member.pk)
    assert person.email == f"erased-{person.pk}@invalid" and not person.is_active
    # The person is told at the address they had (their account is gone).
    assert [m.to for m in mail.outbox if "is complete" in m.subject] == [[email]]
    # The person's audit events are pseudonymous: erasing the vault leaves every chain verifying.
    for chain in ("platform", str(acme.pk)):
        assert chain in audit_chains() and audit_chain_verify(chain)[1] is None, chain
        call_command("audit_verify", chain=chain, stdout=io.StringIO())


def test_support_staff_cannot_complete_an_erasure(platform_client, support_staff, acme_member):
    request = gdpr_request_create(subject=acme_member, kind="erasure", acting_user=None, enqueue=False)
    platform_client.force_login(support_staff)
    platform_client.post(ADMIN_LIST, {"action": "erase_now", "_selected_action": [request.pk]})
    request.refresh_from_db()
    assert request.status == "received"
    assert User.objects.get(pk=acme_member.pk).email == acme_member.email


def test_a_rejected_request_tells_the_person_why(acme_member, django_capture_on_commit_callbacks):
    from apps.gdpr.services import gdpr_request_reject

    request = gdpr_request_create(subject=acme_member, kind="erasure", acting_user=None, enqueue=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        gdpr_request_reject(request=request, reason="Unpaid invoices of Acme", acting_user=None)
    told = [m for m in mail.outbox if "declined" in m.subject]
    assert [m.to for m in told] == [[acme_member.email]] and "Unpaid invoices of Acme" in told[0].body

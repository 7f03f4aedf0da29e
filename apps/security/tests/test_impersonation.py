"""Staff impersonation: who may start it and on whom, the reason and time limit (database too), the
hand-off to the tenant's portal, the banner, refused security pages, the end (button, expiry,
sign-out, admin action), the tenant's timeline, and the tenant's policy switch."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.core.events import subscribe, unsubscribe
from apps.organisation.selectors import entity_root
from apps.policy.defaults import POLICY_FIELDS
from apps.policy.models import SecurityPolicy
from apps.policy.services import policy_set
from apps.security.impersonation import impersonation_start
from apps.security.models import ImpersonationSession
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

REASON = "Ticket T-42: the member cannot find the leave report"


def _start_url(membership):
    return f"/admin/security/impersonationsession/start/{membership.pk}/"


def _membership(user, tenant):
    return Membership.objects.get(user=user, tenant=tenant)


def _staff_client(staff):
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    return client


def _impersonate(staff, membership, minutes=15):
    """Start through the admin and follow the hand-off: the tenant-domain browser, signed in as the member."""
    response = _staff_client(staff).post(_start_url(membership), {"reason": REASON, "minutes": minutes})
    assert response.status_code == 302, response.content
    link = urlsplit(response["Location"])
    browser = Client(HTTP_HOST=link.hostname)
    landed = browser.get(link.path)
    assert landed.status_code == 302 and landed["Location"] == "/manage/"
    return browser


@pytest.fixture
def acme_membership(acme, acme_member):
    return _membership(acme_member, acme)


# --- Who may start it ------------------------------------------------------------------------------


def test_support_staff_sign_in_as_a_member_and_see_the_banner(support_staff, acme_membership, acme_member, acme):
    page = _staff_client(support_staff).get(_start_url(acme_membership))
    assert page.status_code == 200 and acme_member.email in page.content.decode()
    assert page.context["form"]["minutes"].value() == 15

    browser = _impersonate(support_staff, acme_membership)
    home = browser.get("/manage/")
    assert home.status_code == 200 and home.wsgi_request.user == acme_member
    banner = home.content.decode()
    session = ImpersonationSession.objects.get()
    assert "You are signed in as" in banner and acme_member.get_full_name() in banner
    assert support_staff.email in banner and REASON in banner and "End impersonation" in banner
    assert f"ends at {timezone.localtime(session.expires_at):%H:%M}" in banner
    assert (session.staff_user, session.impersonated_user, session.tenant) == (support_staff, acme_member, acme)
    assert session.expires_at - session.started_at == timedelta(minutes=15) and session.ended_at is None
    started = AuditEvent.objects.get(action="impersonation.started")
    assert started.tenant_id == acme.pk and started.actor_id == support_staff.pk


def test_a_super_admin_may_start_one_too(platform_superuser, acme_membership):
    browser = _impersonate(platform_superuser, acme_membership, minutes=30)
    assert browser.get("/manage/").status_code == 200
    session = ImpersonationSession.objects.get()
    assert session.expires_at - session.started_at == timedelta(minutes=30)


def test_billing_admins_are_refused(billing_staff, acme_membership):
    client = _staff_client(billing_staff)
    assert client.get(_start_url(acme_membership)).status_code == 403
    assert client.post(_start_url(acme_membership), {"reason": REASON, "minutes": 5}).status_code == 403
    with pytest.raises(ValidationError) as refused:
        impersonation_start(staff_user=billing_staff, membership=acme_membership, reason=REASON)
    assert refused.value.code == "staff_role_required"
    assert not ImpersonationSession.objects.exists()


def test_a_person_who_is_not_staff_is_refused(acme_admin, acme_membership):
    client = Client(HTTP_HOST="localhost")
    client.force_login(acme_admin)
    response = client.get(_start_url(acme_membership))
    assert response.status_code == 302 and "/login/" in response["Location"]
    with pytest.raises(ValidationError) as refused:
        impersonation_start(staff_user=acme_admin, membership=acme_membership, reason=REASON)
    assert refused.value.code == "staff_role_required"
    assert not ImpersonationSession.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"reason": "   ", "minutes": 15}, "This field is required."),
        ({"reason": REASON, "minutes": 31}, "less than or equal to 30"),
        ({"reason": REASON, "minutes": 0}, "greater than or equal to 1"),
    ],
)
def test_a_reason_and_a_time_limit_of_at_most_30_minutes_are_required(support_staff, acme_membership, data, error):
    response = _staff_client(support_staff).post(_start_url(acme_membership), data)
    assert response.status_code == 400 and error in response.content.decode()
    assert not ImpersonationSession.objects.exists()


def test_the_service_checks_the_reason_and_time_limit_too(support_staff, acme_membership):
    with pytest.raises(ValidationError) as no_reason:
        impersonation_start(staff_user=support_staff, membership=acme_membership, reason=" ")
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        impersonation_start(staff_user=support_staff, membership=acme_membership, reason=REASON, minutes=45)
    assert "minutes" in too_long.value.message_dict


def test_the_database_refuses_more_than_30_minutes_and_an_end_without_a_reason(support_staff, acme_member, acme):
    now = timezone.now()
    fields = {"staff_user": support_staff, "impersonated_user": acme_member, "tenant": acme, "reason": REASON}
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpersonationSession.objects.create(**fields, started_at=now, expires_at=now + timedelta(minutes=31))
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpersonationSession.objects.create(
            **fields, started_at=now, expires_at=now + timedelta(minutes=5), ended_at=now
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpersonationSession.objects.create(**{**fields, "reason": ""}, expires_at=now + timedelta(minutes=5))


def test_only_active_non_staff_members_can_be_impersonated(support_staff, acme, platform_superuser):
    suspended = MembershipFactory(tenant=acme, status=Membership.Status.SUSPENDED, user__email="s@acme.test")
    with pytest.raises(ValidationError) as refused:
        impersonation_start(staff_user=support_staff, membership=suspended, reason=REASON)
    assert refused.value.code == "not_active_member"
    staff_member = MembershipFactory(tenant=acme, user=platform_superuser)
    with pytest.raises(ValidationError) as refused:
        impersonation_start(staff_user=support_staff, membership=staff_member, reason=REASON)
    assert refused.value.code == "staff_not_impersonable"


def test_the_session_is_bound_to_the_members_own_tenant(support_staff, globex_member, globex, acme_client):
    """A member of another tenant is never reachable through one tenant's domain: the hand-off is for
    the membership's own tenant, and acme's domain refuses it."""
    _, url = impersonation_start(staff_user=support_staff, membership=_membership(globex_member, globex),
                                 reason=REASON)  # fmt: skip
    link = urlsplit(url)
    assert link.hostname == "globex.localhost"
    assert acme_client.get(link.path).status_code == 403
    assert "_auth_user_id" not in acme_client.session


# --- The tenant's policy -----------------------------------------------------------------------------


def _forbid(acme, acting_user=None):
    with tenant_context(acme):
        policy_set(entity=entity_root(), acting_user=acting_user, allow_staff_impersonation=False)


def test_a_tenant_policy_that_forbids_it_refuses_the_start(support_staff, acme_membership, acme, acme_root):
    _forbid(acme)
    response = _staff_client(support_staff).post(_start_url(acme_membership), {"reason": REASON, "minutes": 10})
    assert response.status_code == 400
    assert "does not allow platform staff to sign in as its members" in response.content.decode()
    assert not ImpersonationSession.objects.exists()


def test_tenant_admins_switch_it_on_the_policy_page(acme, acme_client, acme_admin, acme_root):
    acme_client.force_login(acme_admin)
    data = {f"{field}_inherit": "on" for field in POLICY_FIELDS if field != "allow_staff_impersonation"}
    response = acme_client.post(f"/manage/security-policy/{acme_root.uuid}/edit/", data)  # unticked: forbidden
    assert response.status_code == 302
    with tenant_context(acme):
        policy = SecurityPolicy.objects.get(entity=acme_root)
        assert policy.allow_staff_impersonation is False and policy.history.exists()
    overview = acme_client.get("/manage/security-policy/").content.decode()
    assert "Staff impersonation" in overview and "Forbidden" in overview


def test_staff_switch_it_with_the_tenant_admin_actions(platform_superuser, support_staff, acme, acme_root):
    client = _staff_client(platform_superuser)
    forbid = {"action": "impersonation_forbid", "_selected_action": [str(acme.pk)]}
    assert client.post("/admin/tenancy/tenant/", forbid).status_code == 302
    with tenant_context(acme):
        assert SecurityPolicy.objects.get(entity=acme_root).allow_staff_impersonation is False
    assert AuditEvent.objects.filter(action="policy.security_policy_changed", tenant_id=acme.pk).exists()
    # Support staff only read tenants: the action is not theirs.
    refused = _staff_client(support_staff).post("/admin/tenancy/tenant/", {**forbid, "action": "impersonation_allow"})
    assert refused.status_code in (200, 302, 403)
    with tenant_context(acme):
        assert SecurityPolicy.objects.get(entity=acme_root).allow_staff_impersonation is False


# --- While impersonating ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/manage/account/",
        "/manage/account/profile/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/manage/api-keys/",
        "/manage/api-keys/new/",
    ],
)
def test_security_pages_are_refused(support_staff, acme, acme_admin, url):
    browser = _impersonate(support_staff, _membership(acme_admin, acme))
    response = browser.get(url)
    assert response.status_code == 403
    assert "through staff impersonation" in response.content.decode()


def test_security_endpoints_and_policy_edit_are_refused(support_staff, acme, acme_admin, acme_root):
    browser = _impersonate(support_staff, _membership(acme_admin, acme))
    for method, url in [
        ("post", "/api/v1/auth/token/revoke-all/"),
        ("get", "/api/v1/api-keys/"),
        ("post", "/api/v1/auth/token/"),
    ]:
        response = getattr(browser, method)(url, content_type="application/json")
        assert response.status_code == 403 and response.json()["code"] == "impersonation_forbidden", url
    assert browser.get(f"/manage/security-policy/{acme_root.uuid}/edit/").status_code == 403
    assert browser.post("/manage/account/sessions/logout-everywhere/", {"confirm": "on"}).status_code == 403
    assert browser.get("/manage/security-policy/").status_code == 200  # reading the policy is fine
    assert browser.get("/manage/").status_code == 200


def test_ending_it_signs_out_and_returns_to_the_admin(support_staff, acme_membership, acme):
    browser = _impersonate(support_staff, acme_membership)
    response = browser.post("/manage/impersonation/end/")
    session = ImpersonationSession.objects.get()
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.hostname, location.path) == (
        "localhost",
        f"/admin/security/impersonationsession/{session.pk}/change/",
    )
    assert (session.end_reason, session.ended_at is not None) == (ImpersonationSession.EndReason.ENDED_BY_STAFF, True)
    assert browser.get("/manage/").status_code == 302  # signed out
    ended = AuditEvent.objects.get(action="impersonation.ended")
    assert ended.tenant_id == acme.pk and ended.actor_id == support_staff.pk
    assert _staff_client(support_staff).get(location.path).status_code == 200


def test_it_ends_by_itself_at_its_time_limit(support_staff, acme_membership):
    browser = _impersonate(support_staff, acme_membership)
    past = timezone.now() - timedelta(minutes=20)
    ImpersonationSession.objects.update(started_at=past, expires_at=past + timedelta(minutes=15))
    response = browser.get("/manage/")
    assert response.status_code == 302 and "/admin/security/impersonationsession/" in response["Location"]
    session = ImpersonationSession.objects.get()
    assert session.end_reason == ImpersonationSession.EndReason.EXPIRED
    assert browser.get("/manage/").status_code == 302 and "_auth_user_id" not in browser.session
    assert AuditEvent.objects.filter(action="impersonation.ended").count() == 1


def test_signing_out_ends_it(support_staff, acme_membership):
    browser = _impersonate(support_staff, acme_membership)
    assert browser.post("/accounts/logout/").status_code == 302
    assert ImpersonationSession.objects.get().end_reason == ImpersonationSession.EndReason.SIGNED_OUT


def test_staff_end_it_from_the_admin(support_staff, acme_membership):
    browser = _impersonate(support_staff, acme_membership)
    session = ImpersonationSession.objects.get()
    action = {"action": "end_sessions", "_selected_action": [str(session.pk)]}
    assert _staff_client(support_staff).post("/admin/security/impersonationsession/", action).status_code == 302
    assert ImpersonationSession.objects.get().end_reason == ImpersonationSession.EndReason.REVOKED
    assert browser.get("/manage/").status_code == 302


def test_a_members_own_session_shows_no_banner(acme_client, acme_member):
    acme_client.force_login(acme_member)
    page = acme_client.get("/manage/")
    assert page.status_code == 200 and "End impersonation" not in page.content.decode()
    assert acme_client.post("/manage/impersonation/end/").status_code == 302


# --- The tenant sees it ----------------------------------------------------------------------------


def test_start_and_end_show_in_the_tenants_timeline_and_as_domain_events(
    support_staff, acme_membership, acme, acme_admin, django_capture_on_commit_callbacks
):
    seen = []

    def record(event, items):
        seen.extend((event, tenant, payload["id"]) for tenant, payload in items)

    subscribe("impersonation.*", record)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            browser = _impersonate(support_staff, acme_membership)
            browser.post("/manage/impersonation/end/")
    finally:
        unsubscribe("impersonation.*", record)
    session = ImpersonationSession.objects.get()
    assert [(e, t.pk) for e, t, _ in seen] == [("impersonation.started", acme.pk), ("impersonation.ended", acme.pk)]
    assert {pk for _, _, pk in seen} == {session.pk}

    admin = Client(HTTP_HOST="acme.localhost")
    admin.force_login(acme_admin)
    timeline = admin.get("/manage/activity/").content.decode()
    assert "impersonation.started" in timeline and "impersonation.ended" in timeline
    assert "Platform staff" in timeline

"""Where people see sign-in risk: tenant admins' risky sign-ins page, the security policy's thresholds
(portal page, inheritance), and the staff dashboard's risk trend."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.organisation.models import EntityType
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure
from apps.policy.defaults import POLICY_FIELDS
from apps.policy.selectors import policy_effective_for_user
from apps.policy.services import policy_set
from apps.security.dashboard import sign_in_risk_block
from apps.security.models import AuthEvent
from apps.security.risk_selectors import sign_in_risk_trend
from apps.security.services import auth_event_record

pytestmark = pytest.mark.django_db

PAGE = "/manage/sign-in-risk/"


def scored(user, tenant, score, *, kind=AuthEvent.Kind.LOGIN_SUCCEEDED, at=None, flags=("new_device",)):
    fields = {"risk_score": score, "risk_flags": list(flags), "country": "GB", "city": "London"}
    with mock.patch("django.utils.timezone.now", return_value=at or timezone.now()):
        return auth_event_record(kind=kind, user=user, tenant=tenant, risk_fields=fields)


# --- Risky sign-ins page -------------------------------------------------------------------------


def test_tenant_admins_see_their_peoples_high_risk_sign_ins(acme, globex, acme_client, acme_admin, acme_member,
                                                            globex_member):  # fmt: skip
    scored(acme_member, acme, 85, flags=("new_device", "new_country", "many_failures"))
    scored(acme_member, acme, 95, kind=AuthEvent.Kind.LOGIN_FAILED)
    scored(acme_member, acme, 10)  # below the page's default score
    scored(globex_member, globex, 90)  # another tenant's
    scored(acme_member, acme, 90, at=timezone.now() - timedelta(days=40))  # older than the period
    acme_client.force_login(acme_admin)
    response = acme_client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<td><strong>") == 2  # one per sign-in: its score
    assert "New country" in page and "Many failures" in page and "Refused" in page and "London, GB" in page
    assert acme_client.get(PAGE, {"min_score": 0, "days": 90}).content.decode().count("<td><strong>") == 4
    assert acme_client.get(PAGE, {"min_score": "junk"}).status_code == 200  # bad input: the default


def test_members_and_outsiders_are_refused(acme_client, acme_member, globex_member):
    assert acme_client.get(PAGE).status_code == 302  # anonymous: to sign-in
    acme_client.force_login(acme_member)
    assert acme_client.get(PAGE).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(PAGE).status_code == 403


def test_the_page_does_not_grow_queries_with_rows(acme, acme_client, acme_admin, acme_member,
                                                  django_assert_max_num_queries):  # fmt: skip
    acme_client.force_login(acme_admin)
    scored(acme_member, acme, 80)
    acme_client.get(PAGE)
    with django_assert_max_num_queries(30) as few:
        acme_client.get(PAGE)
    for _ in range(20):
        scored(acme_member, acme, 80)
    with django_assert_max_num_queries(len(few.captured_queries)):
        acme_client.get(PAGE)


# --- Security policy thresholds ------------------------------------------------------------------


def test_thresholds_default_inherit_and_the_strictest_wins(acme, acme_root, acme_member):
    with tenant_context(acme):
        policy = policy_effective_for_user(acme_member, use_cache=False)
        assert (policy.risk_step_up_score.value, policy.risk_refuse_score.value) == (50, 90)
        group = EntityType.objects.get(code="group")
        sales = entity_create(name="Sales", entity_type=group, parent=acme_root, acting_user=None)
        support = entity_create(name="Support", entity_type=group, parent=acme_root, acting_user=None)
        profile = profile_ensure(user=acme_member, acting_user=None)
        for entity in (sales, support):
            entity_membership_add(profile=profile, entity=entity, acting_user=None)
        policy_set(entity=acme_root, acting_user=None, risk_refuse_score=80)
        policy_set(entity=sales, acting_user=None, risk_step_up_score=20)
        policy_set(entity=support, acting_user=None, risk_step_up_score=40, risk_refuse_score=95)
        policy = policy_effective_for_user(acme_member, use_cache=False)
    assert (policy.risk_step_up_score.value, policy.risk_step_up_score.source_label) == (20, "Sales")
    assert (policy.risk_refuse_score.value, policy.risk_refuse_score.source_label) == (80, "Acme")


def _form(**values):
    data = {f"{field}_inherit": "on" for field in POLICY_FIELDS}
    for field, value in values.items():
        data.pop(f"{field}_inherit")
        data[field] = value
    return data


def test_tenant_admins_set_the_thresholds_on_the_security_policy_page(acme, acme_root, acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    url = f"/manage/security-policy/{acme_root.uuid}/edit/"
    page = acme_client.get(url).content.decode()
    assert "Ask for a second factor above sign-in risk" in page and "Refuse sign-ins above risk" in page
    refused = acme_client.post(url, _form(risk_step_up_score=101))
    assert refused.status_code == 400 and "less than or equal to 100" in refused.content.decode()
    assert acme_client.post(url, _form(risk_step_up_score=30, risk_refuse_score=70)).status_code == 302
    overview = acme_client.get("/manage/security-policy/").content.decode()
    assert "Score above 30" in overview and "Score above 70" in overview


# --- Staff dashboard -----------------------------------------------------------------------------


def test_the_trend_counts_sign_ins_per_day_by_band_in_one_query(acme, acme_member, django_assert_num_queries):
    today = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
    for score, days_ago in ((5, 0), (30, 0), (60, 0), (70, 1), (90, 13), (90, 14)):
        scored(acme_member, acme, score, at=today - timedelta(days=days_ago))
    scored(acme_member, acme, 95, kind=AuthEvent.Kind.LOGIN_FAILED, at=today)
    with django_assert_num_queries(1):
        trend = sign_in_risk_trend(today=today.date(), days=14)
    assert len(trend) == 14 and trend[0]["day"] == (today - timedelta(days=13)).date()
    last = trend[-1]
    assert (last["low"], last["medium"], last["high"], last["refused"], last["total"]) == (1, 1, 2, 1, 4)
    assert trend[-2]["high"] == 1 and trend[0]["high"] == 1  # 14 days ago is outside


def test_the_dashboard_block_is_for_staff_who_may_read_auth_events(platform_client, platform_superuser, acme_member):
    now = timezone.now()
    assert sign_in_risk_block(acme_member, now) is None
    assert len(sign_in_risk_block(platform_superuser, now)["days"]) == 14
    platform_client.force_login(platform_superuser)
    page = platform_client.get("/admin/").content.decode()
    assert 'id="dashboard-sign-in-risk"' in page and "Sign-in risk, last 14 days" in page
    high = platform_client.get("/admin/security/authevent/", {"risk": "high"})
    assert high.status_code == 200

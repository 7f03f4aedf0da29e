"""The staff admin writes plans and domains only through services: history names the staff member
and an audit event records the change; a domain's verification and primary flag come only from
the DNS proof services."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from apps.audit.models import AuditEvent
from apps.tenancy import domains
from apps.tenancy.models import Domain, DomainVerificationStatus, Plan

from .test_admin import PLAN_FORM

pytestmark = pytest.mark.django_db

PLANS, DOMAINS = "/admin/tenancy/plan/", "/admin/tenancy/domain/"


def _event(action: str, target) -> AuditEvent:
    return AuditEvent.objects.get(action=action, target_type=target._meta.label_lower, target_id=str(target.pk))


def test_a_plan_added_and_changed_in_the_admin_keeps_history_and_audits(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(f"{PLANS}add/", {**PLAN_FORM, "price_annual": "490.00"})
    assert response.status_code == 302
    plan = Plan.objects.get(name="growth")
    created = _event("plan.created", plan)
    assert created.actor_id == platform_superuser.pk and created.after["price_annual"] == "490.00"

    response = platform_client.post(f"{PLANS}{plan.pk}/change/", {**PLAN_FORM, "price_annual": "490.00",
                                                                    "price_monthly": "59.00"})  # fmt: skip
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.price_monthly == Decimal("59.00")
    updated = _event("plan.updated", plan)
    assert (updated.before, updated.after) == ({"price_monthly": "49.00"}, {"price_monthly": "59.00"})
    assert plan.history.latest().history_user_id == platform_superuser.pk


@pytest.fixture
def custom_domain(acme, platform_client, platform_superuser) -> Domain:
    platform_client.force_login(platform_superuser)
    response = platform_client.post(f"{DOMAINS}add/", {"domain": "portal.acme-corp.example", "tenant": acme.pk,
                                                       "tls_status": "none"})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Domain.objects.get(domain="portal.acme-corp.example")


def test_a_domain_added_in_the_admin_goes_through_domain_add_unverified(custom_domain, platform_superuser):
    assert (custom_domain.verification_status, custom_domain.is_primary) == (DomainVerificationStatus.UNVERIFIED, False)
    assert _event("domain.added", custom_domain).actor_id == platform_superuser.pk
    assert custom_domain.history.latest().history_user_id == platform_superuser.pk


def test_verified_and_primary_are_read_only_on_the_domain_form(custom_domain, platform_client):
    page = platform_client.get(f"{DOMAINS}{custom_domain.pk}/change/").content.decode()
    for field in ("is_primary", "verification_status", "domain", "tenant"):
        assert f'name="{field}"' not in page
    platform_client.post(
        f"{DOMAINS}{custom_domain.pk}/change/", {"is_primary": "on", "verification_status": "verified"}
    )
    custom_domain.refresh_from_db()
    assert (custom_domain.verification_status, custom_domain.is_primary) == (DomainVerificationStatus.UNVERIFIED, False)


def test_domain_actions_verify_by_dns_then_make_primary(
    custom_domain, platform_client, platform_superuser, monkeypatch
):
    def action(name: str):
        return platform_client.post(DOMAINS, {"action": name, ACTION_CHECKBOX_NAME: [custom_domain.pk]}, follow=True)

    assert "Verify the domain before making it primary." in action("make_primary").content.decode()
    custom_domain.refresh_from_db()
    assert not custom_domain.is_primary  # refused: not verified yet

    monkeypatch.setattr(domains, "_txt_values", lambda hostname: [custom_domain.verification_token])
    assert "1 of 1 domain(s) verified." in action("verify_domains").content.decode()
    custom_domain.refresh_from_db()
    assert custom_domain.is_verified and _event("domain.verified", custom_domain).actor_id == platform_superuser.pk

    assert "is now the primary domain" in action("make_primary").content.decode()
    custom_domain.refresh_from_db()
    assert custom_domain.is_primary and _event("domain.made_primary", custom_domain).actor_id == platform_superuser.pk


def test_deleting_a_domain_in_the_admin_goes_through_domain_remove(custom_domain, platform_client):
    response = platform_client.post(f"{DOMAINS}{custom_domain.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Domain.objects.filter(pk=custom_domain.pk).exists()
    assert AuditEvent.objects.filter(action="domain.removed", target_id="portal.acme-corp.example").exists()

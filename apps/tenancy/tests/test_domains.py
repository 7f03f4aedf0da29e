"""Custom domains: validation, DNS TXT verification against a local DNS server, routing, portal page."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.accounts.models import Membership
from apps.audit.models import AuditEvent
from apps.tenancy.domains import (
    domain_add,
    domain_make_primary,
    domain_remove,
    domain_verify,
    domains_reverify,
    verification_record_name,
)
from apps.tenancy.models import Domain
from tests.factories import MembershipFactory

from .local_dns import SERVFAIL, dns_server_running

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns_server(settings):
    yield from dns_server_running(settings)


SHOP = "shop.acme-corp.test"


@pytest.fixture
def shop(acme, acme_admin) -> Domain:
    return domain_add(tenant=acme, domain=SHOP, acting_user=acme_admin)


def publish(server, domain: Domain, *values: str) -> None:
    server.records[verification_record_name(domain)] = list(values or [domain.verification_token])


def audited(action: str, domain: Domain) -> bool:
    return AuditEvent.objects.filter(action=action, target_type="tenancy.domain", target_id=str(domain.pk)).exists()


# --- Adding -------------------------------------------------------------------------------------


def test_added_custom_domain_is_unverified_with_a_token(shop, acme):
    assert shop.tenant == acme and not shop.is_primary and not shop.is_verified
    assert len(shop.verification_token) == 32
    assert audited("domain.added", shop)


def test_hostname_is_normalised(acme, acme_admin):
    domain = domain_add(tenant=acme, domain="  Office.ACME-Corp.test. ", acting_user=acme_admin)
    assert domain.domain == "office.acme-corp.test"


@pytest.mark.parametrize(
    "value", ["", "acme", "https://shop.acme.test", "shop.acme.test:8000", "shop..acme.test", "-shop.acme.test",
              "shop.acme.test/path", "10.0.0.1", "a" * 64 + ".test"],
)  # fmt: skip
def test_invalid_hostname_refused(acme, acme_admin, value):
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=acme, domain=value, acting_user=acme_admin)
    assert exc.value.code == "invalid_domain"
    assert not Domain.objects.filter(tenant=acme).exclude(domain="acme.localhost").exists()


def test_domain_of_another_tenant_is_taken(acme, globex, acme_admin):
    domain_add(tenant=globex, domain="portal.globex.test", acting_user=None)
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=acme, domain="PORTAL.globex.test", acting_user=acme_admin)
    assert exc.value.code == "domain_taken" and "another organisation" in exc.value.message
    assert Domain.objects.get(domain="portal.globex.test").tenant == globex


def test_own_domain_twice_is_taken(shop, acme, acme_admin):
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=acme, domain=SHOP, acting_user=acme_admin)
    assert exc.value.code == "domain_taken"


@pytest.mark.parametrize("value", ["globex.localhost", "new.localhost", "www.acme.localhost"])
def test_platform_subdomains_refused(acme, acme_admin, value):
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=acme, domain=value, acting_user=acme_admin)
    assert exc.value.code == "platform_domain"
    assert not Domain.objects.filter(domain=value, tenant=acme).exists()


def test_own_platform_subdomain_is_allowed_and_verified(acme, acme_admin):
    Domain.objects.filter(domain="acme.localhost").update(is_primary=False)
    Domain.objects.filter(domain="acme.localhost").delete()
    domain = domain_add(tenant=acme, domain="acme.localhost", acting_user=acme_admin, is_primary=True)
    assert domain.is_verified and domain.is_primary


def test_second_primary_refused(acme, acme_admin):
    with pytest.raises(ValidationError) as exc:
        domain_add(tenant=acme, domain=SHOP, acting_user=acme_admin, is_primary=True)
    assert exc.value.code == "primary_exists"
    assert not Domain.objects.filter(domain=SHOP).exists()


# --- Verification ---------------------------------------------------------------------------------


def test_verify_with_the_right_txt_record(dns_server, shop):
    publish(dns_server, shop)
    assert domain_verify(domain=shop) is True
    shop.refresh_from_db()
    assert shop.is_verified and shop.verified_at and shop.last_checked_at and shop.last_check_error == ""
    assert dns_server.queries == [f"_nidia-verification.{SHOP}"]
    assert audited("domain.verified", shop)


def test_token_among_several_txt_values(dns_server, shop):
    publish(dns_server, shop, "v=spf1 -all", shop.verification_token)
    assert domain_verify(domain=shop) is True


def test_missing_record_leaves_it_unverified(dns_server, shop):
    assert domain_verify(domain=shop) is False
    shop.refresh_from_db()
    assert not shop.is_verified and shop.last_checked_at
    assert shop.last_check_error == f"No TXT record found at _nidia-verification.{SHOP}."
    assert not audited("domain.verified", shop)


def test_wrong_token_leaves_it_unverified(dns_server, shop):
    publish(dns_server, shop, "someone-elses-token")
    assert domain_verify(domain=shop) is False
    shop.refresh_from_db()
    assert not shop.is_verified and "does not hold this domain's token" in shop.last_check_error


def test_record_removed_later_unverifies(dns_server, shop):
    publish(dns_server, shop)
    domain_verify(domain=shop)
    dns_server.records.clear()
    assert domain_verify(domain=shop) is False
    shop.refresh_from_db()
    assert not shop.is_verified and shop.verified_at is None
    assert audited("domain.verification_lost", shop)


def test_failing_resolver_keeps_a_verified_domain(dns_server, shop):
    publish(dns_server, shop)
    domain_verify(domain=shop)
    dns_server.records[verification_record_name(shop)] = SERVFAIL
    assert domain_verify(domain=shop) is True
    shop.refresh_from_db()
    assert shop.is_verified and "lookup" in shop.last_check_error and "failed" in shop.last_check_error


def test_unreachable_resolver_is_a_failed_check_not_a_crash(settings, shop):
    settings.DNS_RESOLVER_NAMESERVERS, settings.DNS_RESOLVER_PORT = ["127.0.0.1"], 9  # nothing listens (discard)
    settings.DNS_RESOLVER_TIMEOUT_SECONDS = 0.3
    assert domain_verify(domain=shop) is False
    shop.refresh_from_db()
    assert "failed" in shop.last_check_error


def test_reverify_checks_only_custom_domains(dns_server, shop):
    publish(dns_server, shop)
    assert domains_reverify() == {"checked": 1, "verified": 1}
    assert all(not name.endswith(".localhost") for name in dns_server.queries)


# --- Routing ------------------------------------------------------------------------------------


def test_unverified_domain_does_not_route_until_verified(dns_server, shop, acme_member):
    client = Client(HTTP_HOST=SHOP)
    response = client.get("/api/v1/tenant/")
    assert response.status_code == 404 and response.json()["code"] == "unknown_host"
    publish(dns_server, shop)
    domain_verify(domain=shop)
    client.force_login(acme_member)
    response = client.get("/api/v1/tenant/")
    assert response.status_code == 200 and response.json()["slug"] == "acme"


# --- Primary and removal ----------------------------------------------------------------------------


def test_make_primary_needs_verification(shop, acme_admin):
    with pytest.raises(ValidationError) as exc:
        domain_make_primary(domain=shop, acting_user=acme_admin)
    assert exc.value.code == "domain_unverified"
    assert Domain.objects.get(domain="acme.localhost").is_primary


def test_make_primary_moves_the_primary(dns_server, shop, acme_admin):
    publish(dns_server, shop)
    domain_verify(domain=shop)
    domain_make_primary(domain=shop, acting_user=acme_admin)
    assert Domain.objects.get(domain=SHOP).is_primary
    assert not Domain.objects.get(domain="acme.localhost").is_primary
    assert audited("domain.made_primary", shop)


def test_primary_and_platform_domains_cannot_be_removed(acme, shop, acme_admin):
    platform = Domain.objects.get(domain="acme.localhost")
    with pytest.raises(ValidationError) as exc:
        domain_remove(domain=platform, acting_user=acme_admin)
    assert exc.value.code == "primary_domain"
    domain_remove(domain=shop, acting_user=acme_admin)
    assert not Domain.objects.filter(domain=SHOP).exists()
    assert AuditEvent.objects.filter(action="domain.removed", target_id=SHOP).exists()


# --- Portal -------------------------------------------------------------------------------------


def test_admin_sees_the_txt_record_to_create(acme_client, acme_admin, shop, django_assert_max_num_queries):
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(12):
        response = acme_client.get("/manage/domains/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"_nidia-verification.{SHOP}" in body and shop.verification_token in body and "Check now" in body


def test_admin_adds_a_domain(acme_client, acme_admin, acme):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/domains/", {"domain": "Intranet.Acme-Corp.test"})
    assert response.status_code == 302
    assert Domain.objects.get(domain="intranet.acme-corp.test").tenant == acme


def test_add_form_shows_the_error_and_writes_nothing(acme_client, acme_admin, acme):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/domains/", {"domain": "globex.localhost"})
    assert response.status_code == 400
    assert "belongs to the NIDIA Flow platform" in response.content.decode()
    assert Domain.objects.filter(tenant=acme).count() == 1


def test_check_now_button(acme_client, acme_admin, shop, dns_server):
    publish(dns_server, shop)
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/domains/{shop.pk}/check/", follow=True)
    assert "is verified" in response.content.decode()
    shop.refresh_from_db()
    assert shop.is_verified


@pytest.fixture
def acme_suspended_admin(acme):
    return MembershipFactory(
        tenant=acme, role=Membership.Role.TENANT_ADMIN, status=Membership.Status.SUSPENDED,
        user__email="suspended-admin@acme.test",
    ).user  # fmt: skip


@pytest.mark.parametrize("who", ["acme_member", "globex_member", "acme_suspended_admin"])
def test_portal_refused_to_non_admins_and_outsiders(request, acme_client, shop, who):
    acme_client.force_login(request.getfixturevalue(who))
    assert acme_client.get("/manage/domains/").status_code == 403
    assert acme_client.post("/manage/domains/", {"domain": "x.acme-corp.test"}).status_code == 403
    assert acme_client.post(f"/manage/domains/{shop.pk}/remove/").status_code == 403
    assert Domain.objects.filter(domain=SHOP).exists() and not Domain.objects.filter(domain="x.acme-corp.test").exists()


def test_anonymous_is_sent_to_sign_in(acme_client):
    response = acme_client.get("/manage/domains/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_tenants_domain_is_not_found(globex_client, globex, shop):
    admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN, user__email="admin@globex.test").user
    globex_client.force_login(admin)
    assert globex_client.post(f"/manage/domains/{shop.pk}/remove/").status_code == 404
    assert globex_client.post(f"/manage/domains/{shop.pk}/check/").status_code == 404
    assert SHOP not in globex_client.get("/manage/domains/").content.decode()
    assert Domain.objects.filter(domain=SHOP).exists()

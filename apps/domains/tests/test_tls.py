"""The on-demand TLS `ask` endpoint, the certificate check task and where staff and tenant admins see it.

The probe itself (a TLS connection through Caddy) is exercised in tests/test_caddy_tls.py; here it is
replaced by fixed results so every status and transition is covered without a proxy.
"""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.domains import tls
from apps.domains.tasks import check_tls
from apps.tenancy.domains import domain_add
from apps.tenancy.models import Domain, DomainVerificationStatus, Tenant, TlsStatus

pytestmark = pytest.mark.django_db

SHOP = "shop.acme-corp.test"
ASK = "/internal/tls/allow"


def verified(domain: Domain) -> Domain:
    Domain.objects.filter(pk=domain.pk).update(
        verification_status=DomainVerificationStatus.VERIFIED, verified_at=timezone.now()
    )
    domain.refresh_from_db()
    return domain


@pytest.fixture
def shop(acme, acme_admin) -> Domain:
    return verified(domain_add(tenant=acme, domain=SHOP, acting_user=acme_admin))


@pytest.fixture
def unverified(acme, acme_admin) -> Domain:
    return domain_add(tenant=acme, domain="new.acme-corp.test", acting_user=acme_admin)


def ask(domain: str, *, host: str = "127.0.0.1:8000", **extra: Any):
    return Client(HTTP_HOST=host).get(ASK, {"domain": domain}, **extra)


# --- The ask endpoint -----------------------------------------------------------------------------


def test_verified_domain_of_an_active_tenant_is_allowed(shop):
    response = ask("SHOP.acme-corp.test.")  # case and a trailing dot as a resolver may send them
    assert response.status_code == 200
    assert response.json() == {"allowed": True, "code": "allowed", "detail": f"“{SHOP}” may have a certificate."}


def test_tenant_platform_address_is_allowed(acme):
    assert ask("acme.localhost").status_code == 200


def test_answers_on_any_host_it_is_called_at(shop):
    assert ask(SHOP, host="localhost").status_code == 200  # the platform domain, as the brief's e.g.
    assert ask(SHOP, host="no-such-host.test").status_code == 200  # before routing: no unknown-host 404


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("unknown.example.test", 404, "unknown_domain"),
        ("", 400, "domain_missing"),
        ("localhost", 404, "unknown_domain"),
    ],
)
def test_unknown_names_are_refused(acme, name, status, code):
    response = ask(name)
    assert response.status_code == status and response.json()["code"] == code and not response.json()["allowed"]


def test_unverified_domain_is_refused(unverified):
    response = ask(unverified.domain)
    assert response.status_code == 403 and response.json()["code"] == "domain_unverified"


@pytest.mark.parametrize("status", [Tenant.Status.SUSPENDED, Tenant.Status.ARCHIVED, Tenant.Status.DELETED])
def test_domain_of_an_inactive_tenant_is_refused(shop, acme, status):
    Tenant.objects.filter(pk=acme.pk).update(status=status)
    response = ask(SHOP)
    assert response.status_code == 403 and response.json()["code"] == "tenant_inactive"


def test_template_schema_has_no_certificate(template_tenant):
    Domain.objects.create(domain="template.example.test", tenant=template_tenant,
                          verification_status=DomainVerificationStatus.VERIFIED)  # fmt: skip
    assert ask("template.example.test").json()["code"] == "unknown_domain"


@pytest.mark.parametrize(
    "extra",
    [{"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, {"HTTP_FORWARDED": "for=203.0.113.9"}, {"REMOTE_ADDR": "203.0.113.9"},
     {"REMOTE_ADDR": "10.0.0.5"}],
)  # fmt: skip
def test_outsiders_are_refused(shop, extra):
    response = ask(SHOP, **extra)
    assert response.status_code == 403 and response.json()["code"] == "not_internal"


def test_other_peers_may_be_allowed(shop, settings):
    settings.TLS_ASK_ALLOWED_PEERS = ["10.0.0.5"]  # a proxy on another host of a private network
    assert ask(SHOP, REMOTE_ADDR="10.0.0.5").status_code == 200
    assert ask(SHOP).status_code == 403


def test_only_get(shop):
    assert Client(HTTP_HOST="127.0.0.1").post(ASK, {"domain": SHOP}).status_code == 405


def test_ask_costs_one_query(shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the public search path, then the domain with its tenant
        ask(SHOP)


def test_www_custom_domain_routes_as_itself(acme, acme_admin, acme_member):
    """Caddy gets a certificate for www.<domain>; routing must then serve that tenant there too."""
    verified(domain_add(tenant=acme, domain="www.acme-corp.test", acting_user=acme_admin))
    assert ask("www.acme-corp.test").status_code == 200
    client = Client(HTTP_HOST="www.acme-corp.test")
    client.force_login(acme_member)
    response = client.get("/api/v1/tenant/")
    assert response.status_code == 200 and response.json()["slug"] == "acme"
    assert Client(HTTP_HOST="acme-corp.test").get("/api/v1/tenant/").status_code == 404  # not the bare name


# --- Recording a probe ----------------------------------------------------------------------------

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


class Probes(dict[str, tls.CertificateProbe]):
    """Fixed probe results per hostname (a missing name: connection refused), and the names probed."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __call__(self, hostname: str) -> tls.CertificateProbe:
        self.calls.append(hostname)
        return self.get(hostname, tls.CertificateProbe(error="Could not connect on port 443: Connection refused."))


@pytest.fixture
def probes(monkeypatch) -> Probes:
    fake = Probes()
    monkeypatch.setattr(tls, "tls_probe", fake)
    return fake


def test_status_from_expiry(settings):
    settings.TLS_EXPIRING_WITHIN_DAYS = 14
    far, near = NOW + dt.timedelta(days=60), NOW + dt.timedelta(days=13)
    assert tls.tls_status_for(tls.CertificateProbe(expires_at=far), now=NOW) == TlsStatus.ACTIVE
    assert tls.tls_status_for(tls.CertificateProbe(expires_at=near), now=NOW) == TlsStatus.EXPIRING
    assert tls.tls_status_for(tls.CertificateProbe(expires_at=NOW - dt.timedelta(hours=1)), now=NOW) == "expiring"
    assert tls.tls_status_for(tls.CertificateProbe(error="TLS handshake failed: X."), now=NOW) == TlsStatus.FAILED


def test_task_records_each_served_custom_domain(shop, unverified, probes, acme):
    expiry = timezone.now() + dt.timedelta(days=80)
    probes[SHOP] = tls.CertificateProbe(expires_at=expiry)
    assert check_tls() == {"active": 1, "expiring": 0, "failed": 0, "forgotten": 0}
    shop.refresh_from_db()
    assert (shop.tls_status, shop.tls_expires_at, shop.tls_error) == (TlsStatus.ACTIVE, expiry, "")
    assert shop.tls_checked_at is not None
    assert probes.calls == [SHOP]  # not the unverified domain, not acme.localhost


def test_failing_domain_records_the_error_and_a_history_row(shop, probes):
    check_tls()
    shop.refresh_from_db()
    assert shop.tls_status == TlsStatus.FAILED and shop.tls_expires_at is None
    assert shop.tls_error == "Could not connect on port 443: Connection refused."
    assert shop.history.filter(tls_status=TlsStatus.FAILED).count() == 1


def test_unchanged_result_only_moves_the_check_time(shop, probes):
    probes[SHOP] = tls.CertificateProbe(expires_at=timezone.now() + dt.timedelta(days=80))
    check_tls()
    first = Domain.objects.get(pk=shop.pk).tls_checked_at
    rows = shop.history.count()
    check_tls()
    assert Domain.objects.get(pk=shop.pk).tls_checked_at > first
    assert shop.history.count() == rows  # an hourly check does not fill the history


def test_suspended_tenants_and_unverified_domains_are_forgotten(shop, probes, acme):
    probes[SHOP] = tls.CertificateProbe(expires_at=timezone.now() + dt.timedelta(days=80))
    check_tls()
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.SUSPENDED)
    assert check_tls()["forgotten"] == 1
    shop.refresh_from_db()
    assert (shop.tls_status, shop.tls_expires_at) == (TlsStatus.NONE, None)
    assert probes.calls == [SHOP]  # not probed while suspended


def test_admins_are_told_when_a_certificate_starts_failing(shop, probes, acme_admin, acme_member,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        check_tls()
    assert [message.to for message in mail.outbox] == [[acme_admin.email]]
    assert SHOP in mail.outbox[0].subject and "Connection refused" in mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        check_tls()  # still failing: not told again
    assert len(mail.outbox) == 1
    probes[SHOP] = tls.CertificateProbe(expires_at=timezone.now() + dt.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        check_tls()
    assert len(mail.outbox) == 2 and "about to expire" in mail.outbox[1].body


def test_database_refuses_an_unknown_status(shop):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Domain.objects.filter(pk=shop.pk).update(tls_status="issued-ish")


# --- Portal ---------------------------------------------------------------------------------------


def test_portal_shows_the_certificate(acme_client, acme_admin, shop, unverified, django_assert_max_num_queries):
    Domain.objects.filter(pk=shop.pk).update(
        tls_status=TlsStatus.EXPIRING, tls_expires_at=dt.datetime(2027, 1, 2, 12, 0, tzinfo=dt.UTC),
        tls_checked_at=timezone.now(), tls_error="",
    )  # fmt: skip
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(12):
        response = acme_client.get("/manage/domains/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Certificate expiring" in body and "valid until 2027-01-02" in body
    assert "Issued once the domain is verified." in body and "Provided by NIDIA Flow." in body
    assert f"/manage/domains/{shop.pk}/check-certificate/" in body
    assert f"/manage/domains/{unverified.pk}/check-certificate/" not in body


def test_portal_check_certificate_records_it(acme_client, acme_admin, shop, probes):
    probes[SHOP] = tls.CertificateProbe(expires_at=timezone.now() + dt.timedelta(days=80))
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/domains/{shop.pk}/check-certificate/", follow=True)
    assert "certificate issued" in response.content.decode()
    assert Domain.objects.get(pk=shop.pk).tls_status == TlsStatus.ACTIVE


def test_portal_check_of_an_unverified_domain_probes_nothing(acme_client, acme_admin, unverified, probes):
    acme_client.force_login(acme_admin)
    response = acme_client.post(f"/manage/domains/{unverified.pk}/check-certificate/", follow=True)
    assert "only once it is verified" in response.content.decode()
    assert probes.calls == []


@pytest.mark.parametrize("who", ["acme_member", "globex_member"])
def test_portal_check_refused_to_members_and_outsiders(request, acme_client, shop, probes, who):
    acme_client.force_login(request.getfixturevalue(who))
    assert acme_client.post(f"/manage/domains/{shop.pk}/check-certificate/").status_code == 403
    assert probes.calls == []


def test_other_tenants_admin_gets_not_found(globex_client, globex, shop, probes):
    from apps.accounts.models import Membership
    from tests.factories import MembershipFactory

    admin = MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN, user__email="admin@globex.test").user
    globex_client.force_login(admin)
    assert globex_client.post(f"/manage/domains/{shop.pk}/check-certificate/").status_code == 404
    assert probes.calls == []


# --- Staff admin ----------------------------------------------------------------------------------


def test_staff_admin_lists_and_shows_the_certificate(platform_client, platform_superuser, shop):
    Domain.objects.filter(pk=shop.pk).update(tls_status=TlsStatus.FAILED, tls_error="TLS handshake failed: X.",
                                             tls_checked_at=timezone.now())  # fmt: skip
    platform_client.force_login(platform_superuser)
    listing = platform_client.get("/admin/tenancy/domain/?tls_status__exact=failed").content.decode()
    assert SHOP in listing and "Certificate failing" in listing
    page = platform_client.get(f"/admin/tenancy/domain/{shop.pk}/change/").content.decode()
    assert "TLS handshake failed: X." in page


def test_staff_admin_action_checks_now(platform_client, platform_superuser, shop, probes):
    probes[SHOP] = tls.CertificateProbe(expires_at=timezone.now() + dt.timedelta(days=5))
    platform_client.force_login(platform_superuser)
    response = platform_client.post(
        "/admin/tenancy/domain/", {"action": "check_tls", "_selected_action": [shop.pk]}, follow=True
    )
    assert f"{SHOP}: Certificate expiring" in response.content.decode()
    assert Domain.objects.get(pk=shop.pk).tls_status == TlsStatus.EXPIRING


def test_staff_without_change_permission_cannot_check(platform_client, support_staff, shop, probes):
    platform_client.force_login(support_staff)
    platform_client.post("/admin/tenancy/domain/", {"action": "check_tls", "_selected_action": [shop.pk]})
    assert probes.calls == []

"""The whole journey with the real views: signup → verify → company → details and plan → provisioning
job (run here, as the worker would) → the person is the tenant admin → the hand-off signs them in."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.models import Membership, User
from apps.audit.models import AuditEvent
from apps.billing.models import LIVE_STATUSES, Subscription
from apps.onboarding.models import Onboarding
from apps.reference.models import TaxIdVerification, TenantCompanyRecord
from apps.tenancy.models import ProvisioningJob, Tenant
from apps.tenancy.tasks import provision_tenant

from .conftest import ACTIVE_ABN, CANCELLED_ABN, fresh_email, fresh_ip

pytestmark = pytest.mark.django_db

PASSWORD = "orange-Kettle-93-harbour"


def _verified_client(email: str) -> tuple[Client, User]:
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR=fresh_ip())
    client.post("/signup/", {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    found = re.search(r"http://localhost(/accounts/confirm-email/[^/\s]+/)", str(mail.outbox[-1].body))
    assert found is not None
    link = found.group(1)
    response = client.post(link, follow=True)
    assert response.redirect_chain[-1][0] == "/onboarding/company/"
    return client, User.objects.get(email=email)


def _details(plan, industry, **overrides):
    data = {
        "display_name_source": "business", "business_name": "ACME ROSTERS", "industry": industry.pk,
        "company_size": "10-49", "billing_email": "Accounts@AcmeRosters.test", "address_line": "1 George St",
        "city": "Sydney", "region": "NSW", "postal_code": "2000", "slug": "acme-rosters", "plan": plan.pk,
    }  # fmt: skip
    return {**data, **overrides}


def test_signup_to_the_new_portal(abr_stub, countries, industry, plan):
    client, user = _verified_client(fresh_email("founder"))

    assert client.post("/onboarding/company/", {"country": "AU", "tax_id": "53 004 085 616"}).status_code == 302
    response = client.post("/onboarding/details/", _details(plan, industry))
    onboarding = Onboarding.objects.get(user=user)
    assert response["Location"] == f"/onboarding/{onboarding.pk}/progress/"

    tenant = onboarding.tenant
    assert (tenant.name, tenant.slug, tenant.plan, tenant.country) == ("ACME ROSTERS", "acme-rosters", plan, "AU")
    assert tenant.billing_email == "accounts@acmerosters.test"
    record = TenantCompanyRecord.objects.get(tenant=tenant)
    assert (record.legal_name, record.tax_id, record.tax_id_verification) == (
        "ACME HOLDINGS PTY LTD", ACTIVE_ABN, TaxIdVerification.ABR)  # fmt: skip
    assert record.business_names == ["ACME ROSTERS", "ACME WORKFORCE"]  # the chosen one first
    assert (record.display_name_source, record.display_name) == ("business", "ACME ROSTERS")
    assert (record.entity_type, record.abn_status, record.gst_registered) == (
        "Australian Private Company",
        "Active",
        True,
    )
    assert (record.industry, record.company_size, record.city) == (industry, "10-49", "Sydney")
    assert AuditEvent.objects.filter(action="company_record.changed", tenant_id=str(tenant.pk)).exists()

    # While the job has not run, the progress fragment keeps polling.
    waiting = client.get(f"/onboarding/{onboarding.pk}/progress/", HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in waiting.content

    assert provision_tenant(onboarding.job_id) == ProvisioningJob.Status.SUCCEEDED
    membership = Membership.objects.get(user=user, tenant=tenant)
    assert (membership.role, membership.joined_via) == (Membership.Role.TENANT_ADMIN, Membership.JoinedVia.SIGNUP)
    # A subscription from day one (billing's start_subscription step), on the plan chosen at signup.
    [subscription] = Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES)
    assert subscription.plan == plan
    assert subscription.status == ("trialing" if plan.trial_days else "past_due")  # no card yet: first charge fails

    done = client.get(f"/onboarding/{onboarding.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == f"/onboarding/{onboarding.pk}/enter/"
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.COMPLETED

    handoff = urlsplit(client.get(f"/onboarding/{onboarding.pk}/enter/")["Location"])
    assert handoff.hostname == "acme-rosters.localhost"
    portal = Client(HTTP_HOST="acme-rosters.localhost")
    assert portal.get(handoff.path)["Location"] == "/manage/"
    page = portal.get("/manage/")
    assert page.status_code == 200
    assert b"ACME ROSTERS" in page.content
    assert portal.get(handoff.path).status_code == 403  # used once


def test_double_submit_creates_one_tenant(abr_stub, countries, industry, plan):
    client, user = _verified_client(fresh_email("twice"))
    client.post("/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN})
    first = client.post("/onboarding/details/", _details(plan, industry))
    second = client.post("/onboarding/details/", _details(plan, industry))
    assert first["Location"] == second["Location"]
    assert Tenant.objects.filter(slug="acme-rosters").count() == 1
    assert Onboarding.objects.filter(user=user).count() == 1
    assert ProvisioningJob.objects.filter(tenant__slug="acme-rosters").count() == 1


def test_cancelled_abn_is_refused_and_nothing_is_kept(abr_stub, countries):
    client, user = _verified_client(fresh_email("cancelled"))
    response = client.post("/onboarding/company/", {"country": "AU", "tax_id": CANCELLED_ABN})
    assert response.status_code == 400
    assert "is cancelled on 30 June 2019" in response.content.decode()
    assert Onboarding.objects.get(user=user).company == {}


def test_register_unreachable_allows_manual_entry_marked_unverified(abr_down, countries, industry, plan):
    client, _ = _verified_client(fresh_email("manual"))
    refused = client.post("/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN})
    assert refused.status_code == 400
    assert "cannot be reached" in refused.content.decode()
    assert b'name="accept_unverified"' in refused.content
    missing_name = client.post(
        "/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN, "accept_unverified": "on"}
    )
    assert "Enter the company&#x27;s legal name." in missing_name.content.decode()
    accepted = client.post("/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN, "accept_unverified": "on",
                                                     "legal_name": "Acme Holdings Pty Ltd"})  # fmt: skip
    assert accepted.status_code == 302
    client.post("/onboarding/details/", _details(plan, industry, display_name_source="legal", business_name=""))
    record = TenantCompanyRecord.objects.get(tenant__slug="acme-rosters")
    assert (record.legal_name, record.tax_id_verification) == ("Acme Holdings Pty Ltd", TaxIdVerification.UNVERIFIED)


@pytest.mark.parametrize(
    "slug, message", [("acme", "acme.localhost is already taken."), ("admin", "“admin” is reserved."),
                      ("A!", "Use 3-50 lowercase letters")],
)  # fmt: skip
def test_taken_reserved_or_invalid_subdomain_creates_nothing(abr_stub, countries, industry, plan, acme, slug, message):
    client, user = _verified_client(fresh_email("slug"))
    client.post("/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN})
    tenants = Tenant.objects.count()
    response = client.post("/onboarding/details/", _details(plan, industry, slug=slug))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Tenant.objects.count() == tenants
    assert Onboarding.objects.get(user=user).status == Onboarding.Status.DRAFT


@pytest.mark.parametrize(
    "slug, answer", [("acme", b"Taken"), ("www", b"Reserved"), ("A", b"Invalid"), ("fresh-company", b"Available")]
)
def test_subdomain_availability_answers_live(acme, acme_member, slug, answer):
    client = Client(HTTP_HOST="localhost")
    client.force_login(acme_member)
    response = client.get("/onboarding/subdomain/", {"slug": slug}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.startswith(b"<span") and answer in response.content


def test_onboarding_pages_need_a_signed_in_person():
    response = Client(HTTP_HOST="localhost").get("/onboarding/subdomain/?slug=x")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_persons_attempt_is_not_found(abr_stub, countries, industry, plan, acme_member):
    client, user = _verified_client(fresh_email("owner"))
    client.post("/onboarding/company/", {"country": "AU", "tax_id": ACTIVE_ABN})
    client.post("/onboarding/details/", _details(plan, industry))
    onboarding = Onboarding.objects.get(user=user)
    other = Client(HTTP_HOST="localhost")
    other.force_login(acme_member)
    assert other.get(f"/onboarding/{onboarding.pk}/progress/").status_code == 404
    assert other.get(f"/onboarding/{onboarding.pk}/enter/").status_code == 404

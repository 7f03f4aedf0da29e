"""The staff console for tenants: list, search, tenant page, overview of schemas, plans, jobs, usage, roles."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.tenancy.models import (
    Domain,
    Plan,
    ProvisioningJob,
    ProvisioningStep,
    Tenant,
    TenantStatus,
    TenantUsageDaily,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/tenancy/tenant/"
SCHEMAS = "/admin/tenancy/tenant/schemas/"


def change_url(tenant: Tenant) -> str:
    return f"{LIST}{tenant.pk}/change/"


@pytest.fixture
def starter(db) -> Plan:
    return Plan.objects.create(name="starter-t", display_name="Starter T", max_users=10)


def rows(count: int, *, prefix: str = "row", plan: Plan | None = None) -> list[Tenant]:
    """Tenant rows without schemas: enough for the list pages."""
    return Tenant.objects.bulk_create(
        Tenant(name=f"{prefix.title()} {i}", slug=f"{prefix}-{i}", schema_name=f"t_{prefix}_{i}", plan=plan,
               status=TenantStatus.ACTIVE)
        for i in range(count)
    )  # fmt: skip


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Change list ----------------------------------------------------------------------------------


def test_list_shows_plan_status_and_usage_against_limits(platform_client, platform_superuser, acme, starter):
    usage = {"current_users": 3, "max_users": 10, "current_storage_gb": Decimal("0.5"), "max_storage_gb": 2}
    Tenant.objects.filter(pk=acme.pk).update(plan=starter, **usage)
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get(LIST))
    assert "Acme" in page and "Globex" in page and "Starter T" in page
    assert "3 / 10" in page and "0.5 / 2 GB" in page
    assert "Tenant template" not in page
    assert 'href="/admin/tenancy/tenant/schemas/"' in page


def listed(client, **params) -> list[str]:
    page = body(client.get(LIST, params))
    return re.findall(r'<th class="field-name"><a href="[^"]+">([^<]+)</a>', page)


def test_search_by_name_slug_or_exact_domain_without_duplicates(platform_client, platform_superuser, acme, globex):
    for name in ("shop.acme.test", "www.acme.test"):
        Domain.objects.create(domain=name, tenant=acme, is_primary=False)
    platform_client.force_login(platform_superuser)
    assert listed(platform_client, q="acm") == ["Acme"]
    assert listed(platform_client, q="globex") == ["Globex"]
    assert listed(platform_client, q="SHOP.acme.test") == ["Acme"]
    assert listed(platform_client, q="acme.test") == []  # domains match exactly, not by fragment


def test_list_filters_by_status_and_plan(platform_client, platform_superuser, acme, globex, starter):
    Tenant.objects.filter(pk=globex.pk).update(plan=starter, status=TenantStatus.SUSPENDED)
    platform_client.force_login(platform_superuser)
    assert listed(platform_client, plan__id__exact=starter.pk) == ["Globex"]
    assert listed(platform_client, status__exact="suspended") == ["Globex"]
    assert "Acme" in listed(platform_client, status__exact="active", isolation_level__exact="schema")


def test_list_query_count_does_not_grow_with_tenants(
    platform_client, platform_superuser, acme, starter, django_assert_max_num_queries
):
    rows(3, prefix="few", plan=starter)
    platform_client.force_login(platform_superuser)
    platform_client.get(LIST)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as few:
        body(platform_client.get(LIST))
    other = Plan.objects.create(name="other-t", display_name="Other T")
    rows(27, prefix="many", plan=other)
    with django_assert_max_num_queries(len(few)):
        page = body(platform_client.get(LIST))
    assert "Many 26" in page and "Other T" in page


def test_add_goes_to_the_new_tenant_request_form(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.get(f"{LIST}add/")
    assert response.status_code == 302 and response["Location"] == f"{LIST}request/"


def test_actions_are_the_lifecycle_ones_and_suspend_confirms_first(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get(LIST))
    for action in ("suspend_tenants", "reactivate_tenants", "archive_tenants", "delete_tenants",
                   "retry_provisioning", "change_plan"):  # fmt: skip
        assert f'value="{action}"' in page
    assert 'value="delete_selected"' not in page
    data = {"action": "suspend_tenants", "_selected_action": [acme.pk]}
    assert "are you sure" in body(platform_client.post(LIST, data))
    acme.refresh_from_db()
    assert acme.status == TenantStatus.ACTIVE
    platform_client.post(LIST, {**data, "confirm": "yes", "reason": "Unpaid invoices"})
    acme.refresh_from_db()
    assert acme.status == TenantStatus.SUSPENDED and acme.suspension_reason == "Unpaid invoices"


# --- Tenant page -----------------------------------------------------------------------------------


@pytest.fixture
def provisioned_job(acme) -> ProvisioningJob:
    now = timezone.now()
    job = ProvisioningJob.objects.create(tenant=acme, status="succeeded", attempts=1, started_at=now,
                                         finished_at=now + dt.timedelta(seconds=1.5))  # fmt: skip
    ProvisioningStep.objects.create(job=job, name="create_schema", position=1, status="succeeded", started_at=now,
                                    finished_at=now + dt.timedelta(seconds=1.25))  # fmt: skip
    ProvisioningStep.objects.create(job=job, name="invite_admin", position=2, status="failed", error="SMTP down")
    return job


def test_tenant_page_shows_domains_jobs_with_step_timings_usage_charts_and_history(
    platform_client, platform_superuser, acme, provisioned_job
):
    Domain.objects.create(domain="shop.acme.test", tenant=acme, is_primary=False)
    today = timezone.now().date()
    TenantUsageDaily.objects.bulk_create(
        TenantUsageDaily(tenant=acme, date=today - dt.timedelta(days=d), active_users=d, api_calls=100 * d)
        for d in range(5)
    )
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get(change_url(acme)))
    assert "acme.localhost" in page and "shop.acme.test" in page and "Unverified" in page
    assert "create_schema" in page and "1.25 s" in page and "1.50 s" in page and "SMTP down" in page
    assert page.count("<svg") >= 2 and "Active users" in page and "API calls" in page
    assert "peak 400" in page  # API calls peak over the 90 days
    assert "up to date" in page  # migration state of its schema
    assert body(platform_client.get(f"{change_url(acme)[: -len('change/')]}history/"))


def test_tenant_page_saves_the_overridable_fields_only(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get(change_url(acme)))
    assert 'name="status"' not in page and 'name="slug"' not in page and 'name="plan"' not in page
    assert 'name="db_password_encrypted"' not in page


def test_no_delete_from_the_admin(platform_client, platform_superuser, acme):
    platform_client.force_login(platform_superuser)
    assert platform_client.get(f"{LIST}{acme.pk}/delete/").status_code == 403
    assert Tenant.objects.filter(pk=acme.pk).exists()


# --- Schemas overview ------------------------------------------------------------------------------


def test_overview_lists_every_schema_with_migration_state_and_last_job(
    platform_client, platform_superuser, acme, globex, provisioned_job
):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM t_globex.django_migrations WHERE app = 'sessions' AND name = '0001_initial'")
    Tenant.objects.create(name="Requested Co", slug="requested-co", schema_name="t_requested_co")
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get(SCHEMAS))
    assert re.search(rf"t_acme</code>.*?up to date.*?#{provisioned_job.pk}</a> succeeded", page, re.S)
    assert re.search(r"t_globex</code>.*?1 behind", page, re.S)
    assert re.search(r"t_requested_co</code>.*?missing schema", page, re.S)
    assert "tenant_template" in page and "public" not in re.findall(r"<code>(\w+)</code>", page)
    behind = body(platform_client.get(SCHEMAS, {"state": "behind"}))
    assert "t_globex" in behind and "t_acme" not in behind


def test_overview_query_count_does_not_grow_with_tenants(
    platform_client, platform_superuser, acme, django_assert_max_num_queries
):
    platform_client.force_login(platform_superuser)
    platform_client.get(SCHEMAS)
    with CaptureQueriesContext(connection) as few:
        body(platform_client.get(SCHEMAS))
    for tenant in rows(40, prefix="ov"):
        ProvisioningJob.objects.create(tenant=tenant, status="succeeded")
    with django_assert_max_num_queries(len(few)):
        assert "Ov 39" in body(platform_client.get(SCHEMAS))


# --- Plans, jobs, usage ----------------------------------------------------------------------------

PLAN_FORM = {
    "name": "growth", "display_name": "Growth", "description": "", "currency": "AUD", "price_monthly": "49.00",
    "price_quarterly": "140.00", "price_annual": "-1.00", "max_users": "20", "max_storage_gb": "5",
    "api_calls_per_day": "5000", "features": "{}", "trial_days": "14", "stripe_price_id_monthly": "",
    "stripe_price_id_quarterly": "", "stripe_price_id_annual": "", "is_active": "on", "display_order": "3",
    "proration_upgrade": "immediate_prorated", "proration_downgrade": "at_renewal", "stripe_product_id": "",
}  # fmt: skip


def test_plan_with_a_negative_price_is_refused_with_a_field_error(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    page = body(platform_client.post("/admin/tenancy/plan/add/", PLAN_FORM))
    assert "A price cannot be negative." in page
    assert not Plan.objects.filter(name="growth").exists()
    response = platform_client.post("/admin/tenancy/plan/add/", {**PLAN_FORM, "price_annual": "490.00"})
    assert response.status_code == 302 and Plan.objects.get(name="growth").price_annual == Decimal("490.00")


def test_plan_list_filters_and_searches(platform_client, platform_superuser, starter):
    platform_client.force_login(platform_superuser)
    assert "Starter T" in body(platform_client.get("/admin/tenancy/plan/", {"q": "starter-t", "is_active__exact": 1}))


def test_provisioning_jobs_are_read_only_with_steps(platform_client, platform_superuser, provisioned_job):
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get("/admin/tenancy/provisioningjob/", {"status__exact": "succeeded"}))
    assert "Acme" in page
    page = body(platform_client.get(f"/admin/tenancy/provisioningjob/{provisioned_job.pk}/change/"))
    assert "create_schema" in page and "1.25 s" in page and 'name="status"' not in page
    assert platform_client.get("/admin/tenancy/provisioningjob/add/").status_code == 403


def test_usage_is_read_only_filtered_by_recent_days_without_date_hierarchy(platform_client, platform_superuser, acme):
    today = timezone.now().date()
    TenantUsageDaily.objects.create(tenant=acme, date=today, api_calls=7)
    TenantUsageDaily.objects.create(tenant=acme, date=today - dt.timedelta(days=60), api_calls=9)
    platform_client.force_login(platform_superuser)
    page = body(platform_client.get("/admin/tenancy/tenantusagedaily/", {"days": "30", "q": "acme"}))
    assert page.count("field-date") == 1 and "date_hierarchy" not in page and "xfull" not in page
    assert platform_client.get("/admin/tenancy/tenantusagedaily/add/").status_code == 403


# --- Staff roles and outsiders ---------------------------------------------------------------------


def test_support_views_tenants_but_cannot_change_suspend_or_delete(platform_client, support_staff, acme):
    platform_client.force_login(support_staff)
    page = body(platform_client.get(LIST))
    assert "Acme" in page and 'value="suspend_tenants"' not in page and 'value="delete_tenants"' not in page
    assert body(platform_client.get(change_url(acme)))
    assert body(platform_client.get(SCHEMAS))
    platform_client.post(LIST, {"action": "suspend_tenants", "_selected_action": [acme.pk], "confirm": "yes",
                                "reason": "Trying"})  # fmt: skip
    assert platform_client.post(change_url(acme), {"name": "Renamed"}).status_code == 403
    assert platform_client.get(f"{LIST}{acme.pk}/delete/").status_code == 403
    assert platform_client.get(f"{LIST}request/").status_code == 403
    acme.refresh_from_db()
    assert acme.status == TenantStatus.ACTIVE and acme.name == "Acme"
    assert not support_staff.has_perm("tenancy.delete_tenant") and not support_staff.has_perm("tenancy.change_tenant")


def test_billing_admin_cannot_change_tenant_security_settings(platform_client, billing_staff, acme):
    platform_client.force_login(billing_staff)
    assert "Acme" in body(platform_client.get(change_url(acme)))
    response = platform_client.post(change_url(acme), {"name": "Acme", "mfa_required": "on"})
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.mfa_required is False


def test_non_staff_and_staff_without_permission_are_refused(platform_client, acme_admin):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    platform_client.force_login(acme_admin)
    for url in (LIST, SCHEMAS):
        assert platform_client.get(url).status_code == 302  # to the admin login
    staff = UserFactory(is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    platform_client.force_login(staff)
    assert platform_client.get(LIST).status_code == 403
    assert platform_client.get(SCHEMAS).status_code == 403

"""Staff dashboard on the admin index: who sees what, numbers on small data, links, constant queries."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.backoffice import staff_dashboard
from apps.backoffice.staff_dashboard import dashboard_data, period_counts, svg_bar_chart
from apps.tenancy.models import Plan, ProvisioningJob, Tenant, TenantStatus

pytestmark = pytest.mark.django_db

INDEX = "/admin/"
# A Wednesday far from the session tenants (created "now"), so only this test's rows are in the series.
NOW = datetime(2030, 6, 12, 12, tzinfo=UTC)
THIS_MONDAY = datetime(2030, 6, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_dashboard_cache():
    staff_dashboard.cache_clear()
    yield
    staff_dashboard.cache_clear()


def make_tenants(count: int, prefix: str, status: str = TenantStatus.ACTIVE, created_at: datetime | None = None):
    rows = Tenant.objects.bulk_create(
        Tenant(name=f"{prefix} {i}", slug=f"{prefix}-{i}", schema_name=f"t_{prefix}_{i}", status=status)
        for i in range(count)
    )
    if created_at is not None:
        Tenant.objects.filter(pk__in=[t.pk for t in rows]).update(created_at=created_at)
    return rows


def failed_job(tenant: Tenant, finished_at: datetime, status: str = "failed") -> ProvisioningJob:
    return ProvisioningJob.objects.create(tenant=tenant, status=status, finished_at=finished_at)


def links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'class="dashboard-figure" href="([^"]+)"', page)]


# --- Who sees what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["platform_superuser", "support_staff", "billing_staff"])
def test_every_staff_role_sees_the_dashboard_above_the_app_list(request, platform_client, actor):
    platform_client.force_login(request.getfixturevalue(actor))
    response = platform_client.get(INDEX)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="staff-dashboard"' in page and "Tenants by status" in page and "New tenants per week" in page
    assert page.index('id="staff-dashboard"') < page.index("app-tenancy")  # the app list is still there, below


@pytest.mark.parametrize(("actor", "sees_revenue"),
                         [("platform_superuser", True), ("billing_staff", True), ("support_staff", False)])  # fmt: skip
def test_only_superusers_and_billing_admins_see_mrr(request, platform_client, actor, sees_revenue):
    plan = {"display_name": "Dash", "currency": "AUD", "price_monthly": Decimal("10.00"), "is_active": True}
    Plan.objects.update_or_create(name="dash", defaults=plan)
    platform_client.force_login(request.getfixturevalue(actor))
    page = platform_client.get(INDEX).content.decode()
    assert ('id="dashboard-mrr"' in page) is sees_revenue
    assert ("MRR · Dash (AUD)" in page) is sees_revenue


def test_support_cached_dashboard_never_carries_revenue(platform_client, support_staff, billing_staff):
    platform_client.force_login(billing_staff)
    platform_client.get(INDEX)  # fills the revenue audience's cache entry
    platform_client.force_login(support_staff)
    assert "Monthly recurring revenue" not in platform_client.get(INDEX).content.decode()
    assert dashboard_data(revenue=False)["mrr"] is None


def test_non_staff_cannot_reach_the_admin_index(platform_client, acme_admin):
    platform_client.force_login(acme_admin)
    response = platform_client.get(INDEX)
    assert response.status_code == 302 and "staff-dashboard" not in response.content.decode()


def test_anonymous_is_sent_to_login(platform_client):
    response = platform_client.get(INDEX)
    assert response.status_code == 302 and "login" in response["Location"]


# --- Numbers -------------------------------------------------------------------------------------


def test_tenants_by_status_counts_every_status_and_skips_the_template():
    before = dashboard_data(revenue=False, now=NOW)["tenants_by_status"]
    make_tenants(2, "susp", TenantStatus.SUSPENDED)
    make_tenants(1, "arch", TenantStatus.ARCHIVED)
    after = dashboard_data(revenue=False, now=NOW)["tenants_by_status"]
    assert set(after) == set(TenantStatus.values)
    assert after["suspended"] - before["suspended"] == 2 and after["archived"] - before["archived"] == 1
    assert sum(after.values()) == Tenant.objects.filter(is_template=False).count()


def test_signups_per_week_and_month():
    make_tenants(3, "wk", created_at=THIS_MONDAY + timedelta(hours=1))
    make_tenants(2, "prev", created_at=THIS_MONDAY - timedelta(days=2))  # previous week, same month
    make_tenants(1, "may", created_at=datetime(2030, 5, 3, tzinfo=UTC))
    signups = dashboard_data(revenue=False, now=NOW)["signups"]
    weekly, monthly = signups["weekly"], signups["monthly"]
    assert len(weekly.values) == 12 and weekly.values[-2:] == [2.0, 3.0]
    assert weekly.days[-1].isoformat() == "2030-06-10"
    assert len(monthly.values) == 12 and monthly.values[-2:] == [1.0, 5.0]
    assert sum(monthly.values) == 6  # the session tenants (created in real time) are outside 2029-07..2030-06


def test_failed_jobs_last_7_and_30_days(acme):
    failed_job(acme, NOW - timedelta(days=2))
    failed_job(acme, NOW - timedelta(days=10))
    failed_job(acme, NOW - timedelta(days=40))
    failed_job(acme, NOW - timedelta(days=1), status="succeeded")
    jobs = dashboard_data(revenue=False, now=NOW)["failed_jobs"]
    assert (jobs["last_7"], jobs["last_30"]) == (1, 2)
    assert sum(jobs["per_day"].values) == 2 and len(jobs["per_day"].values) == 30


def test_period_counts_is_one_query_with_empty_periods_as_zero():
    make_tenants(1, "pc", created_at=THIS_MONDAY + timedelta(days=1))
    starts = [THIS_MONDAY - timedelta(weeks=1), THIS_MONDAY]
    with CaptureQueriesContext(connection) as queries:
        counts = period_counts(Tenant, "created_at", starts, NOW, is_template=False)
    assert counts == [0, 1] and len(queries.captured_queries) == 1


def test_bar_chart_links_bars_and_escapes_labels():
    chart = svg_bar_chart(title="T <x>", bars=[("a<b", 3, "/admin/x/?s=1&t=2"), ("plain", 0, "")])
    assert "<svg" in chart and "a&lt;b" in chart and "T &lt;x&gt;" in chart
    assert chart.count("<a href=") == 1 and "/admin/x/?s=1&amp;t=2" in chart


# --- Links -----------------------------------------------------------------------------------------


def test_every_number_links_to_a_changelist_listing_what_it_counts(platform_client, platform_superuser, acme):
    (suspended,) = make_tenants(1, "linked", TenantStatus.SUSPENDED)
    failed_job(acme, datetime.now(UTC) - timedelta(days=1))
    platform_client.force_login(platform_superuser)
    page = platform_client.get(INDEX).content.decode()
    hrefs = links(page)
    assert "/admin/tenancy/tenant/?status__exact=suspended" in hrefs
    assert any(h.startswith("/admin/tenancy/tenant/?created_at__gte=") for h in hrefs)
    assert any(h.startswith("/admin/tenancy/provisioningjob/?status__exact=failed&finished_at__gte=") for h in hrefs)
    assert 'href="/admin/tenancy/tenant/?status__exact=suspended"' in page  # the bar of the chart too
    for href in hrefs:
        response = platform_client.get(href)
        assert response.status_code == 200, href
        assert "?e=1" not in response.get("Location", ""), href  # the admin did not reject the filter
    listed = platform_client.get("/admin/tenancy/tenant/?status__exact=suspended").content.decode()
    assert suspended.name in listed and "Acme" not in listed
    jobs = next(h for h in hrefs if h.startswith("/admin/tenancy/provisioningjob/") and "failed" in h)
    assert "Acme" in platform_client.get(jobs).content.decode()


def test_numbers_are_plain_when_the_changelist_is_out_of_reach(django_user_model, platform_client):
    from apps.accounts.totp import totp_ensure

    bare = django_user_model.objects.create_user("bare@platform.test", is_staff=True)  # staff with no role
    totp_ensure(bare)
    platform_client.force_login(bare)
    page = platform_client.get(INDEX).content.decode()
    assert 'id="staff-dashboard"' in page and links(page) == []
    assert 'id="dashboard-mrr"' not in page


# --- Performance -----------------------------------------------------------------------------------


def _index_queries(client) -> int:
    staff_dashboard.cache_clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    return len(queries.captured_queries)


def test_query_count_is_constant_whatever_the_data(
    platform_client, platform_superuser, acme, django_assert_num_queries
):
    platform_client.force_login(platform_superuser)
    platform_client.get(INDEX)  # warm the session, content types and permission caches
    few = _index_queries(platform_client)
    make_tenants(40, "bulk", TenantStatus.ACTIVE, created_at=datetime.now(UTC) - timedelta(days=3))
    make_tenants(15, "bulks", TenantStatus.SUSPENDED)
    for days in range(12):
        failed_job(acme, datetime.now(UTC) - timedelta(days=days))
    for n in range(20):
        _ticket(acme, 100 + n, ["low", "medium", "high", "urgent"][n % 4], resolution_breached=n % 3 == 0)
    _deliveries(acme, ["failed", "succeeded"] * 10, datetime.now(UTC) - timedelta(days=2))
    staff_dashboard.cache_clear()
    with django_assert_num_queries(few):
        assert platform_client.get(INDEX).status_code == 200


def test_dashboard_is_cached_for_a_minute(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    platform_client.get(INDEX)
    computed = _index_queries(platform_client)
    with CaptureQueriesContext(connection) as cached:
        platform_client.get(INDEX)
    assert len(cached.captured_queries) < computed
    assert staff_dashboard.CACHE_SECONDS == 60


# --- Blocks of other apps (support, webhooks, GDPR) ---------------------------------------------------


def _ticket(tenant: Tenant, n: int, priority: str, status: str = "open", **flags: bool):
    from apps.support.models import Ticket

    return Ticket.objects.create(tenant=tenant, number=f"TKT-DASH{n:03d}", subject=f"Dash {n}", description="d",
                                 priority=priority, status=status, **flags)  # fmt: skip


def test_open_tickets_by_priority_with_sla_breaches(platform_client, support_staff, acme, globex):
    _ticket(acme, 1, "urgent", first_response_breached=True)
    _ticket(globex, 2, "urgent", "in_progress", resolution_breached=True, first_response_breached=True)
    _ticket(acme, 3, "urgent", "waiting_on_customer")
    _ticket(acme, 4, "urgent", "closed", resolution_breached=True)  # closed: not open
    _ticket(acme, 5, "low")
    rows = {row["priority"]: row for row in dashboard_data(revenue=False, now=NOW)["tickets"]}
    assert rows["urgent"] == {"priority": "urgent", "total": 3, "first_response": 2, "resolution": 1, "breached": 2}
    assert rows["low"]["total"] == 1 and rows["high"]["total"] == 0
    platform_client.force_login(support_staff)
    page = platform_client.get(INDEX).content.decode()
    hrefs = links(page)
    urgent = "/admin/support/ticket/?priority__exact=urgent&status__in=open%2Cin_progress%2Cwaiting_on_customer"
    assert urgent in hrefs and f"{urgent}&sla=breached" in hrefs and f"{urgent}&resolution_breached__exact=1" in hrefs
    listed = platform_client.get(f"{urgent}&sla=breached").content.decode()
    assert "TKT-DASH001" in listed and "TKT-DASH002" in listed and "TKT-DASH003" not in listed
    assert "TKT-DASH004" not in platform_client.get(urgent).content.decode()


def _deliveries(tenant: Tenant, statuses: list[str], created_at: datetime) -> None:
    from apps.webhooks.catalogue import event_types
    from apps.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    event_type = next(iter(event_types()))
    endpoint = WebhookEndpoint.objects.create(tenant=tenant, url="https://hooks.example.com/x", secret_encrypted="x",
                                              enabled_events=[event_type])  # fmt: skip
    event = WebhookEvent.objects.create(tenant=tenant, type=event_type)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(tenant=tenant, endpoint=endpoint, event=event, status=status,
                        delivered_at=created_at if status == "succeeded" else None)
        for status in statuses
    )  # fmt: skip
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in rows]).update(created_at=created_at)


def test_webhook_failures_and_failure_rate(platform_client, platform_superuser, acme):
    _deliveries(acme, ["failed", "succeeded", "succeeded", "succeeded"], NOW - timedelta(days=1))
    _deliveries(acme, ["failed", "failed"], NOW - timedelta(days=20))
    hooks = dashboard_data(revenue=False, now=NOW)["webhooks"]
    assert (hooks["total_7"], hooks["failed_7"], hooks["failed_30"], hooks["rate_7"]) == (4, 1, 3, 25.0)
    _deliveries(acme, ["failed", "succeeded"], datetime.now(UTC) - timedelta(days=1))
    platform_client.force_login(platform_superuser)
    page = platform_client.get(INDEX).content.decode()
    assert "Webhook failure rate, last 7 days (1 of 2 deliveries)" in page and "50.0%" in page
    failed = [h for h in links(page) if h.startswith("/admin/webhooks/webhookdelivery/?status__exact=failed")]
    assert len(failed) == 2
    for href in failed:
        response = platform_client.get(href)
        assert response.status_code == 200 and "?e=1" not in response.get("Location", "")


def test_overdue_gdpr_requests(platform_client, platform_superuser, acme_member):
    from apps.gdpr.models import GdprRequest

    GdprRequest.objects.create(number="GDPR-DASH1", subject=acme_member, kind="access", due_at=NOW - timedelta(days=1))
    # One open request per person and kind (a database constraint): the second is another kind.
    GdprRequest.objects.create(
        number="GDPR-DASH2", subject=acme_member, kind="rectification", due_at=NOW + timedelta(days=1)
    )
    assert dashboard_data(revenue=False, now=NOW)["gdpr_overdue"] == 1
    platform_client.force_login(platform_superuser)
    assert "/admin/gdpr/gdprrequest/?due=overdue" in links(platform_client.get(INDEX).content.decode())


def test_the_index_still_renders_when_the_cache_is_down(platform_client, platform_superuser, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(staff_dashboard.cache, "get", down)
    monkeypatch.setattr(staff_dashboard.cache, "set", down)
    platform_client.force_login(platform_superuser)
    response = platform_client.get(INDEX)
    assert response.status_code == 200 and 'id="staff-dashboard"' in response.content.decode()


def test_mrr_figure_is_billings_number(platform_client, billing_staff):
    from apps.billing.models import Subscription

    plan = {"display_name": "Dash", "currency": "AUD", "price_monthly": Decimal("10.00"), "is_active": True}
    dash, _ = Plan.objects.update_or_create(name="dash", defaults=plan)
    (tenant,) = make_tenants(1, "mrr")
    now = datetime.now(UTC)
    subscription = Subscription.objects.create(
        tenant=tenant, plan=dash, billing_cycle="monthly", quantity=2, status="active", currency="AUD",
        current_period_start=now - timedelta(days=5), current_period_end=now + timedelta(days=25),
    )  # fmt: skip
    Subscription.objects.filter(pk=subscription.pk).update(created_at=now - timedelta(days=60))
    platform_client.force_login(billing_staff)
    page = platform_client.get(INDEX).content.decode()
    assert re.search(r"MRR · Dash \(AUD\): <a[^>]*><strong>20\.00</strong>", page)
    assert "/admin/billing/subscription/?status__exact=active" in links(page)


# --- Key figures and combined charts (issue 13) ------------------------------------------------------


def _key_figures(page: str) -> dict[str, str]:
    block = page[
        page.index('id="dashboard-key-figures"') : page.index("</ul>", page.index('id="dashboard-key-figures"'))
    ]
    found = re.findall(
        r'<span class="label">([^<]+)</span>\s*<span class="value">(?:<a[^>]*>)?<strong>([^<]*)</strong>', block
    )
    return dict(found)


def test_key_figures_sit_above_the_blocks_and_link_to_what_they_count(platform_client, platform_superuser, acme):
    from apps.billing.models import Subscription

    plans = []
    for name, price in (("kf-small", "10.00"), ("kf-big", "30.00")):
        fields = {"display_name": name.title(), "currency": "AUD", "price_monthly": Decimal(price), "is_active": True}
        plan, _ = Plan.objects.update_or_create(name=name, defaults=fields)
        plans.append(plan)
    now = datetime.now(UTC)
    trial, active, ended = make_tenants(3, "kf")
    period = {"current_period_start": now - timedelta(days=5), "current_period_end": now + timedelta(days=25)}
    Subscription.objects.create(tenant=trial, plan=plans[0], status="trialing", currency="AUD",
                                trial_end=now + timedelta(days=9), **period)  # fmt: skip
    paying = Subscription.objects.create(tenant=active, plan=plans[1], status="active", currency="AUD", **period)
    Subscription.objects.filter(pk=paying.pk).update(created_at=now - timedelta(days=60))
    Subscription.objects.create(tenant=ended, plan=plans[0], status="ended", currency="AUD",
                                ended_at=now - timedelta(days=3), **period)  # fmt: skip
    failed_job(acme, now - timedelta(days=1))
    _ticket(acme, 900, "urgent", first_response_breached=True)

    platform_client.force_login(platform_superuser)
    page = platform_client.get(INDEX).content.decode()
    assert page.index('id="dashboard-key-figures"') < page.index('id="dashboard-tenants"')
    figures = _key_figures(page)
    assert list(figures) == ["MRR", "Active tenants", "Trials", "Churn", "Open tickets", "SLA breaches", "Failed jobs"]
    assert figures["Trials"] == "1" and figures["Churn"] == "1" and figures["Failed jobs"] == "1"
    assert figures["Open tickets"] == "1" and figures["SLA breaches"] == "1"
    assert "30.00 AUD" in figures["MRR"]
    # One MRR chart with a line per plan, not one chart per plan.
    assert page.count("<figcaption><strong>MRR per plan (AUD)</strong>") == 1
    chart = page[page.index("MRR per plan (AUD)") :]
    chart = chart[: chart.index("</figure>")]
    assert chart.count("<polyline") >= 2 and "Kf-Big" in chart and "Kf-Small" in chart
    assert "New and churned tenants per month" in page
    for href in links(page):  # the key figures' links are valid changelist filters too
        response = platform_client.get(href)
        assert response.status_code == 200 and "?e=1" not in response.get("Location", ""), href


def test_support_staff_see_key_figures_without_mrr(platform_client, support_staff):
    platform_client.force_login(support_staff)
    figures = _key_figures(platform_client.get(INDEX).content.decode())
    assert "MRR" not in figures and "Active tenants" in figures and "SLA breaches" in figures

"""J2: staff sign in with TOTP, create a tenant in the admin, watch its provisioning, and see its trial
subscription (a subscription from day one: provisioning's `start_subscription` step, run by the worker)."""

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from apps.billing.models import Subscription
from apps.tenancy.models import Plan
from tests.browser.harness import unique


def test_staff_create_a_tenant_and_see_its_trial_subscription(page, live, people, sign_in, artifacts):
    plan = Plan.objects.create(name=unique("j2-growth"), display_name=unique("J2 Growth"), currency="AUD",
                               price_monthly=Decimal("79.00"), trial_days=14, max_users=50)  # fmt: skip
    staff = people.staff(superuser=True)
    # Sign-in needs a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory"); people.staff() gives none yet.
    EmailAddress.objects.update_or_create(
        user=staff.user, email=staff.email, defaults={"verified": True, "primary": True}
    )
    slug = unique("j2co")
    name = f"Harbour Freight {slug}"

    sign_in(page, live.url("/accounts/login/?next=/admin/tenancy/tenant/"), staff)
    page.get_by_role("link", name="Add tenant").click()
    expect(page.get_by_role("heading", name="New tenant")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Plan").select_option(label=plan.display_name)
    page.get_by_label("Admin email").fill(f"{slug}@example.test")
    page.get_by_role("button", name="Create and provision").click()

    # The progress page polls the job while the worker runs the steps.
    expect(page.get_by_role("heading", name=f"Provisioning {name}")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=90_000)
    expect(page.locator("#tenant-status")).to_have_text("active")
    expect(page.locator("#steps")).to_contain_text("start_subscription")

    page.get_by_role("link", name="Open the tenant").click()
    expect(page.locator("#content")).to_contain_text(name)

    # Its subscription, found as staff find one: Billing, Subscriptions, searched by the slug.
    page.goto(live.url("/admin/billing/subscription/"))
    page.locator("#searchbar").fill(slug)
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(plan.display_name)
    expect(rows.first).to_contain_text("Trialing")

    [subscription] = Subscription.objects.filter(tenant__slug=slug)
    assert subscription.status == "trialing" and subscription.plan_id == plan.pk
    assert subscription.trial_end is not None
    assert abs(subscription.trial_end - subscription.created_at - timedelta(days=14)) < timedelta(minutes=1)
    artifacts.screenshot(page, "last")

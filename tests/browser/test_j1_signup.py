"""J1: a visitor signs up, verifies the email (the link from the outgoing mail), onboards an Australian
company with an ABN (the register answered by the recorded-response stub), watches provisioning and
lands in the new portal as its admin."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Membership
from apps.reference.models import Country, Industry
from apps.reference.tests.abr_stub import abr_stub  # noqa: F401  (the recorded ABR answers, on 127.0.0.1)
from apps.tenancy.models import Plan
from tests.browser.harness import unique

PASSWORD = "orange-Kettle-93-harbour"


@pytest.fixture
def signup_world(settings):
    """What `make run` has: Australia, an industry, a plan with a trial. The signup rate per IP is raised:
    every journey run comes from 127.0.0.1 and the budget lives in Redis (the limit has its own test)."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "100/m/ip"}
    Country.objects.get_or_create(code="AU", defaults={"name": "Australia", "currency_code": "AUD"})
    Industry.objects.get_or_create(code="professional-services", defaults={"name": "Professional services"})
    plan, _ = Plan.objects.get_or_create(
        name="j1-starter", defaults={"display_name": "Starter (J1)", "price_monthly": 49, "trial_days": 14}
    )
    return plan


@pytest.mark.usefixtures("abr_stub", "signup_world")
def test_visitor_signs_up_and_lands_in_the_new_portal(page, live, mailbox, wait_for, artifacts):
    email, slug = f"{unique('founder')}@example.test", unique("rosters")

    page.goto(live.url("/signup/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("body")).to_contain_text("Verify Your Email Address")

    page.goto(mailbox.link(email, contains="/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your company")).to_be_visible()

    page.get_by_label("Country where the company is registered").select_option("AU")
    page.get_by_label("Business number").fill("53 004 085 616")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("ACME HOLDINGS PTY LTD")).to_be_visible()
    expect(page.get_by_text("Verified by the Australian Business Register")).to_be_visible()
    page.get_by_label("Business name", exact=True).check()  # show the organisation as a business name
    page.get_by_label("Which business name").select_option("ACME ROSTERS")
    page.get_by_label("Industry").select_option(label="Professional services")
    page.get_by_label("Company size").select_option("10-49")
    page.get_by_label("Billing email").fill(f"accounts-{email}")
    page.get_by_label("Billing address").fill("1 George Street")
    page.get_by_label("City").fill("Sydney")
    page.get_by_label("State or region").fill("NSW")
    page.get_by_label("Postcode").fill("2000")
    page.locator("input[name=slug]").fill("admin")
    expect(page.locator("#slug-status")).to_contain_text("Reserved")
    page.locator("input[name=slug]").fill(slug)
    expect(page.locator("#slug-status")).to_contain_text("Available")
    page.get_by_label("Starter (J1)", exact=False).check()
    page.get_by_role("button", name="Create organisation").click()

    expect(page.get_by_role("heading", name="Setting up ACME ROSTERS")).to_be_visible()
    page.wait_for_url(f"**://{slug}.localhost:{live.port}/manage/", timeout=60_000)
    expect(page.get_by_role("heading", name="ACME ROSTERS")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Tenant admin")
    membership = wait_for(lambda: Membership.objects.filter(user__email=email, tenant__slug=slug).first())
    assert (membership.role, membership.joined_via) == ("tenant_admin", "signup")

    page.get_by_role("link", name="Company profile").click()
    expect(page.get_by_text("Verified by the Australian Business Register")).to_be_visible()
    artifacts.screenshot(page, "last")

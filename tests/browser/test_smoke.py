"""The harness itself: Chromium renders the platform home page and a tenant's sign-in page."""

from playwright.sync_api import expect


def test_platform_home_page_renders_in_chromium(page, live):
    response = page.goto(live.url("/"))
    assert response is not None and response.status < 400
    expect(page.locator("body")).not_to_be_empty()


def test_a_tenant_domain_reaches_its_tenant(page, live, people, artifacts):
    tenant = people.tenant(name="Smoke Pty Ltd")
    page.goto(live.tenant_url(tenant, "/accounts/login/"))
    expect(page.locator("body")).to_contain_text("Smoke Pty Ltd")
    artifacts.screenshot(page, "last")

"""The pages the Content-Security-Policy could break most: API docs (Swagger UI, ReDoc) and the staff admin.

Every page is watched for CSP violations by the `new_page` fixture (tests/browser/harness.py `watch_csp`):
a violation fails the test even when the page looks right."""

import re

from playwright.sync_api import expect


def test_platform_swagger_ui_renders_under_the_policy(page, live):
    response = page.goto(live.url("/api/docs/"))
    assert response is not None and "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()


def test_platform_redoc_renders_under_the_policy(page, live):
    page.goto(live.url("/api/redoc/"))
    expect(page.locator("#redoc-container h1").first).to_be_visible()


def test_tenant_api_docs_render_under_the_policy(page, live, people):
    tenant = people.tenant(name="Csp Docs Pty Ltd")
    page.goto(live.tenant_url(tenant, "/api/v1/docs/"))
    expect(page.locator(".swagger-ui .info .title")).to_be_visible()
    response = page.goto(live.tenant_url(tenant, "/api/v1/redoc/"))
    assert response is not None
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.text()
    # ReDoc lays out the whole tenant API before its first heading: slower than the default wait.
    expect(page.locator("#redoc-container h1").first).to_be_visible(timeout=90_000)


def test_the_harness_catches_a_violation(browser, live):
    """The listener itself: an inline script without the nonce is blocked and reported."""
    from tests.browser.harness import watch_csp

    context = browser.new_context()
    violations: list[str] = []
    watch_csp(context, violations)
    page = context.new_page()
    html = "<!doctype html><p>x</p><script>document.title = 'ran'</script>"
    page.route(
        "**/csp-self-test",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=html, headers={"Content-Security-Policy": "script-src 'self'"}
        ),
    )
    page.goto(live.url("/csp-self-test"))
    page.wait_for_timeout(500)  # the violation event is dispatched asynchronously
    assert page.title() != "ran"
    context.close()
    assert any("script-src" in text for text in violations), violations

"""The pages the Content-Security-Policy could break most: API docs (Swagger UI, ReDoc) and the staff admin.

Every page is watched for CSP violations by the `new_page` fixture (tests/browser/harness.py `watch_csp`):
a violation fails the test even when the page looks right."""

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
    page.goto(live.tenant_url(tenant, "/api/v1/redoc/"))
    expect(page.locator("#redoc-container h1").first).to_be_visible()

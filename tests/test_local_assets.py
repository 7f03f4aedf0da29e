"""No CDN at run time: the portal, the staff dashboard and the API docs load their scripts and styles
from this site's static files (Bootstrap, htmx, Swagger UI and ReDoc come from installed packages)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

# A script or stylesheet (or a preconnect/font link) pointing at another host.
EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)
IMPORT = re.compile(r"@import\s+url\(\s*[\"']?(?:https?:)?//", re.I)
STATIC = re.compile(
    r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"'](" + re.escape(settings.STATIC_URL) + r"[^\"'?#]+)"
)


def _external(html: str) -> list[str]:
    return [m.group(0) for m in EXTERNAL.finditer(html)] + [m.group(0) for m in IMPORT.finditer(html)]


def _template_files() -> list[Path]:
    roots = [settings.BASE_DIR / "templates", *sorted((settings.BASE_DIR / "apps").glob("*/templates"))]
    return [path for root in roots for path in root.rglob("*.html")]


def test_no_template_of_ours_loads_a_script_or_style_from_another_host():
    offenders = {str(path): _external(path.read_text()) for path in _template_files()}
    assert {path: found for path, found in offenders.items() if found} == {}


def _assert_local(html: str) -> None:
    assert _external(html) == []
    served = STATIC.findall(html)
    assert served, "the page loads no static asset at all"
    for url in served:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is not a static file of this site"


@pytest.mark.parametrize("path", ["/manage/", "/manage/members/", "/manage/support/"])
def test_portal_pages_use_local_assets(acme_client, acme_admin, path):
    acme_client.force_login(acme_admin)
    html = acme_client.get(path).content.decode()
    _assert_local(html)
    assert "bootstrap/css/bootstrap.min.css" in html and "bootstrap/js/bootstrap.bundle.min.js" in html
    assert "django_htmx/htmx-2.min.js" in html


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_tenant_api_docs_use_local_assets(acme_client, path):
    response = acme_client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    _assert_local(response.content.decode())


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_platform_api_docs_use_local_assets(platform_client, platform_superuser, path):
    platform_client.force_login(platform_superuser)
    response = platform_client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    _assert_local(html)
    assert "drf_spectacular_sidecar/" in html


def test_the_staff_dashboard_uses_local_assets(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    html = platform_client.get("/admin/").content.decode()
    assert 'id="staff-dashboard"' in html
    _assert_local(html)

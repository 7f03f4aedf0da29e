"""The Content-Security-Policy: enforced, nonces on the inline scripts that remain, none of what it forbids."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from apps.core.csp import realtime_origin

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("apps/*/templates"), *ROOT.glob("apps/*/*/templates")]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>")
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def _templates() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html"))


@pytest.mark.parametrize("pattern", [INLINE_SCRIPT, INLINE_HANDLER, re.compile(r"href=\"javascript:")])
def test_no_template_has_what_the_policy_blocks(pattern):
    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0).strip()}"
        for path in _templates()
        for text in [path.read_text(encoding="utf-8")]
        for match in pattern.finditer(text)
    ]
    assert not found, "Blocked by the CSP (give inline scripts the nonce, move handlers to static JS):\n" + "\n".join(
        found
    )


def test_scripts_need_the_origin_or_the_nonce_and_styles_may_be_inline():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" in directives["style-src"]
    assert not hasattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY")


def test_websocket_origin_follows_the_realtime_settings(settings):
    request = RequestFactory().get("/", HTTP_HOST="acme.localhost:8000")
    settings.REALTIME_URL, settings.REALTIME_PORT = "", 8001
    assert realtime_origin(request) == "ws://acme.localhost:8001"
    settings.REALTIME_PORT = 0
    assert realtime_origin(request) == "ws://acme.localhost:8000"
    settings.REALTIME_URL = "wss://rt.example.com/ws/"
    assert realtime_origin(request) == "wss://rt.example.com"


@pytest.mark.django_db
def test_api_docs_carry_the_enforced_header_and_its_nonce(settings):
    settings.REALTIME_URL, settings.REALTIME_PORT = "", 8001
    response = Client(HTTP_HOST="localhost").get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert "connect-src 'self' ws://localhost:8001" in policy
    assert (
        "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )

"""Demo data is idempotent, and its people can sign in where they belong."""

import re

import pytest
from django.core.management import call_command

from apps.accounts.models import Membership, User
from apps.accounts.totp import totp_code_now
from apps.tenancy.models import Domain, Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-1")
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert "admin@nidia.localhost / platform-demo-pass-1" in first
    assert Tenant.objects.filter(slug__in=["acme", "globex"]).count() == 2
    assert Domain.objects.filter(domain__in=["acme.localhost", "globex.localhost", "localhost"]).count() == 3
    assert User.objects.filter(email="admin@acme.localhost").count() == 1
    assert Membership.objects.filter(user__email="admin@acme.localhost", tenant__slug="acme").count() == 1
    assert User.objects.get(email="admin@nidia.localhost").is_superuser


def test_seeded_staff_user_signs_in_to_the_admin_with_the_printed_totp(platform_client, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-2")
    call_command("seed_demo")
    output = capsys.readouterr().out
    secret = re.search(r"staff admin TOTP secret: (\S+)", output).group(1)
    recovery_codes = re.search(r"staff admin recovery codes: (.+)", output).group(1).split()
    assert len(recovery_codes) >= 8
    response = platform_client.post(
        "/accounts/login/?next=/admin/", {"login": "admin@nidia.localhost", "password": "platform-demo-pass-2"}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = platform_client.post("/accounts/2fa/authenticate/", {"code": totp_code_now(secret)})
    assert response.status_code == 302
    assert platform_client.get("/admin/").status_code == 200


def test_a_printed_recovery_code_also_signs_the_demo_staff_user_in(platform_client, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-5")
    call_command("seed_demo")
    code = re.search(r"staff admin recovery codes: (\S+)", capsys.readouterr().out).group(1)
    platform_client.post("/accounts/login/", {"login": "admin@nidia.localhost", "password": "platform-demo-pass-5"})
    platform_client.post("/accounts/2fa/authenticate/", {"code": code})
    assert platform_client.get("/admin/").status_code == 200


def test_tenant_admin_signs_in_to_the_portal_and_sees_acme(acme_client, monkeypatch):
    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-3")
    call_command("seed_demo")
    login_page = acme_client.get("/accounts/login/?next=/manage/")
    assert login_page.status_code == 200
    response = acme_client.post(
        "/accounts/login/?next=/manage/", {"login": "admin@acme.localhost", "password": "acme-demo-pass-3"}
    )
    assert response.status_code == 302
    page = acme_client.get("/manage/")
    assert page.status_code == 200
    assert "Acme" in page.content.decode()


def test_the_acme_admin_cannot_use_globex(globex_client, monkeypatch):
    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-4")
    call_command("seed_demo")
    globex_client.post("/accounts/login/", {"login": "admin@acme.localhost", "password": "acme-demo-pass-4"})
    assert globex_client.get("/manage/").status_code == 403


def test_generated_demo_passwords_are_remembered_between_runs(settings, tmp_path, monkeypatch, capsys):
    for name in ("DEMO_ADMIN_PASSWORD", "DEMO_ACME_PASSWORD", "DEMO_GLOBEX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings.DEMO_CREDENTIALS_FILE = str(tmp_path / "demo.json")
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert capsys.readouterr().out == first
    import json

    password = json.loads((tmp_path / "demo.json").read_text())["admin@acme.localhost"]
    assert User.objects.get(email="admin@acme.localhost").check_password(password)
    assert f"admin@acme.localhost / {password}" in first

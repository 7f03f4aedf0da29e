"""Staff roles (declared in code, synced to groups) and MFA on the staff admin."""

import re
from typing import cast

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from apps.accounts.models import User
from apps.accounts.roles import staff_roles_sync
from apps.accounts.services import user_email_mark_verified
from apps.accounts.staff_roles import SUPPORT
from apps.accounts.totp import totp_code_now, totp_ensure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def test_sync_is_idempotent_and_removes_extra_grants():
    support = Group.objects.get(name=SUPPORT)
    support.permissions.add(Permission.objects.get(codename="delete_tenant"))
    first = staff_roles_sync()
    assert staff_roles_sync() == first
    codenames = set(support.permissions.values_list("codename", flat=True))
    assert "delete_tenant" not in codenames
    assert {"view_tenant", "view_membership"} <= codenames
    assert not any(code.endswith("_customer") for code in codenames)  # no billing for support


def test_support_reads_tenants_but_cannot_write_billing(platform_client, support_staff, acme):
    platform_client.force_login(support_staff)
    assert platform_client.get("/admin/tenancy/tenant/").status_code == 200
    assert platform_client.get(f"/admin/tenancy/tenant/{acme.pk}/change/").status_code == 200
    assert platform_client.get("/admin/djstripe/customer/add/").status_code == 403
    response = platform_client.post(f"/admin/tenancy/tenant/{acme.pk}/change/", {"name": "Hacked"})
    assert response.status_code == 403


def test_billing_admin_writes_billing_but_not_tenant_settings(platform_client, billing_staff, acme):
    platform_client.force_login(billing_staff)
    assert platform_client.get("/admin/djstripe/customer/add/").status_code == 200
    response = platform_client.post(f"/admin/tenancy/tenant/{acme.pk}/change/", {"mfa_required": "on"})
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.mfa_required is False


def test_only_super_admin_manages_staff(platform_client, support_staff, platform_superuser):
    user_admin = UserFactory(email="useradmin@platform.test", is_staff=True)
    user_admin.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    totp_ensure(user_admin)
    member = UserFactory(email="plain@example.test")
    platform_client.force_login(user_admin)
    # A staff user cannot be edited by a non-super-admin, even one with change_user.
    assert platform_client.post(f"/admin/accounts/user/{support_staff.pk}/change/", {}).status_code == 403
    # Granting staff access is not possible either: the access fields are read-only for them.
    page = platform_client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert 'name="is_staff"' not in page and 'name="groups"' not in page
    assert platform_client.get("/admin/auth/group/").status_code == 403
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert 'name="is_staff"' in page
    assert platform_client.get("/admin/auth/group/").status_code == 200


def test_users_cannot_be_deleted_from_the_admin(platform_client, platform_superuser):
    member = UserFactory(email="keep@example.test")
    platform_client.force_login(platform_superuser)
    assert platform_client.get(f"/admin/accounts/user/{member.pk}/delete/").status_code == 403


# --- MFA on the admin ---------------------------------------------------------------------------


def _staff_with_password(email: str, *, factor: bool) -> tuple:
    user = cast(User, UserFactory(email=email, is_staff=True, is_superuser=True))
    user_email_mark_verified(user=user, acting_user=None)
    secret = totp_ensure(user)[0] if factor else None
    return user, secret


def test_admin_login_form_is_not_a_password_only_bypass(platform_client):
    _staff_with_password("bypass@platform.test", factor=True)
    response = platform_client.post("/admin/login/", {"username": "bypass@platform.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert platform_client.get("/admin/").status_code == 302  # still signed out


def test_admin_sign_in_asks_for_the_totp_code(platform_client):
    _, secret = _staff_with_password("mfa@platform.test", factor=True)
    response = platform_client.post(
        "/accounts/login/?next=/admin/", {"login": "mfa@platform.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert platform_client.get("/admin/").status_code == 302  # not signed in before the code
    wrong = platform_client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "code" in wrong.content.decode().lower()
    done = platform_client.post("/accounts/2fa/authenticate/", {"code": totp_code_now(secret)})
    assert done.status_code == 302
    assert platform_client.get("/admin/").status_code == 200


def test_staff_without_a_factor_must_enrol_before_using_the_admin(platform_client):
    user, _ = _staff_with_password("nofactor@platform.test", factor=False)
    platform_client.force_login(user)
    response = platform_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    api = platform_client.get("/api/platform/tenants/")
    assert api.status_code == 403 and api.json()["code"] == "mfa_required"
    # The enrolment page opens (after allauth asks to confirm the password of a fresh sign-in).
    assert platform_client.get(response["Location"], follow=True).status_code == 200


def test_demo_totp_prints_the_current_code(capsys):
    user, secret = _staff_with_password("demo-totp@platform.test", factor=True)
    call_command("demo_totp", user.email)
    assert capsys.readouterr().out.strip() == totp_code_now(secret)
    assert re.fullmatch(r"\d{6}", totp_code_now(secret))


def test_self_signup_is_closed_on_tenant_domains_and_when_staff_close_it(acme_client, platform_client):
    # People join a tenant by invitation; on the platform domain self-service signup (apps.onboarding)
    # is open until staff switch the system setting off. Closed, allauth's page says so and creates nobody.
    from apps.sysconfig.testing import setting_override

    with setting_override("signup.open", False):
        for client in (acme_client, platform_client):
            response = client.post(
                "/accounts/signup/", {"email": "walk-in@example.test", "password1": "x" * 14, "password2": "x" * 14}
            )
            assert b"closed" in response.content.lower()
    response = acme_client.post(
        "/accounts/signup/", {"email": "walk-in@example.test", "password1": "x" * 14, "password2": "x" * 14}
    )
    assert b"closed" in response.content.lower()
    from apps.accounts.models import User

    assert not User.objects.filter(email="walk-in@example.test").exists()


def test_deactivation_anonymises_and_keeps_references(platform_client, platform_superuser, acme_member, acme):
    from apps.accounts.models import Membership
    from apps.audit.models import AuditEvent

    membership = Membership.objects.get(user=acme_member)
    old_email, versions = acme_member.email, (acme_member.access_token_version, acme_member.refresh_token_version)
    platform_client.force_login(platform_superuser)
    response = platform_client.post(
        "/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [acme_member.pk]}
    )
    assert response.status_code == 302
    acme_member.refresh_from_db()
    membership.refresh_from_db()
    assert acme_member.email != old_email and acme_member.email.endswith("@invalid.invalid")
    assert (acme_member.full_name, acme_member.is_active, acme_member.has_usable_password()) == ("", False, False)
    assert acme_member.deleted_by == platform_superuser and acme_member.deleted_at is not None
    assert (acme_member.access_token_version, acme_member.refresh_token_version) == (versions[0] + 1, versions[1] + 1)
    assert membership.status == Membership.Status.REMOVED  # the row and its references stay
    event = AuditEvent.objects.filter(action="user.deactivated", target_id=str(acme_member.pk)).get()
    assert old_email not in str(event.before) + str(event.after)


def test_only_a_super_admin_may_deactivate(platform_client, support_staff, acme_member):
    platform_client.force_login(support_staff)
    platform_client.post("/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": [acme_member.pk]})
    acme_member.refresh_from_db()
    assert acme_member.deleted_at is None

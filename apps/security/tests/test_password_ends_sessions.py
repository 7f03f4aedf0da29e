"""A password change, reset or staff set ends every web session, access token and refresh family of the
person (seed 004: a reset logs every device out); a change keeps the browser that made it signed in."""

import re

import pytest
from django.core import mail
from django.test import Client

from apps.audit.models import AuditEvent
from apps.security.models import AuthEvent, UserSession
from apps.tokens.models import RefreshTokenFamily

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-42"


def _browser(user):
    client = Client(HTTP_HOST="acme.localhost")
    assert sign_in(client, user.email).status_code == 302
    assert client.get("/manage/account/").status_code == 200
    return client


def _tokens(user):
    client = Client(HTTP_HOST="acme.localhost")
    response = client.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _api_refused(tokens):
    client = Client(HTTP_HOST="acme.localhost")
    api = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    refresh = client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, content_type="application/json"
    )
    return api.status_code == 401 and refresh.status_code == 401


def _signed_out(client):
    response = client.get("/manage/account/")
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _everything_ended(user, how):
    ended = UserSession.objects.filter(user=user, end_reason=UserSession.EndReason.PASSWORD_CHANGED)
    assert ended.count() >= 1
    families = RefreshTokenFamily.objects.filter(user=user)
    assert families and all(f.revoke_reason == RefreshTokenFamily.RevokeReason.PASSWORD_CHANGED for f in families)
    assert AuditEvent.objects.filter(action=f"user.password_{how}", target_id=str(user.pk)).exists()


def test_changing_the_password_ends_every_other_session_and_every_token(verified_member):
    here, elsewhere = _browser(verified_member), _browser(verified_member)
    tokens = _tokens(verified_member)
    response = here.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    assert _signed_out(elsewhere)
    assert _api_refused(tokens)
    _everything_ended(verified_member, "changed")
    # The browser that made the change stays signed in, on a fresh tracked session.
    assert here.get("/manage/account/").status_code == 200
    current = UserSession.objects.get(user=verified_member, revoked_at__isnull=True)
    assert current.session_key == here.session.session_key
    event = AuthEvent.objects.filter(user=verified_member, kind=AuthEvent.Kind.PASSWORD_CHANGED).latest("id")
    assert event.detail["sessions_ended"] == 2 and event.detail["token_families_revoked"] == 1


def test_resetting_the_password_signs_out_everywhere(verified_member, settings):
    settings.ACCOUNT_RATE_LIMITS = False
    signed_in = _browser(verified_member)
    tokens = _tokens(verified_member)
    anonymous = Client(HTTP_HOST="acme.localhost")
    assert anonymous.post("/accounts/password/reset/", {"email": verified_member.email}).status_code == 302
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form = anonymous.get(link, follow=True)
    assert form.status_code == 200
    done = anonymous.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.content

    assert _signed_out(signed_in)
    assert _api_refused(tokens)
    _everything_ended(verified_member, "reset")
    assert AuthEvent.objects.filter(user=verified_member, kind=AuthEvent.Kind.PASSWORD_RESET).exists()
    # The new password works; the old one does not.
    assert sign_in(Client(HTTP_HOST="acme.localhost"), verified_member.email, NEW_PASSWORD).status_code == 302


def test_setting_a_first_password_ends_the_other_sessions(verified_member):
    here, elsewhere = _browser(verified_member), _browser(verified_member)
    tokens = _tokens(verified_member)
    verified_member.set_unusable_password()
    verified_member.save(update_fields=["password"])
    # An unusable password already invalidates Django's sessions (the auth hash changed): sign in again.
    here = Client(HTTP_HOST="acme.localhost")
    here.force_login(verified_member)
    response = here.post("/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content
    assert _signed_out(elsewhere)
    assert _api_refused(tokens)
    _everything_ended(verified_member, "set")
    assert here.get("/manage/account/").status_code == 200


def test_staff_setting_the_password_in_the_admin_ends_everything(verified_member, platform_superuser):
    signed_in = _browser(verified_member)
    tokens = _tokens(verified_member)
    staff = Client(HTTP_HOST="localhost")
    staff.force_login(platform_superuser)
    url = f"/admin/accounts/user/{verified_member.pk}/password/"
    response = staff.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.content

    assert _signed_out(signed_in)
    assert _api_refused(tokens)
    _everything_ended(verified_member, "set_by_staff")
    event = AuthEvent.objects.filter(user=verified_member, kind=AuthEvent.Kind.PASSWORD_CHANGED).latest("id")
    assert event.detail["by"] == platform_superuser.code
    assert staff.get("/admin/").status_code == 200  # the staff member's own session is untouched


def test_a_refused_admin_form_changes_nothing(verified_member, platform_superuser):
    tokens = _tokens(verified_member)
    staff = Client(HTTP_HOST="localhost")
    staff.force_login(platform_superuser)
    url = f"/admin/accounts/user/{verified_member.pk}/password/"
    response = staff.post(url, {"password1": NEW_PASSWORD, "password2": "something-else-entirely"})
    assert response.status_code == 200
    assert not _api_refused(tokens)

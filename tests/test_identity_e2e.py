"""Across the identity pieces: "log out everywhere" in the portal also kills API tokens."""

import pytest

from apps.accounts.services import user_email_mark_verified

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


def test_log_out_everywhere_kills_sessions_access_and_refresh_tokens(acme_client, acme_member, client):
    user_email_mark_verified(user=acme_member, acting_user=None)
    tokens = acme_client.post(
        "/api/v1/auth/token/", {"email": acme_member.email, "password": PASSWORD}, content_type="application/json"
    ).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert acme_client.get("/api/v1/tenant/", **bearer).status_code == 200

    acme_client.force_login(acme_member)
    response = acme_client.post("/manage/account/sessions/logout-everywhere/", {"confirm": "on"})
    assert response.status_code == 302

    assert acme_client.get("/manage/").status_code == 302  # this browser is signed out too
    denied = acme_client.get("/api/v1/tenant/", **bearer)
    assert denied.status_code == 401 and denied.json()["code"] == "token_revoked"
    refresh = acme_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, content_type="application/json"
    )
    assert refresh.status_code == 401

"""Sign-in hand-offs: one use, two minutes, bound to one tenant; the link signs the browser in."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.handoff import HANDOFF_SESSION_KEY, handoff_issue, handoff_url
from apps.accounts.models import SignInHandoff

pytestmark = pytest.mark.django_db


def _path(token: str) -> str:
    return f"/manage/handoff/{token}/"


def test_the_link_signs_in_once_and_lands_on_the_next_path(acme, acme_admin, acme_client):
    token = handoff_issue(user=acme_admin, tenant=acme, purpose="signup", payload={"note": "x"})
    assert handoff_url(token=token, tenant=acme).endswith(_path(token))
    assert "acme.localhost" in handoff_url(token=token, tenant=acme)

    response = acme_client.get(_path(token))
    assert response.status_code == 302 and response["Location"] == "/manage/"
    assert acme_client.get("/manage/").status_code == 200
    assert acme_client.session[HANDOFF_SESSION_KEY]["purpose"] == "signup"
    assert acme_client.session[HANDOFF_SESSION_KEY]["note"] == "x"

    again = acme_client.__class__(HTTP_HOST="acme.localhost").get(_path(token))
    assert again.status_code == 403
    assert SignInHandoff.objects.get().used_at is not None


def test_another_tenants_domain_refuses_the_link(acme, globex, acme_admin, globex_client):
    token = handoff_issue(user=acme_admin, tenant=acme, purpose="signup")
    assert globex_client.get(_path(token)).status_code == 403
    assert "_auth_user_id" not in globex_client.session
    assert SignInHandoff.objects.get().used_at is None  # still usable where it belongs


def test_an_expired_or_unknown_link_is_refused(acme, acme_admin, acme_client):
    token = handoff_issue(user=acme_admin, tenant=acme, purpose="signup")
    SignInHandoff.objects.update(created_at=timezone.now() - timedelta(minutes=10),
                                 expires_at=timezone.now() - timedelta(minutes=8))  # fmt: skip
    assert acme_client.get(_path(token)).status_code == 403
    assert acme_client.get(_path("nope")).status_code == 403
    assert "_auth_user_id" not in acme_client.session


def test_next_path_must_stay_on_the_tenants_domain(acme, acme_admin):
    with pytest.raises(ValueError):
        handoff_issue(user=acme_admin, tenant=acme, purpose="signup", next_path="//evil.example/")

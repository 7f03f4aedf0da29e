"""Password policy (issue 19): no reuse of the last N passwords, history kept as hashes only, and an
expired password forcing a change at the next sign-in."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import User
from apps.accounts.password_history import PASSWORD_HISTORY_KEPT, PasswordHistoryEntry, password_history_record
from apps.policy.selectors import policy_effective_for_user

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

SECOND = "tulip-harbour-seventeen-7"
THIRD = "quiet-meadow-lantern-42"
REUSE = "does not allow reusing"


def _change(client, old: str, new: str):
    return client.post("/accounts/password/change/", {"oldpassword": old, "password1": new, "password2": new})


def test_a_recent_password_is_refused_with_the_policys_message(acme_client, verified, org, set_policy):
    set_policy(org.root, password_history_count=3)
    acme_client.force_login(verified)
    assert _change(acme_client, PASSWORD, SECOND).status_code == 302
    refused = _change(acme_client, SECOND, PASSWORD)  # the one before: still in the last 3
    assert refused.status_code == 200
    assert REUSE in str(refused.context["form"].errors) and "last 3 passwords" in str(refused.context["form"].errors)
    same = _change(acme_client, SECOND, SECOND)  # the current one counts too
    assert same.status_code == 200 and REUSE in str(same.context["form"].errors)
    assert _change(acme_client, SECOND, THIRD).status_code == 302
    verified.refresh_from_db()
    assert verified.check_password(THIRD)


def test_without_a_history_rule_an_old_password_may_come_back(acme_client, verified, org, set_policy):
    acme_client.force_login(verified)
    assert _change(acme_client, PASSWORD, SECOND).status_code == 302
    assert _change(acme_client, SECOND, PASSWORD).status_code == 302  # password_history_count 0 by default


def test_only_the_last_n_count(acme, verified, org, set_policy):
    set_policy(org.root, password_history_count=1)
    for password in (SECOND, THIRD):
        verified.set_password(password)
        verified.save()
        password_history_record(user=verified)
    with tenant_context(acme):
        validate_password(PASSWORD, user=verified)  # three passwords ago
        validate_password(SECOND, user=verified)  # two ago, outside the last 1
        with pytest.raises(ValidationError, match="reusing your last password"):
            validate_password(THIRD, user=verified)


def test_history_keeps_hashes_only_with_a_constraint(verified):
    password_history_record(user=verified)
    password_history_record(user=verified)  # idempotent
    entry = PasswordHistoryEntry.objects.get(user=verified)
    assert entry.password_hash == verified.password and PASSWORD not in entry.password_hash
    with transaction.atomic(), pytest.raises(IntegrityError):
        PasswordHistoryEntry.objects.create(user=verified, password_hash=verified.password)
    with transaction.atomic(), pytest.raises(IntegrityError):
        PasswordHistoryEntry.objects.create(user=verified, password_hash="!unusable")


def test_history_is_pruned(verified):
    for index in range(PASSWORD_HISTORY_KEPT + 3):
        password_history_record(user=verified, password_hash=f"md5$salt{index}$hash")
    assert PasswordHistoryEntry.objects.filter(user=verified).count() == PASSWORD_HISTORY_KEPT


def test_a_reset_and_the_staff_admin_are_refused_too(acme, verified, org, set_policy):
    """The reset form (in the tenant) and the staff admin's set-password form (platform domain: the
    strictest count of the person's tenants) both run the validators with the user."""
    set_policy(org.root, password_history_count=5)
    with tenant_context(acme), pytest.raises(ValidationError, match=REUSE):
        validate_password(PASSWORD, user=verified)
    with schema_context("public"), pytest.raises(ValidationError, match=REUSE):
        validate_password(PASSWORD, user=verified)


def test_the_strictest_entity_wins(acme, acme_member, org, set_policy, place):
    set_policy(org.root, password_history_count=2)
    set_policy(org.sales, password_history_count=6)
    place(acme_member, org.support, org.sales)
    with tenant_context(acme):
        assert policy_effective_for_user(acme_member, use_cache=False).password_history_count.value == 6


def test_out_of_range_counts_are_refused(org, set_policy):
    with pytest.raises(ValidationError):
        set_policy(org.root, password_history_count=25)


# --- Expiry forces a change at the next sign-in --------------------------------------------------


def test_an_expired_password_forces_a_change_at_the_next_sign_in(acme_client, verified, org, set_policy):
    set_policy(org.root, password_expiry_days=90)
    User.objects.filter(pk=verified.pk).update(last_password_change=timezone.now() - timedelta(days=91))
    assert sign_in(acme_client, verified.email).status_code == 302
    response = acme_client.get("/manage/members/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/password/change/")
    api = acme_client.get("/api/v1/me/")
    assert (api.status_code, api.json()["code"]) == (403, "password_expired")
    assert _change(acme_client, PASSWORD, SECOND).status_code == 302
    assert acme_client.get("/manage/members/").status_code == 200


def test_an_expired_password_refuses_bearer_tokens_with_a_code(acme_client, verified, org, set_policy):
    token = acme_client.post(
        "/api/v1/auth/token/", {"email": verified.email, "password": PASSWORD}, content_type="application/json"
    ).json()["access"]
    set_policy(org.root, password_expiry_days=30)
    User.objects.filter(pk=verified.pk).update(last_password_change=timezone.now() - timedelta(days=31))
    api = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert (api.status_code, api.json()["code"]) == (403, "password_expired")

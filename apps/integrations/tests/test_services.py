"""API key services: what is stored, validation, revocation, usage stamps."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.integrations.models import ApiKey
from apps.integrations.selectors import api_key_find
from apps.integrations.services import api_key_create, api_key_hash, api_key_revoke, api_key_touch

pytestmark = pytest.mark.django_db


def test_create_stores_only_prefix_and_hash_and_shows_the_secret_once(acme, acme_admin):
    with tenant_context(acme):
        api_key, raw = api_key_create(name="Payroll", scopes=["members:read", "tenant:read"], acting_user=acme_admin)
        assert raw.startswith(f"nf_{api_key.prefix}_") and len(raw) > 40
        assert api_key.key_hash == api_key_hash(raw) and raw not in str(ApiKey.objects.values().get())
        assert api_key.scopes == ["tenant:read", "members:read"]  # registry order
        assert api_key.created_by == acme_admin
        assert api_key.history.get().history_user == acme_admin
        assert api_key_find(raw=raw) == api_key
        assert api_key_find(raw=raw[:-1] + ("x" if raw[-1] != "x" else "y")) is None
    event = AuditEvent.objects.get(action="api_key.created", target_id=str(api_key.pk))
    assert event.tenant_id == acme.pk and event.after["prefix"] == api_key.prefix
    assert raw not in str(event.after)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"scopes": []}, "scopes", "scopes_required"),
        ({"scopes": ["members:delete"]}, "scopes", "invalid_scope"),
        ({"scopes": ["api_keys:write"]}, "scopes", "invalid_scope"),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "expires_at", "expiry_in_past"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(acme, acme_admin, fields, field, code):
    with tenant_context(acme), pytest.raises(ValidationError) as exc:
        api_key_create(**{"name": "K", "scopes": ["tenant:read"], **fields}, acting_user=acme_admin)
    assert exc.value.error_dict[field][0].code == code
    with tenant_context(acme):
        assert not ApiKey.objects.exists()


def test_active_names_are_unique_per_tenant_but_reusable_after_revoke(acme, globex, acme_admin):
    with tenant_context(acme):
        first, _ = api_key_create(name="Sync", scopes=["tenant:read"], acting_user=acme_admin)
        with pytest.raises(ValidationError) as exc:
            api_key_create(name="sync", scopes=["tenant:read"], acting_user=acme_admin)
        assert exc.value.error_dict["name"][0].code == "name_taken"
        api_key_revoke(api_key=first, acting_user=acme_admin)
        api_key_create(name="Sync", scopes=["tenant:read"], acting_user=acme_admin)
    with tenant_context(globex):
        api_key_create(name="Sync", scopes=["tenant:read"], acting_user=None)


def test_revoke_records_who_and_refuses_a_second_time(acme, acme_admin):
    with tenant_context(acme):
        api_key, _ = api_key_create(name="K", scopes=["tenant:read"], acting_user=acme_admin)
        api_key = api_key_revoke(api_key=api_key, acting_user=acme_admin)
        assert api_key.status == ApiKey.Status.REVOKED and api_key.revoked_by == acme_admin
        with pytest.raises(ValidationError) as exc:
            api_key_revoke(api_key=api_key, acting_user=acme_admin)
        assert exc.value.code == "already_revoked"
    assert AuditEvent.objects.filter(action="api_key.revoked", tenant_id=acme.pk).count() == 1


def test_touch_writes_at_most_once_a_minute(acme, acme_admin, django_assert_num_queries):
    with tenant_context(acme):
        api_key, _ = api_key_create(name="K", scopes=["tenant:read"], acting_user=acme_admin)
        with django_assert_num_queries(1):
            api_key_touch(api_key=api_key, ip_address="10.0.0.1")
        with django_assert_num_queries(0):
            api_key_touch(api_key=api_key, ip_address="10.0.0.2")
        stale = ApiKey.objects.get(pk=api_key.pk)  # another request's copy, read before the first touch
        stale.last_used_at = None
        api_key_touch(api_key=stale, ip_address="10.0.0.3")  # the conditional update writes nothing
        assert ApiKey.objects.get(pk=api_key.pk).last_used_ip == "10.0.0.1"
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
        api_key_touch(api_key=ApiKey.objects.get(pk=api_key.pk), ip_address="10.0.0.4")
        assert ApiKey.objects.get(pk=api_key.pk).last_used_ip == "10.0.0.4"


def test_a_key_created_under_schema_context_is_audited_in_its_tenants_chain(acme, acme_admin):
    """schema_context() leaves a FakeTenant on the connection; the audit event still names the tenant."""
    from django_tenants.utils import schema_context

    with schema_context(acme.schema_name):
        api_key_create(name="Schema context key", scopes=["tenant:read"], acting_user=acme_admin)
    event = AuditEvent.objects.filter(action="api_key.created").latest("id")
    assert event.tenant_id == acme.pk

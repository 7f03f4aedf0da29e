"""Writes on security policies: validation before anything is written, normalised networks,
history and audit, clearing a field, the database's own checks, the self-lockout guard, and the
tenant default deployed by provisioning."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.organisation.models import Entity
from apps.policy.defaults import PRODUCT_DEFAULTS
from apps.policy.models import SecurityPolicy
from apps.policy.provisioning import default_security_policy
from apps.policy.services import default_policy_ensure, policy_clear_field, policy_set
from apps.tenancy.provisioning import provisioning_steps

pytestmark = pytest.mark.django_db


def test_networks_are_normalised_and_deduplicated(acme, org, set_policy):
    policy = set_policy(org.sales, ip_allowlist=["10.1.2.3/8", " 2001:DB8::1 ", "10.0.0.0/8", "203.0.113.7"])
    assert policy.ip_allowlist == ["10.0.0.0/8", "2001:db8::1/128", "203.0.113.7/32"]


def test_an_invalid_network_is_refused_by_name_and_nothing_is_written(acme, org, set_policy):
    set_policy(org.sales, password_min_length=14, ip_allowlist=["10.0.0.0/8"])
    with pytest.raises(ValidationError) as refused:
        set_policy(org.sales, password_min_length=20, ip_allowlist=["10.0.0.0/8", "10.0.0.300/24", "intranet"])
    errors = refused.value.message_dict["ip_allowlist"]
    assert any("“10.0.0.300/24” is not an IP address or network" in e for e in errors)
    assert any("“intranet”" in e for e in errors)
    with tenant_context(acme):
        policy = SecurityPolicy.objects.get(entity=org.sales)
        assert (policy.password_min_length, policy.ip_allowlist) == (14, ["10.0.0.0/8"])
    with pytest.raises(ValidationError), tenant_context(acme):
        policy_set(entity=org.support, acting_user=None, ip_allowlist=["300.1.1.1"])
    with tenant_context(acme):
        assert not SecurityPolicy.objects.filter(entity=org.support).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"password_min_length": 7}, "password_min_length"),
        ({"password_min_length": 129}, "password_min_length"),
        ({"session_idle_timeout_minutes": 0}, "session_idle_timeout_minutes"),
        ({"allowed_login_methods": ["password", "carrier_pigeon"]}, "allowed_login_methods"),
        ({"allowed_login_methods": []}, "allowed_login_methods"),
    ],
)
def test_out_of_range_values_are_refused_on_their_field(acme, org, set_policy, fields, field):
    with pytest.raises(ValidationError) as refused:
        set_policy(org.sales, **fields)
    assert field in refused.value.message_dict
    with tenant_context(acme):
        assert not SecurityPolicy.objects.filter(entity=org.sales).exists()


@pytest.mark.parametrize(
    "values",
    [
        {"password_min_length": 7},
        {"password_expiry_days": 4000},
        {"session_absolute_timeout_hours": 0},
        {"allowed_login_methods": ["sso"]},
        {"allowed_login_methods": []},
    ],
)
def test_the_database_refuses_what_the_service_would(acme, org, set_policy, values):
    policy = set_policy(org.sales, password_min_length=12)
    with tenant_context(acme), pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.filter(pk=policy.pk).update(**values)


def test_a_change_is_audited_and_kept_in_history(acme, org, acme_admin):
    with tenant_context(acme):
        policy = policy_set(entity=org.sales, acting_user=acme_admin, mfa_required=True)
        policy = policy_set(entity=org.sales, acting_user=acme_admin, password_min_length=16)
        assert policy.updated_by == acme_admin
        assert list(policy.history.values_list("history_user_id", flat=True)) == [acme_admin.pk, acme_admin.pk]
    event = AuditEvent.objects.filter(action="policy.security_policy_changed").order_by("-sequence").first()
    assert event is not None and event.tenant_id == acme.pk
    assert event.before["password_min_length"] is None and event.after["password_min_length"] == 16
    assert event.after["mfa_required"] is True


def test_clearing_a_field(acme, org, set_policy):
    set_policy(org.sales, password_min_length=16, mfa_required=True)
    with tenant_context(acme):
        policy = policy_clear_field(entity=org.sales, field="password_min_length", acting_user=None)
        assert policy is not None and (policy.password_min_length, policy.mfa_required) == (None, True)
        assert policy_clear_field(entity=org.support, field="mfa_required", acting_user=None) is None
        assert not SecurityPolicy.objects.filter(entity=org.support).exists()
        with pytest.raises(ValueError):
            policy_clear_field(entity=org.sales, field="entity", acting_user=None)


def test_a_change_that_would_lock_out_its_author_is_refused(acme, org, acme_admin, place):
    place(acme_admin, org.sales)
    with tenant_context(acme):
        with pytest.raises(ValidationError) as refused:
            policy_set(entity=org.root, acting_user=acme_admin, acting_ip="198.51.100.9", ip_allowlist=["10.0.0.0/8"])
        assert "198.51.100.9" in refused.value.message_dict["ip_allowlist"][0]
        assert not SecurityPolicy.objects.filter(entity=org.root).exists()
        # Someone else's entity, or an address inside the list, is fine.
        policy_set(entity=org.support, acting_user=acme_admin, acting_ip="198.51.100.9", ip_allowlist=["10.0.0.0/8"])
        policy_set(entity=org.root, acting_user=acme_admin, acting_ip="10.9.9.9", ip_allowlist=["10.0.0.0/8"])


def test_the_default_policy_is_deployed_once(acme, org, acme_admin):
    with tenant_context(acme):
        policy = default_policy_ensure(acting_user=acme_admin)
        assert policy is not None and policy.entity == org.root
        assert {f: getattr(policy, f) for f in PRODUCT_DEFAULTS} == PRODUCT_DEFAULTS
        policy_set(entity=org.root, acting_user=acme_admin, password_min_length=20)
        assert default_policy_ensure(acting_user=acme_admin).password_min_length == 20  # left alone
        assert SecurityPolicy.objects.count() == 1


def test_the_provisioning_step_deploys_the_default_and_is_idempotent(acme, acme_root):
    assert "default_security_policy" in [step.name for step in provisioning_steps()]
    names = [step.name for step in provisioning_steps()]
    assert names.index("create_root_entity") < names.index("default_security_policy")

    class Job:
        requested_by = None

    default_security_policy(job=Job(), tenant=acme)
    default_security_policy(job=Job(), tenant=acme)
    with tenant_context(acme):
        assert list(SecurityPolicy.objects.values_list("entity_id", flat=True)) == [acme_root.pk]
        assert Entity.objects.get(pk=acme_root.pk).security_policy.password_min_length == 12

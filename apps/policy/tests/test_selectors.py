"""Effective policies: inheritance per field down the hierarchy, strictest wins across a person's
entities, each value with its source, and the per-person cache."""

import pytest
from django_tenants.utils import tenant_context

from apps.organisation.models import Entity, EntityMembership
from apps.organisation.services import entity_membership_remove
from apps.policy.defaults import PRODUCT_DEFAULT_LABEL, PRODUCT_DEFAULTS, TENANT_SETTING_LABEL
from apps.policy.selectors import policy_effective_for_entity, policy_effective_for_user
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_three_levels_inherit_field_by_field(acme, org, set_policy, django_assert_num_queries):
    set_policy(org.root, password_min_length=14, session_idle_timeout_minutes=30, ip_allowlist=["10.0.0.0/8"])
    set_policy(org.sales, password_min_length=16, ip_allowlist=[])
    set_policy(org.field, mfa_required=True)
    with tenant_context(acme):
        Entity.objects.exists()  # the connection's search_path is set by the first query in the schema
        with django_assert_num_queries(1):
            policy = policy_effective_for_entity(org.field, tenant=acme)
        assert (policy.mfa_required.value, policy.mfa_required.source_entity_id) == (True, org.field.pk)
        assert (policy.password_min_length.value, policy.password_min_length.source_label) == (16, "Sales")
        assert (policy.session_idle_timeout_minutes.value, policy.session_idle_timeout_minutes.source_label) == (
            30, "Acme",
        )  # fmt: skip
        # An empty list set on Sales overrides the root's list: anywhere, from Sales down.
        assert policy.get("ip_allowlist").value == [] and policy.get("ip_allowlist").source_label == "Sales"
        assert policy.password_expiry_days.value == PRODUCT_DEFAULTS["password_expiry_days"]
        assert policy.password_expiry_days.source_label == PRODUCT_DEFAULT_LABEL
        assert policy.password_expiry_days.is_product_default
        # The sibling branch inherits from the root only.
        support = policy_effective_for_entity(org.support, tenant=acme)
        assert support.password_min_length.value == 14 and support.get("ip_allowlist").value == ["10.0.0.0/8"]
        assert support.mfa_required.value is False and support.mfa_required.is_product_default


def test_clearing_a_field_makes_it_inherit_again(acme, org, set_policy):
    set_policy(org.root, password_min_length=14)
    set_policy(org.sales, password_min_length=20)
    set_policy(org.sales, password_min_length=None)
    with tenant_context(acme):
        assert policy_effective_for_entity(org.field, tenant=acme).password_min_length.source_label == "Acme"


def test_strictest_wins_across_two_entities(acme, org, set_policy, place):
    set_policy(
        org.sales, password_min_length=14, password_expiry_days=90, session_idle_timeout_minutes=60,
        allowed_login_methods=["password"], ip_allowlist=["10.0.0.0/8"],
    )  # fmt: skip
    set_policy(
        org.support, mfa_required=True, password_min_length=16, password_expiry_days=30,
        session_idle_timeout_minutes=120, session_absolute_timeout_hours=8, ip_allowlist=["10.1.0.0/16"],
    )  # fmt: skip
    user = place(UserFactory(), org.field, org.support)
    with tenant_context(acme):
        policy = policy_effective_for_user(user, tenant=acme, use_cache=False)
    assert (policy.mfa_required.value, policy.mfa_required.source_label) == (True, "Support")
    assert (policy.password_min_length.value, policy.password_min_length.source_label) == (16, "Support")
    assert (policy.password_expiry_days.value, policy.password_expiry_days.source_label) == (30, "Support")
    assert (policy.session_idle_timeout_minutes.value, policy.session_idle_timeout_minutes.source_label) == (
        60,
        "Sales",
    )
    assert policy.session_absolute_timeout_hours.value == 8
    assert (policy.allowed_login_methods.value, policy.allowed_login_methods.source_label) == (["password"], "Sales")
    # The address must be inside a network of each entity's list.
    assert policy.ip_allowed("10.1.2.3")
    assert not policy.ip_allowed("10.2.0.1")  # in Sales' list only
    assert not policy.ip_allowed("192.168.0.1")
    assert not policy.ip_allowed("not an address")
    assert policy.ip_allowed("::ffff:10.1.2.3")  # an IPv4 client seen through an IPv6 socket


def test_a_zero_expiry_means_never_and_never_wins_over_an_expiry(acme, org, set_policy, place):
    set_policy(org.sales, password_expiry_days=0)
    set_policy(org.support, password_expiry_days=45)
    user = place(UserFactory(), org.sales, org.support)
    with tenant_context(acme):
        assert policy_effective_for_user(user, tenant=acme, use_cache=False).password_expiry_days.value == 45


def test_login_methods_intersect_and_name_every_restricting_entity(acme, org, set_policy, place):
    set_policy(org.sales, allowed_login_methods=["password"])
    set_policy(org.support, allowed_login_methods=["api_token"])
    user = place(UserFactory(), org.sales, org.support)
    with tenant_context(acme):
        methods = policy_effective_for_user(user, tenant=acme, use_cache=False).allowed_login_methods
    assert methods.value == [] and methods.source_label == "Sales, Support"


def test_someone_in_no_entity_gets_the_root_policy(acme, org, set_policy):
    set_policy(org.root, password_min_length=15)
    with tenant_context(acme):
        policy = policy_effective_for_user(UserFactory(), tenant=acme, use_cache=False)
    assert (policy.password_min_length.value, policy.password_min_length.source_label) == (15, "Acme")
    assert policy.session_idle_timeout_minutes.is_product_default


def test_without_any_policy_every_value_is_the_product_default(acme, org, place):
    user = place(UserFactory(), org.field)
    with tenant_context(acme):
        policy = policy_effective_for_user(user, tenant=acme, use_cache=False)
    assert policy.password_min_length.value == PRODUCT_DEFAULTS["password_min_length"]
    assert policy.allowed_login_methods.value == PRODUCT_DEFAULTS["allowed_login_methods"]
    assert policy.ip_allowed("198.51.100.1")


def test_the_tenant_wide_mfa_flag_is_ored_in(acme, org, place):
    acme.mfa_required = True
    acme.save(update_fields=["mfa_required"])
    user = place(UserFactory(), org.field)
    with tenant_context(acme):
        for policy in (policy_effective_for_user(user, tenant=acme), policy_effective_for_entity(org.field)):
            assert (policy.mfa_required.value, policy.mfa_required.source_label) == (True, TENANT_SETTING_LABEL)


def test_the_persons_policy_is_cached_and_recomputed_after_a_change(
    acme, org, set_policy, place, django_assert_num_queries
):
    user = place(UserFactory(), org.field)
    with tenant_context(acme):
        Entity.objects.exists()  # the connection's search_path is set by the first query in the schema
        with django_assert_num_queries(1):  # the person's entities and those above, with their policies
            assert policy_effective_for_user(user, tenant=acme).password_min_length.value == 12
        with django_assert_num_queries(0):
            assert policy_effective_for_user(user, tenant=acme).password_min_length.value == 12
    set_policy(org.sales, password_min_length=18)
    with tenant_context(acme):
        assert policy_effective_for_user(user, tenant=acme).password_min_length.value == 18


def test_leaving_an_entity_is_seen_at_once(acme, org, set_policy, place):
    set_policy(org.support, mfa_required=True)
    user = place(UserFactory(), org.sales, org.support)
    with tenant_context(acme):
        assert policy_effective_for_user(user, tenant=acme).mfa_required.value is True
        membership = EntityMembership.objects.get(profile__user=user, entity=org.support)
        entity_membership_remove(membership=membership, acting_user=None)
        assert policy_effective_for_user(user, tenant=acme).mfa_required.value is False

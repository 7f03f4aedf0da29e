"""branding_for: user type → nearest entity → organisation default → product, field by field; cached."""

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.branding.selectors import ORGANISATION_DEFAULT, PRODUCT_DEFAULT, branding_for
from apps.branding.services import branding_set
from apps.organisation.services import entity_create, entity_membership_add, profile_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(acme, acme_root, entity_type):
    """Acme root → Sales → Sales East, and the member's primary entity is Sales East."""
    with tenant_context(acme):
        sales = entity_create(name="Sales", entity_type=entity_type("department"), parent=acme_root, acting_user=None)
        east = entity_create(name="Sales East", entity_type=entity_type("team"), parent=sales, acting_user=None)
    return sales, east


def _home(user, entity):
    profile = profile_ensure(user=user, acting_user=None)
    entity_membership_add(profile=profile, entity=entity, is_primary=True, acting_user=None)


def test_without_branding_everything_is_the_product_default(acme, acme_member):
    branding = branding_for(tenant=acme, user=acme_member)
    assert branding.product_name == settings.PRODUCT_NAME
    assert (branding.primary_color, branding.accent_color, branding.text_color) == ("#111827", "#2563eb", "#ffffff")
    assert branding.email_sender_name == "NIDIA Flow" and branding.logo_url == ""
    assert set(branding.sources.values()) == {PRODUCT_DEFAULT} and not branding.is_branded


def test_order_is_user_type_then_nearest_entity_then_default_then_product(
    acme, acme_root, acme_member, acme_admin, sales, private_label
):
    sales_entity, east = sales
    with tenant_context(acme):
        branding_set(
            product_name="Acme Work", primary_color="#111111", support_email="help@acme.test", acting_user=None
        )
        branding_set(entity=acme_root, primary_color="#333333", accent_color="#555555", acting_user=None)
        branding_set(entity=sales_entity, product_name="Sales Hub", accent_color="#222222", acting_user=None)
        branding_set(user_type=Membership.Role.MEMBER, text_color="#444444", acting_user=None)
        _home(acme_member, east)
        _home(acme_admin, acme_root)
    member = branding_for(tenant=acme, user=acme_member)
    assert (member.product_name, member.accent_color, member.primary_color, member.text_color) == (
        "Sales Hub", "#222222", "#333333", "#444444"
    )  # fmt: skip
    assert member.support_email == "help@acme.test"
    assert member.sources == {
        "product_name": "entity “Sales”", "accent_color": "entity “Sales”", "primary_color": "entity “Acme”",
        "text_color": "user type “Member”", "support_email": ORGANISATION_DEFAULT,
        "logo": PRODUCT_DEFAULT, "favicon": PRODUCT_DEFAULT, "email_sender_name": PRODUCT_DEFAULT,
    }  # fmt: skip
    # The admin sits at the root: the root entity's colours, the default's name, no member override.
    admin = branding_for(tenant=acme, user=acme_admin)
    assert (admin.product_name, admin.primary_color, admin.accent_color, admin.text_color) == (
        "Acme Work", "#333333", "#555555", "#ffffff"
    )  # fmt: skip
    # No user (the organisation's emails): the default only.
    assert branding_for(tenant=acme).primary_color == "#111111"


def test_user_type_beats_entity(acme, acme_member, sales, private_label):
    _, east = sales
    with tenant_context(acme):
        branding_set(entity=east, product_name="East", acting_user=None)
        branding_set(user_type=Membership.Role.MEMBER, product_name="Members", acting_user=None)
        _home(acme_member, east)
    assert branding_for(tenant=acme, user=acme_member).product_name == "Members"


def test_without_private_label_only_support_email_and_sender_apply(acme, acme_member, no_private_label):
    with tenant_context(acme):
        from apps.branding.models import Branding

        # Stored while the plan allowed it; a downgrade hides it without deleting it.
        Branding.objects.create(product_name="Acme Work", primary_color="#111111", support_email="help@acme.test",
                                email_sender_name="Acme HR")  # fmt: skip
    branding = branding_for(tenant=acme, user=acme_member)
    assert branding.product_name == settings.PRODUCT_NAME and branding.primary_color == "#111827"
    assert (branding.support_email, branding.email_sender_name) == ("help@acme.test", "Acme HR")
    assert branding.source_of("product_name") == PRODUCT_DEFAULT and not branding.private_label


def test_one_tenants_branding_is_not_anothers(acme, globex, globex_member, private_label):
    with tenant_context(acme):
        branding_set(product_name="Acme Work", acting_user=None)
    assert branding_for(tenant=globex, user=globex_member).product_name == settings.PRODUCT_NAME


def test_a_warm_lookup_costs_no_query_and_a_save_is_seen_at_once(
    acme, acme_member, private_label, django_assert_num_queries
):
    with tenant_context(acme):
        branding_set(product_name="Acme Work", acting_user=None)
    membership = Membership.objects.get(user=acme_member, tenant=acme)
    with tenant_context(acme):
        branding_for(tenant=acme, user=acme_member, membership=membership)  # fills the cache
        with django_assert_num_queries(0):
            assert branding_for(tenant=acme, user=acme_member, membership=membership).product_name == "Acme Work"
        branding_set(product_name="Acme People", acting_user=None)
        assert branding_for(tenant=acme, user=acme_member, membership=membership).product_name == "Acme People"


def test_with_entity_overrides_a_warm_lookup_is_one_query(
    acme, acme_member, sales, private_label, django_assert_num_queries
):
    _, east = sales
    with tenant_context(acme):
        branding_set(entity=east, product_name="East", acting_user=None)
        branding_set(user_type=Membership.Role.MEMBER, accent_color="#123456", acting_user=None)
        _home(acme_member, east)
    membership = Membership.objects.get(user=acme_member, tenant=acme)
    with tenant_context(acme):  # as in a request on acme's domain
        branding_for(tenant=acme, user=acme_member, membership=membership)
        with django_assert_num_queries(1):  # the member's primary entity
            branding = branding_for(tenant=acme, user=acme_member, membership=membership)
    assert (branding.product_name, branding.accent_color) == ("East", "#123456")


def test_a_plan_change_is_seen_without_waiting_for_the_cache(acme, acme_member, private_label, no_private_label):
    # no_private_label ran last: acme is on the plan without the flag now.
    with tenant_context(acme):
        from apps.branding.models import Branding

        Branding.objects.create(product_name="Acme Work")
    assert branding_for(tenant=acme).product_name == settings.PRODUCT_NAME
    type(acme).objects.filter(pk=acme.pk).update(plan=private_label)
    acme.plan = private_label
    assert branding_for(tenant=acme).product_name == "Acme Work"

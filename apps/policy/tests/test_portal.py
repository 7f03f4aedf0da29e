"""Portal: everyone sees their own effective policy and where each value comes from; tenant admins
and people granted the permission see and change an entity's policy; outsiders are refused."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django_tenants.utils import tenant_context

from apps.policy.defaults import POLICY_FIELDS
from apps.policy.models import SecurityPolicy

pytestmark = pytest.mark.django_db

OVERVIEW = "/manage/security-policy/"


def edit_url(entity) -> str:
    return f"/manage/security-policy/{entity.uuid}/edit/"


def _form(**overrides):
    """A full edit form: every setting inherits unless given."""
    data = {f"{field}_inherit": "on" for field in POLICY_FIELDS}
    for field, value in overrides.items():
        data.pop(f"{field}_inherit", None)
        data[field] = value
    return data


def _policy(acme, entity):
    with tenant_context(acme):
        return SecurityPolicy.objects.filter(entity=entity).first()


def test_a_member_sees_their_own_policy_and_its_sources(acme_client, acme_member, org, set_policy, place):
    set_policy(org.root, password_min_length=14)
    set_policy(org.sales, mfa_required=True, ip_allowlist=["10.0.0.0/8"])
    place(acme_member, org.field)
    TOTP.activate(acme_member, generate_totp_secret())  # Sales requires MFA
    acme_client.force_login(acme_member)
    response = acme_client.get(OVERVIEW, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200
    rows = {row.label: row for row in response.context["my_rows"]}
    assert (rows["Two-factor authentication"].value, rows["Two-factor authentication"].source) == (
        "Required", "Set on Sales",
    )  # fmt: skip
    assert (rows["Minimum password length"].value, rows["Minimum password length"].source) == (
        "14 characters", "Set on Acme",
    )  # fmt: skip
    assert rows["Password expiry"].source == "Product default"
    assert rows["Allowed networks"].value == "10.0.0.0/8"
    # A member may look at nothing but their own policy.
    assert response.context["entity"] is None and "Policy of an entity" not in response.content.decode()


def test_a_member_cannot_look_at_an_entity_policy(acme_client, acme_member, org):
    acme_client.force_login(acme_member)
    assert acme_client.get(OVERVIEW, {"entity": str(org.sales.uuid)}).status_code == 404


def test_an_admin_sees_an_entity_policy_with_where_each_value_comes_from(acme_client, acme_admin, org, set_policy):
    set_policy(org.root, password_min_length=14)
    set_policy(org.sales, session_idle_timeout_minutes=45)
    set_policy(org.field, mfa_required=True)
    acme_client.force_login(acme_admin)
    response = acme_client.get(OVERVIEW, {"entity": str(org.field.uuid)})
    assert response.status_code == 200
    rows = {row.label: row for row in response.context["entity_rows"]}
    assert rows["Two-factor authentication"].source == "Set here" and rows["Two-factor authentication"].set_here
    assert rows["Sign out after inactivity"].source == "Inherited from Sales"
    assert rows["Minimum password length"].source == "Inherited from Acme"
    assert rows["Longest session"].source == "Product default"
    page = response.content.decode()
    assert edit_url(org.field) in page and "Field team" in page
    # Without a choice, the root is shown.
    assert acme_client.get(OVERVIEW).context["entity"] == org.root
    assert acme_client.get(OVERVIEW, {"entity": "not-a-uuid"}).status_code == 404


def test_an_admin_changes_an_entity_policy(acme, acme_client, acme_admin, org, set_policy):
    set_policy(org.sales, password_min_length=20)
    acme_client.force_login(acme_admin)
    page = acme_client.get(edit_url(org.sales))
    assert page.status_code == 200
    assert page.context["form"].initial["password_min_length_inherit"] is False
    assert page.context["form"].initial["mfa_required_inherit"] is True
    response = acme_client.post(
        edit_url(org.sales),
        _form(mfa_required="on", ip_allowlist="10.1.2.3/8\n2001:db8::/32\n", allowed_login_methods=["password"]),
    )
    assert response.status_code == 302 and response["Location"] == f"{OVERVIEW}?entity={org.sales.uuid}"
    policy = _policy(acme, org.sales)
    assert policy.mfa_required is True
    assert policy.password_min_length is None  # "Inherit" was ticked
    assert policy.ip_allowlist == ["10.0.0.0/8", "2001:db8::/32"]
    assert policy.allowed_login_methods == ["password"]
    assert policy.updated_by == acme_admin


def test_an_invalid_network_is_shown_on_the_field_and_nothing_is_saved(acme, acme_client, acme_admin, org):
    acme_client.force_login(acme_admin)
    response = acme_client.post(edit_url(org.sales), _form(ip_allowlist="10.0.0.0/8\n10.0.0.256\n", mfa_required="on"))
    assert response.status_code == 400
    errors = response.context["form"].errors["ip_allowlist"]
    assert errors == [
        "“10.0.0.256” is not an IP address or network (examples: 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)."
    ]
    assert _policy(acme, org.sales) is None


def test_a_setting_not_inherited_needs_a_value(acme, acme_client, acme_admin, org):
    acme_client.force_login(acme_admin)
    response = acme_client.post(edit_url(org.sales), _form(password_min_length="", allowed_login_methods=[]))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Enter a value" in errors["password_min_length"][0]
    assert "at least one sign-in method" in errors["allowed_login_methods"][0]
    response = acme_client.post(edit_url(org.sales), _form(password_min_length="6"))
    assert response.status_code == 400 and "password_min_length" in response.context["form"].errors
    assert _policy(acme, org.sales) is None


def test_the_portal_refuses_a_change_that_would_lock_out_its_author(acme, acme_client, acme_admin, org):
    acme_client.force_login(acme_admin)
    response = acme_client.post(edit_url(org.root), _form(ip_allowlist="10.0.0.0/8"), REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 400
    assert "198.51.100.4 would not be allowed" in response.context["form"].errors["ip_allowlist"][0]
    assert _policy(acme, org.root) is None


def test_someone_granted_the_permission_on_an_entity_may_change_it_and_only_it(acme, acme_client, acme_member, org):
    from apps.access.services import assignment_create, role_create

    with tenant_context(acme):
        role = role_create(
            code="policy-officer", name="Policy officer", acting_user=None,
            permissions=[{"permission": "organisation.manage_security_policy", "conditions": []}],
        )  # fmt: skip
        assignment_create(role=role, user=acme_member, scope_entity=org.sales, acting_user=None)
    acme_client.force_login(acme_member)
    overview = acme_client.get(OVERVIEW)
    assert [e.name for e in overview.context["entities"]] == ["Sales", "Field team"]
    assert overview.context["can_edit"] is True
    response = acme_client.post(edit_url(org.field), _form(password_min_length="16"))
    assert response.status_code == 302
    assert _policy(acme, org.field).password_min_length == 16
    assert acme_client.get(edit_url(org.support)).status_code == 403
    assert acme_client.get(OVERVIEW, {"entity": str(org.support.uuid)}).status_code == 404


# --- Outsiders ----------------------------------------------------------------------------------


def test_a_member_may_not_change_a_policy(acme, acme_client, acme_member, org):
    acme_client.force_login(acme_member)
    assert acme_client.get(edit_url(org.sales)).status_code == 403
    assert acme_client.post(edit_url(org.sales), _form(mfa_required="on")).status_code == 403
    assert _policy(acme, org.sales) is None


def test_another_tenants_member_is_refused(acme, acme_client, globex_member, org):
    acme_client.force_login(globex_member)
    assert acme_client.get(OVERVIEW).status_code == 403
    assert acme_client.get(edit_url(org.sales)).status_code == 403
    assert acme_client.post(edit_url(org.sales), _form(mfa_required="on")).status_code == 403
    assert _policy(acme, org.sales) is None


def test_an_entity_of_another_tenant_is_not_found(globex_client, globex_member, org):
    from apps.accounts.models import Membership

    Membership.objects.filter(user=globex_member).update(role=Membership.Role.TENANT_ADMIN)
    globex_client.force_login(globex_member)
    assert globex_client.get(edit_url(org.sales)).status_code == 404  # acme's entity, on globex
    assert globex_client.get(OVERVIEW, {"entity": str(org.sales.uuid)}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(acme_client, org):
    for url in (OVERVIEW, edit_url(org.sales)):
        response = acme_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_overview_does_not_query_per_entity(acme, acme_client, acme_admin, org, set_policy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.organisation.models import EntityType
    from apps.organisation.services import entity_create

    acme_client.force_login(acme_admin)
    acme_client.get(OVERVIEW)  # the admin's policy is cached from here on
    with CaptureQueriesContext(connection) as few:
        acme_client.get(OVERVIEW, {"entity": str(org.field.uuid)})
    with tenant_context(acme):
        team = EntityType.objects.get(code="team")
        for i in range(5):
            entity = entity_create(name=f"Team {i}", entity_type=team, parent=org.sales, acting_user=None)
            set_policy(entity, password_min_length=14 + i)
    with CaptureQueriesContext(connection) as many:
        response = acme_client.get(OVERVIEW, {"entity": str(org.field.uuid)})
    assert response.status_code == 200 and len(response.context["entities"]) == 9
    # + the admin's policy, recomputed after the changes: the tenant-wide answer (none now: entities
    # below the root set policies) and then the admin's own.
    assert len(many) <= len(few) + 2

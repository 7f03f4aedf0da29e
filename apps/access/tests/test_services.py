"""Assignments: validation, starting at once or scheduled, revoking, overlapping assignments."""

from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context
from guardian.models import UserObjectPermission

from apps.access.models import AccessGrant, RoleAssignment
from apps.access.resolver import may
from apps.access.services import assignment_create, assignment_revoke, role_create
from apps.audit.models import AuditEvent
from apps.integrations.services import api_key_create, api_key_revoke
from apps.organisation.models import Entity, MemberProfile
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def _profile(user) -> MemberProfile:
    return MemberProfile.objects.get(user=user)


def _error(exc: pytest.ExceptionInfo[ValidationError], field: str) -> tuple[str | None, str]:
    error = exc.value.error_dict[field][0]
    return error.code, str(error.message)


def test_an_assignment_cannot_end_before_it_starts(roles, tree, person):
    ann, now = person("ann"), timezone.now()
    with pytest.raises(ValidationError) as exc:
        assignment_create(
            role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_from=now + timedelta(days=2),
            valid_until=now + timedelta(days=1), acting_user=None,
        )  # fmt: skip
    assert _error(exc, "valid_until") == ("ends_before_start", "An assignment cannot end before it starts.")
    with pytest.raises(ValidationError) as exc:
        assignment_create(
            role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_from=now - timedelta(days=2),
            valid_until=now - timedelta(days=1), acting_user=None,
        )  # fmt: skip
    assert _error(exc, "valid_until")[0] == "already_over"
    assert not RoleAssignment.objects.exists()


def test_a_scope_outside_the_tenant_is_refused(roles, tree, person, globex, acme):
    ann = person("ann")
    with tenant_context(globex):
        foreign = Entity.objects.get(parent__isnull=True)
    with pytest.raises(ValidationError) as exc:  # same id as a local entity, perhaps, but not this tenant's
        assignment_create(role=roles["viewer"], user=ann, scope_entity=foreign, acting_user=None)
    assert _error(exc, "scope_entity") == ("scope_outside_tenant", "The scope is outside the tenant.")
    for outside in (acme, ann):  # public rows (a tenant, a user) are not tenant objects
        with pytest.raises(ValidationError) as exc:
            assignment_create(role=roles["viewer"], user=ann, scope_object=outside, acting_user=None)
        assert _error(exc, "scope_object")[0] == "scope_outside_tenant"
    with pytest.raises(ValidationError) as exc:
        assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, scope_object=tree.east,
                          acting_user=None)  # fmt: skip
    assert _error(exc, NON_FIELD_ERRORS)[0] == "one_scope"
    assert Tenant.objects.filter(pk=acme.pk).exists() and not RoleAssignment.objects.exists()


def test_principals_are_checked(roles, tree, person, globex_member, acme_admin, in_acme):
    with pytest.raises(ValidationError) as exc:
        assignment_create(role=roles["viewer"], scope_entity=tree.sales, acting_user=None)
    assert _error(exc, NON_FIELD_ERRORS)[0] == "one_principal"
    with pytest.raises(ValidationError) as exc:
        assignment_create(role=roles["viewer"], user=person("ann"), team=tree.east, scope_entity=tree.sales,
                          acting_user=None)  # fmt: skip
    assert _error(exc, NON_FIELD_ERRORS)[0] == "one_principal"
    with pytest.raises(ValidationError) as exc:  # a member of another tenant only
        assignment_create(role=roles["viewer"], user=globex_member, scope_entity=tree.sales, acting_user=None)
    assert _error(exc, "user") == ("not_member", "member@globex.test is not an active member of this organisation.")
    key, _ = api_key_create(name="Sync", scopes=["organisation:read"], acting_user=acme_admin)
    api_key_revoke(api_key=key, acting_user=acme_admin)
    with pytest.raises(ValidationError) as exc:
        assignment_create(role=roles["viewer"], api_key=key, scope_entity=tree.sales, acting_user=None)
    assert _error(exc, "api_key")[0] == "api_key_inactive"


def test_user_assignment_grants_then_revoke_removes(roles, tree, person, acme_admin):
    ann = person("ann")
    assignment = assignment_create(
        role=roles["viewer"], user=ann, scope_entity=tree.sales, reason="Covers Sales", acting_user=acme_admin
    )
    assert assignment.status == "active" and assignment.materialised_at is not None
    assert assignment.created_by == acme_admin
    assert may(ann, "organisation.view_entity", tree.east) and may(ann, "organisation.view_people", tree.sales)
    assert not may(ann, "organisation.view_entity", tree.support)
    assert UserObjectPermission.objects.filter(user=ann).count() == AccessGrant.objects.filter(user=ann).count() > 0

    assignment = assignment_revoke(assignment=assignment, acting_user=acme_admin, reason="Moved to Support")
    assert (assignment.status, assignment.ended_by, assignment.end_reason) == (
        "revoked",
        acme_admin,
        "Moved to Support",
    )
    assert assignment.ended_at is not None
    assert not may(ann, "organisation.view_entity", tree.east)
    assert not UserObjectPermission.objects.filter(user=ann).exists() and not AccessGrant.objects.exists()
    latest = assignment.history.first()
    assert latest.history_change_reason == "revoked: Moved to Support" and latest.history_user == acme_admin
    actions = set(AuditEvent.objects.filter(target_id=str(assignment.pk)).values_list("action", flat=True))
    assert {"access.assignment_created", "access.assignment_revoked"} <= actions
    with pytest.raises(ValidationError) as exc:
        assignment_revoke(assignment=assignment, acting_user=acme_admin, reason="Again")
    assert exc.value.code == "already_ended"


def test_revoke_needs_a_reason(roles, tree, person):
    assignment = assignment_create(role=roles["viewer"], user=person("ann"), scope_entity=tree.sales, acting_user=None)
    with pytest.raises(ValidationError) as exc:
        assignment_revoke(assignment=assignment, acting_user=None, reason="  ")
    assert _error(exc, "reason")[0] == "reason_required"


def test_overlapping_assignments_revoking_one_keeps_the_other(roles, tree, person):
    ann = person("ann")
    wide = assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.root, acting_user=None)
    narrow = assignment_create(role=roles["member"], user=ann, scope_entity=tree.sales, acting_user=None)
    assignment_revoke(assignment=narrow, acting_user=None, reason="Not needed")
    assert may(ann, "organisation.view_entity", tree.sales) and may(ann, "organisation.view_entity", tree.support)
    assignment_revoke(assignment=wide, acting_user=None, reason="Left")
    assert not may(ann, "organisation.view_entity", tree.sales)
    assert not UserObjectPermission.objects.filter(user=ann).exists()


def test_a_future_assignment_is_scheduled_with_nothing_granted(roles, tree, person):
    ann = person("ann")
    assignment = assignment_create(
        role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_from=timezone.now() + timedelta(hours=1),
        acting_user=None,
    )  # fmt: skip
    assert assignment.status == "scheduled" and assignment.materialised_at is None
    assert not may(ann, "organisation.view_entity", tree.sales) and not AccessGrant.objects.exists()
    assignment_revoke(assignment=assignment, acting_user=None, reason="Plans changed")
    assert RoleAssignment.objects.get().status == "revoked"


def test_own_records_and_scope_only_conditions(roles, tree, person):
    ann, bob = person("ann", tree.east), person("bob", tree.east)
    assignment_create(role=roles["member"], user=ann, scope_entity=tree.root, acting_user=None)
    assert may(ann, "organisation.change_memberprofile", _profile(ann))
    assert not may(ann, "organisation.change_memberprofile", _profile(bob))
    desk = role_create(
        code="desk", name="Desk", acting_user=None,
        permissions=[{"permission": "organisation.view_entity", "conditions": ["scope_only"]}],
    )  # fmt: skip
    assignment_create(role=desk, user=bob, scope_entity=tree.sales, acting_user=None)
    assert may(bob, "organisation.view_entity", tree.sales) and not may(bob, "organisation.view_entity", tree.east)


def test_object_scoped_assignment_covers_only_that_object(roles, tree, person):
    ann, bob, cat = person("ann"), person("bob", tree.east), person("cat", tree.east)
    assignment_create(role=roles["viewer"], user=ann, scope_object=_profile(bob), acting_user=None)
    assert may(ann, "organisation.view_memberprofile", _profile(bob))
    assert not may(ann, "organisation.view_memberprofile", _profile(cat))
    assert not may(ann, "organisation.view_entity", tree.east)  # the role's entity permissions find no entity

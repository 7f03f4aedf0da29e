"""The sweep: scheduled assignments start when due, active ones expire on time (explicit clocks)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.models import AccessGrant, Role, RoleAssignment
from apps.access.resolver import may
from apps.access.services import assignment_create, assignments_sweep
from apps.access.tasks import sweep_assignments
from apps.audit.models import AuditEvent
from apps.organisation.models import Entity
from apps.organisation.services import profile_ensure
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_expiry_sweep_removes_access_on_time(roles, tree, person):
    ann, now = person("ann"), timezone.now()
    assignment = assignment_create(
        role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_until=now + timedelta(hours=1), acting_user=None
    )
    assert assignments_sweep(now=now + timedelta(minutes=59)) == {"started": 0, "expired": 0}
    assert may(ann, "organisation.view_entity", tree.sales)

    assert assignments_sweep(now=now + timedelta(hours=1)) == {"started": 0, "expired": 1}
    assignment.refresh_from_db()
    assert (assignment.status, assignment.ended_at, assignment.end_reason) == (
        "expired", assignment.valid_until, "expired",
    )  # fmt: skip
    assert not may(ann, "organisation.view_entity", tree.sales) and not AccessGrant.objects.exists()
    assert assignment.history.first().history_change_reason == "expired"
    assert AuditEvent.objects.filter(action="access.assignment_expired", target_id=str(assignment.pk)).exists()
    assert assignments_sweep(now=now + timedelta(hours=2)) == {"started": 0, "expired": 0}


def test_scheduled_assignment_starts_when_due(roles, tree, person):
    ann, now = person("ann"), timezone.now()
    starts = now + timedelta(days=1)
    assignment = assignment_create(
        role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_from=starts,
        valid_until=starts + timedelta(days=1), acting_user=None,
    )  # fmt: skip
    assert assignments_sweep(now=starts - timedelta(seconds=1)) == {"started": 0, "expired": 0}
    assert not may(ann, "organisation.view_entity", tree.sales)

    assert assignments_sweep(now=starts) == {"started": 1, "expired": 0}
    assignment.refresh_from_db()
    assert assignment.status == "active" and assignment.materialised_at == starts
    assert may(ann, "organisation.view_entity", tree.east)
    assert AuditEvent.objects.filter(action="access.assignment_started", target_id=str(assignment.pk)).exists()

    assert assignments_sweep(now=starts + timedelta(days=1)) == {"started": 0, "expired": 1}
    assert not may(ann, "organisation.view_entity", tree.east)


def test_a_scheduled_assignment_whose_whole_period_passed_just_expires(roles, tree, person):
    ann, now = person("ann"), timezone.now()
    assignment = assignment_create(
        role=roles["viewer"], user=ann, scope_entity=tree.sales, valid_from=now + timedelta(hours=1),
        valid_until=now + timedelta(hours=2), acting_user=None,
    )  # fmt: skip
    assert assignments_sweep(now=now + timedelta(hours=3)) == {"started": 0, "expired": 1}
    assignment.refresh_from_db()
    assert assignment.status == "expired" and assignment.materialised_at is None
    assert not AccessGrant.objects.exists()


def test_an_idle_sweep_is_one_query(roles, tree, person, django_assert_num_queries):
    assignment_create(role=roles["viewer"], user=person("ann"), scope_entity=tree.sales, acting_user=None)
    with django_assert_num_queries(1):
        assert assignments_sweep() == {"started": 0, "expired": 0}


def _expiring_assignment(role_code: str, user, entity: Entity) -> RoleAssignment:
    """An active assignment whose end has just passed (created valid, then its period moved back)."""
    assignment = assignment_create(
        role=Role.objects.get(code=role_code), user=user, scope_entity=entity, acting_user=None,
        valid_until=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    past = timezone.now() - timedelta(minutes=1)
    RoleAssignment.objects.filter(pk=assignment.pk).update(valid_from=past - timedelta(hours=1), valid_until=past)
    return assignment


def test_the_task_sweeps_every_active_tenant(roles, tree, person, globex):
    ann = person("ann")
    in_acme = _expiring_assignment("viewer", ann, tree.sales)
    gus = MembershipFactory(tenant=globex, user__email="gus@globex.test").user
    with tenant_context(globex):
        profile_ensure(user=gus, acting_user=None)
        in_globex = _expiring_assignment("viewer", gus, Entity.objects.get(parent__isnull=True))

    assert sweep_assignments() == {
        "t_acme": {"started": 0, "expired": 1}, "t_globex": {"started": 0, "expired": 1},
    }  # fmt: skip
    assert RoleAssignment.objects.get(pk=in_acme.pk).status == "expired"
    with tenant_context(globex):
        assert RoleAssignment.objects.get(pk=in_globex.pk).status == "expired"
        assert not AccessGrant.objects.exists()
    assert sweep_assignments() == {}

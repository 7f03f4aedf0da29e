"""Two people claim the same role task at the same instant, on real connections: one takes it, the other
is told `already_claimed` (the rows are committed by the workers and removed by the cleanup)."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.access.models import Role, RoleAssignment
from apps.accounts.models import Membership
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.organisation.selectors import entity_root
from apps.tasks.models import Task, TaskWatcher
from apps.tasks.services import task_claim
from apps.webhooks.subscribers import webhook_events_write
from tests.factories import MembershipFactory
from tests.utils import run_on_own_connections


@pytest.fixture
def subscribers_off():
    unsubscribe("*", on_event)
    unsubscribe("*", webhook_events_write)
    yield
    subscribe("*", on_event)
    subscribe("*", webhook_events_write)


def _committed(fn):
    result = []
    run_on_own_connections(lambda: result.append(fn()), cleanup=lambda: None)
    return result[0]


@pytest.mark.django_db
def test_two_claimers_at_once_one_wins(acme, subscribers_off):
    tag = uuid.uuid4().hex[:6]

    def setup():
        with tenant_context(acme):
            users = [MembershipFactory(tenant=acme, role=Membership.Role.MEMBER,
                                       user__email=f"claim-{tag}-{i}@acme.test").user for i in range(2)]  # fmt: skip
            role = Role.objects.create(code=f"race-{tag}", name="Race")
            root = entity_root()
            for user in users:
                RoleAssignment.objects.create(role=role, user=user, scope_entity=root, status="active",
                                              valid_from="2020-01-01T00:00Z")  # fmt: skip
            task = Task.objects.create(title="Race", assignee_kind="role", role=role)
            return users, role, task

    users, role, task = _committed(setup)
    outcomes = []

    def claim(user):
        def run():
            with tenant_context(acme):
                try:
                    task_claim(task=task, acting_user=user)
                    outcomes.append("claimed")
                except ValidationError as refused:
                    outcomes.append(refused.code)

        return run

    def cleanup():
        with tenant_context(acme):
            TaskWatcher.objects.filter(task_id=task.pk).delete()
            Task.objects.filter(pk=task.pk).delete()
            Task.history.filter(id=task.pk).delete()
            RoleAssignment.objects.filter(role=role).delete()
            RoleAssignment.history.filter(role_id=role.pk).delete()
            Role.objects.filter(pk=role.pk).delete()
            Role.history.filter(id=role.pk).delete()
        Membership.objects.filter(user__in=users).delete()

    try:
        run_on_own_connections(claim(users[0]), claim(users[1]), cleanup=lambda: None)
        assert sorted(outcomes) == ["already_claimed", "claimed"]
        with tenant_context(acme):
            assert Task.objects.get(pk=task.pk).assignee_id in {u.pk for u in users}
    finally:
        _committed(cleanup)

"""Two connections record overlapping time for one person at once: the trigger's per-person lock lets
one through and refuses the other (the rows are committed by the workers and removed by the cleanup)."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.tasks.models import Task
from apps.tasks.services import task_create
from apps.timesheets.models import TimeEntry
from apps.timesheets.services import entry_add
from apps.webhooks.subscribers import webhook_events_write
from tests.factories import MembershipFactory
from tests.utils import run_on_own_connections

from .conftest import at


@pytest.fixture
def subscribers_off():
    unsubscribe("*", on_event)
    unsubscribe("*", webhook_events_write)
    yield
    subscribe("*", on_event)
    subscribe("*", webhook_events_write)


@pytest.mark.django_db
def test_concurrent_overlapping_entries_one_wins(acme, subscribers_off):
    tag = uuid.uuid4().hex[:6]
    made: dict = {}

    def setup():
        with tenant_context(acme):
            user = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email=f"ts-{tag}@acme.test").user
            made["user"], made["task"] = user, task_create(title=f"Race {tag}", acting_user=None, assignee=user)

    run_on_own_connections(setup, cleanup=lambda: None)
    outcomes: list[str] = []

    def record(hour):
        def run():
            with tenant_context(acme):
                try:
                    entry_add(task=made["task"], user=made["user"], started_at=at(1, hour),
                              ended_at=at(1, hour + 2), acting_user=made["user"])  # fmt: skip
                    outcomes.append("created")
                except ValidationError as error:
                    outcomes.append(error.error_list[0].code)

        return run

    def cleanup():
        with tenant_context(acme):
            TimeEntry.objects.filter(user=made["user"]).delete()
            TimeEntry.history.filter(user_id=made["user"].pk).delete()
            Task.objects.filter(pk=made["task"].pk).delete()
            Task.history.filter(id=made["task"].pk).delete()
        Membership.objects.filter(user=made["user"]).delete()

    try:
        run_on_own_connections(record(9), record(10), cleanup=lambda: None)
        assert sorted(outcomes) == ["created", "time_entry_overlap"]
        with tenant_context(acme):
            assert TimeEntry.objects.filter(user=made["user"]).count() == 1
    finally:
        run_on_own_connections(cleanup, cleanup=lambda: None)

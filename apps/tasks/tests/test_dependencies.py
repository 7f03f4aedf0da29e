"""Finish-to-start dependencies: cycles refused at any length (and under concurrent links), blocked and
unblocked transitions with their reasons, the `task.unblocked` event, the API and portal panel, and
outsiders refused."""

import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import include, path
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from apps.accounts.models import Membership
from apps.catalogue.tests.fixtures import acme_pro, catalogue, pro_plan  # noqa: F401
from apps.core.events import subscribe, unsubscribe
from apps.notifications.subscriber import on_event
from apps.solutions.services import solution_access_grant
from apps.tasks.dependencies import (
    cycle_path,
    dependency_add,
    dependency_links_for_new_tasks,
    dependency_remove,
    start_refusal,
)
from apps.tasks.dependency_notices import unblocked_recipients
from apps.tasks.models import Task, TaskDependency, TaskStatus, TaskWatcher
from apps.tasks.services import task_create, task_status_set
from apps.webhooks.subscribers import webhook_events_write
from config.urls.tenant import urlpatterns as tenant_urlpatterns
from tests.factories import MembershipFactory
from tests.utils import run_on_own_connections

HOST = "acme.localhost"

# The tasks app's contributions.py registers these two includes; until then the tests mount them here.
urlpatterns = [
    path("api/v1/tasks/", include("apps.tasks.dependency_urls")),
    path("manage/tasks/dependencies/", include("apps.tasks.dependency_portal_urls")),
    *tenant_urlpatterns,
]


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def world(acme_pro, acme_admin):  # noqa: F811 - the imported fixture
    """Acme on a plan with Tasks; ann has access to Tasks, bob is a member without it."""
    with tenant_context(acme_pro):
        ann = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email="ann@acme.test").user
        bob = MembershipFactory(tenant=acme_pro, role=Membership.Role.MEMBER, user__email="bob@acme.test").user
        solution_access_grant(solution_code="tasks", user=ann, acting_user=acme_admin)
    return SimpleNamespace(tenant=acme_pro, admin=acme_admin, ann=ann, bob=bob)


def make(title, user=None, **kwargs):
    return task_create(title=title, acting_user=user, **kwargs)


def chain(n, user=None):
    tasks = [make(f"Step {i}", user) for i in range(n)]
    TaskDependency.objects.bulk_create(TaskDependency(predecessor=a, successor=b) for a, b in itertools.pairwise(tasks))
    return tasks


def code_of(refused):
    error = refused.value
    return next(iter(error.error_dict.values()))[0].code if hasattr(error, "error_dict") else error.error_list[0].code


@pytest.fixture
def unblocked():
    seen = []

    def record(event, items):
        seen.extend(payload for _, payload in items)

    subscribe("task.unblocked", record)
    yield seen
    unsubscribe("task.unblocked", record)


# --- cycles ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [2, 3, 50])
def test_a_link_closing_a_cycle_is_refused_naming_the_path(world, length):
    with tenant_context(world.tenant):
        tasks = chain(length, world.admin)
        with pytest.raises(ValidationError) as refused:
            dependency_add(predecessor=tasks[-1], successor=tasks[0], acting_user=world.admin)
        assert code_of(refused) == "dependency_cycle"
        message = refused.value.messages[0]
        assert f"#{tasks[0].pk} “Step 0”" in message and f"#{tasks[-1].pk}" in message
        assert message.count("→") == length
        assert TaskDependency.objects.filter(successor=tasks[0]).count() == 0
        assert Task.objects.get(pk=tasks[0].pk).status == TaskStatus.TODO  # nothing half-written


def test_the_cycle_path_goes_through_diamonds_once(world):
    with tenant_context(world.tenant):
        a, b, c, d, e = (make(t) for t in "abcde")
        for x, y in ((a, b), (a, c), (b, d), (c, d), (d, e)):
            TaskDependency.objects.create(predecessor=x, successor=y)
        path_ = cycle_path(predecessor_id=e.pk, successor_id=a.pk)
        assert path_[0] == a.pk and path_[-1] == e.pk and len(path_) == 4
        assert cycle_path(predecessor_id=a.pk, successor_id=e.pk) == []  # a → e adds no cycle
        dependency_add(predecessor=a, successor=e, acting_user=None)


def test_self_duplicate_and_cancelled_links_are_refused(world):
    with tenant_context(world.tenant):
        a, b, c = make("A"), make("B"), make("C")
        dependency_add(predecessor=a, successor=b, acting_user=world.admin)
        task_status_set(task=c, status=TaskStatus.CANCELLED, acting_user=world.admin)
        done = make("Done")
        done.checklist.all().delete()
        task_status_set(task=done, status=TaskStatus.DONE, acting_user=world.admin)
        cases = (((a, a), "dependency_self"), ((a, b), "dependency_exists"), ((c, a), "predecessor_cancelled"),
                 ((a, done), "successor_closed"))  # fmt: skip
        for (predecessor, successor), code in cases:
            with pytest.raises(ValidationError) as refused:
                dependency_add(predecessor=predecessor, successor=successor, acting_user=world.admin)
            assert code_of(refused) == code
        assert TaskDependency.objects.filter(predecessor__in=[a, b, c, done]).count() == 1


@pytest.mark.django_db(transaction=False)
def test_concurrent_links_cannot_close_a_cycle_together(world):
    """a → b exists; b → c and c → a are added at once on two connections: one is refused."""
    tag = uuid.uuid4().hex[:6]
    made = {}

    def setup():
        with tenant_context(world.tenant):
            a, b, c = (Task.objects.create(title=f"{name}-{tag}") for name in "abc")
            TaskDependency.objects.create(predecessor=a, successor=b)
            made.update(a=a, b=b, c=c)

    run_on_own_connections(setup, cleanup=lambda: None)
    outcomes = []

    def link(predecessor, successor):
        def run():
            with tenant_context(world.tenant):
                try:
                    dependency_add(predecessor=made[predecessor], successor=made[successor], acting_user=None)
                    outcomes.append("linked")
                except ValidationError as refused:
                    outcomes.append(refused.error_dict["predecessor"][0].code)

        return run

    def cleanup():
        with tenant_context(world.tenant):
            ids = [t.pk for t in made.values()]
            TaskDependency.objects.filter(predecessor_id__in=ids).delete()
            Task.objects.filter(pk__in=ids).delete()
            Task.history.filter(id__in=ids).delete()

    try:
        run_on_own_connections(link("b", "c"), link("c", "a"), cleanup=lambda: None)
        assert sorted(outcomes) == ["dependency_cycle", "linked"]
    finally:
        run_on_own_connections(cleanup, cleanup=lambda: None)


# --- blocked and unblocked ------------------------------------------------------------------------------


def test_a_successor_is_blocked_until_every_predecessor_is_done(
    world, unblocked, django_capture_on_commit_callbacks
):  # fmt: skip
    with tenant_context(world.tenant):
        shelf, fridge = make("Shelf check"), make("Fridge check")
        report = make("Photo report", assignee=world.ann)
        TaskWatcher.objects.create(task=report, user=world.bob)
        dependency_add(predecessor=shelf, successor=report, acting_user=world.admin)
        dependency_add(predecessor=fridge, successor=report, acting_user=world.admin)
        report.refresh_from_db()
        assert report.status == TaskStatus.BLOCKED
        assert report.blocked_reason == f"Blocked by: #{shelf.pk} “Shelf check”, #{fridge.pk} “Fridge check”"
        with pytest.raises(ValidationError) as refused:
            task_status_set(task=report, status=TaskStatus.IN_PROGRESS, acting_user=world.ann)
        assert code_of(refused) == "blocked_by_predecessors" and "Shelf check" in refused.value.messages[0]
        with django_capture_on_commit_callbacks(execute=True):
            task_status_set(task=shelf, status=TaskStatus.DONE, acting_user=world.admin)
        report.refresh_from_db()
        assert report.status == TaskStatus.BLOCKED and report.blocked_reason == (
            f"Blocked by: #{fridge.pk} “Fridge check”")  # fmt: skip
        assert unblocked == []
        with django_capture_on_commit_callbacks(execute=True):
            task_status_set(task=fridge, status=TaskStatus.DONE, acting_user=world.admin)
        report.refresh_from_db()
        assert (report.status, report.blocked_reason) == (TaskStatus.TODO, "")
        assert [p["id"] for p in unblocked] == [report.pk]
        assert unblocked[0]["unblocked_by"]["id"] == fridge.pk
        assert set(unblocked_recipients(world.tenant, unblocked[0])) == {world.ann.pk, world.bob.pk}
        assert start_refusal(report) is None
        statuses = [h.status for h in report.history.order_by("history_date", "history_id")]
        assert statuses[-1] == "todo" and "blocked" in statuses


def test_a_started_task_returns_to_in_progress_and_a_removed_link_unblocks(
    world, unblocked, django_capture_on_commit_callbacks
):  # fmt: skip
    with tenant_context(world.tenant):
        first, second = make("First"), make("Second")
        task_status_set(task=second, status=TaskStatus.IN_PROGRESS, acting_user=world.admin)
        link = dependency_add(predecessor=first, successor=second, acting_user=world.admin)
        second.refresh_from_db()
        assert second.status == TaskStatus.BLOCKED
        with django_capture_on_commit_callbacks(execute=True):
            dependency_remove(link=link, acting_user=world.admin)
        second.refresh_from_db()
        assert (second.status, second.blocked_reason) == (TaskStatus.IN_PROGRESS, "")
        assert [p["id"] for p in unblocked] == [second.pk]


def test_a_cancelled_predecessor_keeps_its_successors_blocked_until_the_link_goes(world):
    with tenant_context(world.tenant):
        first, second = make("First"), make("Second")
        link = dependency_add(predecessor=first, successor=second, acting_user=world.admin)
        task_status_set(task=first, status=TaskStatus.CANCELLED, acting_user=world.admin)
        second.refresh_from_db()
        assert second.status == TaskStatus.BLOCKED
        assert second.blocked_reason.startswith("Blocked by a cancelled task")
        dependency_remove(link=link, acting_user=world.admin)
        second.refresh_from_db()
        assert second.status == TaskStatus.TODO


def test_a_reopened_predecessor_blocks_again_and_a_manual_block_is_left_alone(world):
    with tenant_context(world.tenant):
        first, second, held = make("First"), make("Second"), make("Held")
        dependency_add(predecessor=first, successor=second, acting_user=world.admin)
        task_status_set(task=first, status=TaskStatus.DONE, acting_user=world.admin)
        task_status_set(task=first, status=TaskStatus.TODO, acting_user=world.admin)
        second.refresh_from_db()
        assert second.status == TaskStatus.BLOCKED
        # Someone moves the waiting task back to "to do" by hand: it is blocked again, says why.
        moved = task_status_set(task=second, status=TaskStatus.TODO, acting_user=world.admin)
        assert moved.status == TaskStatus.BLOCKED and moved.blocked_reason.startswith("Blocked by:")
        Task.objects.filter(pk=held.pk).update(status=TaskStatus.BLOCKED, blocked_reason="Waiting for a ladder")
        dependency_add(predecessor=first, successor=held, acting_user=world.admin)
        task_status_set(task=first, status=TaskStatus.DONE, acting_user=world.admin)
        held.refresh_from_db()
        assert (held.status, held.blocked_reason) == (TaskStatus.BLOCKED, "Waiting for a ladder")


def test_links_between_new_tasks_are_written_in_bulk_and_block(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        shelf, fridge, report = make("Shelf"), make("Fridge"), make("Report")
        with django_assert_max_num_queries(6):
            dependency_links_for_new_tasks(pairs=[(shelf, report), (fridge, report), (shelf, fridge)])
        report.refresh_from_db()
        assert report.status == TaskStatus.BLOCKED and report.blocked_reason.startswith("Blocked by: ")
        task_status_set(task=shelf, status=TaskStatus.DONE, acting_user=world.admin)
        task_status_set(task=fridge, status=TaskStatus.DONE, acting_user=world.admin)
        report.refresh_from_db()
        assert report.status == TaskStatus.TODO


# --- API and portal ---------------------------------------------------------------------------------------


def api(user):
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(user)
    return client


def test_api_lists_adds_and_removes_links(world, urls, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        mine = make("Mine", world.ann, assignee=world.ann)
        before = [make(f"Before {i}", world.ann) for i in range(3)]
        hidden = make("Not involved")
    client = api(world.ann)
    url = f"/api/v1/tasks/{mine.pk}/dependencies/"
    for task in before:
        response = client.post(url, {"predecessor": task.pk}, format="json")
        assert response.status_code == 201, response.content
    with django_assert_max_num_queries(12):
        body = client.get(url).json()
    assert body["task"]["status"] == "blocked" and sorted(body["waiting_for"]) == sorted(t.pk for t in before)
    assert body["successors"] == [] and len(body["predecessors"]) == 3
    refusals = (
        ({"predecessor": before[0].pk}, 409, "dependency_exists"),
        ({"successor": before[0].pk}, 409, "dependency_cycle"),
        ({"predecessor": hidden.pk}, 400, "unknown_task"),  # not involved: not reachable for ann
        ({}, 400, "link_side_required"),
    )
    for data, status_code, code in refusals:
        response = client.post(url, data, format="json")
        assert (response.status_code, response.json()["code"]) == (status_code, code)
    link = body["predecessors"][0]["link"]
    assert client.delete(f"{url}{link}/").status_code == 204
    assert client.delete(f"{url}{link}/").status_code == 404
    assert client.get(f"/api/v1/tasks/{hidden.pk}/dependencies/").status_code == 404
    assert api(world.admin).get(f"/api/v1/tasks/{hidden.pk}/dependencies/").status_code == 200


def test_outsiders_are_refused(world, urls, globex, globex_member):
    with tenant_context(globex):
        theirs = make("Globex task")
    with tenant_context(world.tenant):
        ours = make("Acme task", world.bob, assignee=world.bob)
    url = f"/api/v1/tasks/{ours.pk}/dependencies/"
    assert APIClient(HTTP_HOST=HOST).get(url).status_code in (401, 403)
    assert api(globex_member).get(url).status_code == 403
    bob = api(world.bob).get(url)  # a member without access to Tasks
    assert (bob.status_code, bob.json()["code"]) == (403, "solution_access_required")
    admin = api(world.admin)
    assert admin.get(f"/api/v1/tasks/{theirs.pk}/dependencies/").status_code == 404
    response = admin.post(url, {"predecessor": theirs.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_task")
    portal = Client(HTTP_HOST=HOST)
    portal.force_login(globex_member)
    assert portal.get(f"/manage/tasks/dependencies/{ours.pk}/").status_code == 403
    portal.force_login(world.admin)
    assert portal.get(f"/manage/tasks/dependencies/{theirs.pk}/").status_code == 404
    assert portal.post(f"/manage/tasks/dependencies/{theirs.pk}/add/", {"other": ours.pk}).status_code == 404


def test_portal_panel_adds_and_removes_with_htmx(world, urls):
    with tenant_context(world.tenant):
        first, second = make("Shelf check"), make("Photo report")
    portal = Client(HTTP_HOST=HOST)
    portal.force_login(world.admin)
    panel = f"/manage/tasks/dependencies/{second.pk}/"
    page = portal.get(panel)
    assert page.status_code == 200 and b"Dependencies" in page.content and b"<html" in page.content
    added = portal.post(f"{panel}add/", {"side": "predecessor", "other": first.pk}, HTTP_HX_REQUEST="true")
    assert added.status_code == 200 and "Blocked by: #" in added.content.decode()
    refused = portal.post(f"{panel}add/", {"side": "successor", "other": first.pk}, HTTP_HX_REQUEST="true")
    assert "would make a cycle" in refused.content.decode()
    with tenant_context(world.tenant):
        link = TaskDependency.objects.get(successor=second)
    removed = portal.post(f"{panel}remove/{link.pk}/", {"next": "/manage/"})
    assert removed.status_code == 302 and removed["Location"] == "/manage/"
    with tenant_context(world.tenant):
        assert Task.objects.get(pk=second.pk).status == TaskStatus.TODO


@pytest.fixture(autouse=True)
def _no_fanout_for_real_commits(request):
    """The concurrency test commits: its events must not write webhook or notification rows."""
    if "concurrent" not in request.node.name:
        yield
        return
    unsubscribe("*", on_event)
    unsubscribe("*", webhook_events_write)
    yield
    subscribe("*", on_event)
    subscribe("*", webhook_events_write)

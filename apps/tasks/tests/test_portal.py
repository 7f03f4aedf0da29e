"""The task pages: they render for members with access, a refused board move says why, outsiders are refused."""

import datetime

from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.tasks.models import TaskStatus
from apps.tasks.services import task_create

from .conftest import CBD, HOST


def portal(user, host=HOST):
    client = Client(HTTP_HOST=host)
    client.force_login(user)
    return client


def test_pages_render_and_a_refused_move_shows_the_reason(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        task = task_create(title="Visit the store", acting_user=world.admin, assignee=world.ann, workplace=world.cbd,
                           checklist=[("Shelves", True)])  # fmt: skip
        item = task.checklist.get()
    client = portal(world.ann)
    for url in ("/manage/tasks/", "/manage/tasks/board/", f"/manage/tasks/{task.pk}/"):
        answer = client.get(url)
        assert answer.status_code == 200 and b"Visit the store" in answer.content, url
    assert client.get("/manage/tasks/templates/").status_code == 200
    moved = client.post(f"/manage/tasks/board/{task.pk}/move/", {"status": "done"}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 200 and b"required checklist item" in moved.content
    client.post(f"/manage/tasks/{task.pk}/", {"action": "tick", "item": item.pk})
    client.post(f"/manage/tasks/board/{task.pk}/move/", {"status": "done"}, HTTP_HX_REQUEST="true")
    with tenant_context(world.tenant):
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE
    with django_assert_max_num_queries(30):
        client.get("/manage/tasks/board/")


def test_templates_are_for_admins_and_outsiders_are_refused(world, globex_member):
    data = {
        "code": "CLOSE",
        "name": "Closing",
        "priority": "normal",
        "checklist": "* Lock up\nLights",
        "is_active": "on",
    }
    assert portal(world.ann).post("/manage/tasks/templates/", data).status_code == 403
    assert portal(world.admin).post("/manage/tasks/templates/", data).status_code == 302
    assert portal(world.cat).get("/manage/tasks/").status_code == 403
    assert portal(globex_member).get("/manage/tasks/").status_code == 403


def test_check_in_from_the_task_page_is_checked_against_the_geofence(world):
    with tenant_context(world.tenant):
        task = task_create(title="Visit", acting_user=world.admin, assignee=world.ann, workplace=world.cbd,
                           required_evidence=["check_in"])  # fmt: skip
    client = portal(world.ann)
    url = f"/manage/tasks/{task.pk}/"
    page = client.get(url)
    assert b'id="task-check-in"' in page.content and b"tasks/check_in.js" in page.content
    far = client.post(url, {"action": "check_in", "lat": -33.8150, "lng": 151.0011, "accuracy_m": 10}, follow=True)
    assert b"outside the workplace" in far.content
    empty = client.post(url, {"action": "check_in", "lat": "", "lng": ""}, follow=True)
    assert b"gave no position" in empty.content
    with tenant_context(world.tenant):
        task.refresh_from_db()
        assert task.check_in_at is None
    near = client.post(url, {"action": "check_in", "lat": CBD[0], "lng": CBD[1], "accuracy_m": 5}, follow=True)
    assert b"Checked in at the workplace" in near.content
    with tenant_context(world.tenant):
        task.refresh_from_db()
        assert task.check_in_at is not None and task.check_in_by_id == world.ann.pk and task.check_in_verdict


def test_board_cards_are_draggable_onto_status_columns(world):
    with tenant_context(world.tenant):
        task = task_create(title="Drag me", acting_user=world.admin, assignee=world.ann, workplace=world.cbd)
    page = portal(world.ann).get("/manage/tasks/board/")
    assert b"tasks/board.js" in page.content and f'data-task="{task.pk}"'.encode() in page.content
    assert b'data-status="in_progress"' in page.content
    # The drop presses the card's own button: the same htmx move.
    moved = portal(world.ann).post(f"/manage/tasks/board/{task.pk}/move/", {"status": "in_progress"},
                                   HTTP_HX_REQUEST="true")  # fmt: skip
    assert moved.status_code == 200
    with tenant_context(world.tenant):
        task.refresh_from_db()
        assert task.status == TaskStatus.IN_PROGRESS


def test_my_tasks_page_shows_today_with_the_overdue_first(world, django_assert_max_num_queries):
    with tenant_context(world.tenant):
        now = timezone.now()
        task_create(title="Due now", acting_user=world.admin, assignee=world.ann, workplace=world.cbd, due_at=now)
        task_create(title="Long late", acting_user=world.admin, assignee=world.ann, workplace=world.cbd,
                    due_at=now - datetime.timedelta(days=5))  # fmt: skip
    client = portal(world.ann)
    client.get("/manage/tasks/")
    with django_assert_max_num_queries(30):
        page = client.get("/manage/tasks/")
    today = page.content.decode().split('id="my-today"')[1].split("</ul>")[0]
    assert today.index("Long late") < today.index("overdue") < today.index("Due now")

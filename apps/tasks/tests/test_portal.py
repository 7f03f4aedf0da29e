"""The task pages: they render for members with access, a refused board move says why, outsiders are refused."""

from django.test import Client
from django_tenants.utils import tenant_context

from apps.tasks.models import TaskStatus
from apps.tasks.services import task_create

from .conftest import HOST


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

"""The staff admin of tasks: every changelist in a number of queries that does not grow with rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.tasks.services import attachment_add, comment_add, task_create, template_create

from .admin_queries import changelists_queries
from .test_services import PNG


@pytest.fixture
def platform_urls(settings):
    settings.ROOT_URLCONF = "config.urls.platform"


def _rows(world, count):
    with tenant_context(world.tenant):
        for n in range(count):
            task = task_create(title=f"Visit {n}", acting_user=world.admin, assignee=world.ann, workplace=world.cbd,
                               checklist=[("Shelves", True)])  # fmt: skip
            comment_add(task=task, body=f"Note {n}", acting_user=world.bob)
            attachment_add(task=task, upload=SimpleUploadedFile(f"p{n}.png", PNG), kind="photo", acting_user=world.ann)
            template_create(acting_user=world.admin, code=f"T-{count}-{n}", name=f"Template {n}")


def test_changelists_do_not_query_per_row(world, platform_superuser, platform_urls):
    _rows(world, 1)
    few = changelists_queries("tasks", platform_superuser, world.tenant)
    _rows(world, 8)
    assert changelists_queries("tasks", platform_superuser, world.tenant) == few
    assert {"Task", "TaskTemplate", "TaskComment", "TaskAttachment"} <= set(few)

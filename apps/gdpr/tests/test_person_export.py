"""Every app's part of a person's export (hook "gdpr.person_export"): the registry check that an app keeping
data about people answers, and an export of a person with data in every app (the isolation matrix's
world: globex's subject has rows in each domain app) that contains each app's part, one query a section."""

import json
import zipfile
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.core import hooks
from apps.gdpr.export import gdpr_export_build, person_parts
from apps.gdpr.models import GdprRequest
from apps.tenancy.models import Tenant

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
isolation_world: Any = import_module("tests.isolation_world")
World = Any

pytestmark = pytest.mark.django_db

# The domain apps the issue names (attendance/timeclock punches, leave, tasks, form submissions, chat,
# rosters, inspections, incidents, assets): the world gives globex's subject rows in each.
WORKFORCE = ["timeclock", "attendance", "leave", "tasks", "forms", "chat", "rosters", "inspections", "incidents",
             "assets", "timesheets", "approvals", "accessrequests", "organisation", "access", "solutions"]  # fmt: skip


def _is_history(model: Any) -> bool:
    return model._meta.model_name.startswith("historical")


def apps_keeping_personal_data() -> dict[str, list[str]]:
    """Project apps of the tenant schemas with a model pointing at a person (a foreign key to the user or
    to their organisation profile) other than a who-did-it column (`*_by`): app label -> the columns."""
    user_model = django_apps.get_model(settings.AUTH_USER_MODEL)
    profile_model = django_apps.get_model("organisation.MemberProfile")
    tenant_only = {c.label for c in django_apps.get_app_configs() if c.name in settings.TENANT_APPS} - {
        c.label for c in django_apps.get_app_configs() if c.name in settings.SHARED_APPS
    }
    found: dict[str, list[str]] = {}
    for model in django_apps.get_models():
        config = django_apps.get_app_config(model._meta.app_label)
        if config.label not in tenant_only or not config.name.startswith("apps.") or _is_history(model):
            continue
        for field in model._meta.concrete_fields:
            related = getattr(field, "related_model", None)
            if related in (user_model, profile_model) and not field.name.endswith("_by"):
                found.setdefault(config.label, []).append(f"{model._meta.object_name}.{field.name}")
    return found


def answering_apps() -> set[str]:
    configs = [django_apps.get_containing_app_config(fn.__module__) for fn in hooks.all("gdpr.person_export")]
    return {config.label for config in configs if config is not None}


def missing_parts(answering: set[str]) -> list[str]:
    return sorted(set(apps_keeping_personal_data()) - answering)


def test_every_app_keeping_data_about_people_contributes_its_part():
    """A new app with a foreign key to a person fails here until it answers "gdpr.person_export" from its
    contributions.py (apps/<app>/personal_data.py)."""
    assert apps_keeping_personal_data(), "the scan found no app at all: it is broken"
    assert missing_parts(answering_apps()) == [], apps_keeping_personal_data()


def test_the_registry_check_notices_an_app_that_contributes_nothing():
    assert missing_parts(answering_apps() - {"tasks"}) == ["tasks"]


# --- The export of a person with data in every app ------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The isolation matrix's world (globex's subject has rows in every domain app), rolled back after."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with isolation_world.api_quota_kept(*Tenant.objects.filter(slug__in=["acme", "globex"])):
                world = isolation_world.world_build()
                _subject_everywhere(world)
                yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            connection.set_schema_to_public()  # type: ignore[attr-defined]


def _subject_everywhere(world: World) -> None:
    """The matrix's asset and inspection name nobody: give them to the subject (custody, assignment)."""
    from apps.assets.models import Asset
    from apps.inspections.models import Inspection

    subject = world.users["globex_subject"]
    with schema_context(world.globex.schema_name):
        Asset.objects.filter(code="AST-990001").update(custodian=subject)
        Inspection.objects.filter(pk=world.values["inspections_inspection"][0]).update(assignee=subject)


def test_each_part_is_one_query_per_section(world):
    subject = world.users["globex_subject"]
    with schema_context(world.globex.schema_name), CaptureQueriesContext(connection) as queries:
        parts = person_parts(subject, world.globex.schema_name)
    sections = sum(len(app_sections) for app_sections in parts.values())
    assert sections >= len(parts) == len(answering_apps())
    selects = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]
    assert len(selects) == sections, [sql[:120] for sql in selects]


def test_the_export_contains_each_apps_part(world, tmp_path, settings):
    settings.GDPR_EXPORT_ROOT = str(tmp_path)
    subject = world.users["globex_subject"]
    # The world already holds an open access request of the subject: build for an unsaved twin.
    path, _, _ = gdpr_export_build(request=GdprRequest(number="GDPR-PARTS", subject=subject, kind="access"))
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        parts = {
            name.rsplit("/", 1)[1].removesuffix(".json"): json.loads(archive.read(name))
            for name in names
            if name.startswith(f"tenants/{world.globex.slug}/parts/")
        }
    assert set(parts) == answering_apps()
    assert all(f"tenants/{world.globex.slug}/parts/{app}.json" in manifest["files"] for app in parts)
    empty = [app for app in WORKFORCE if not any(parts[app].values())]
    assert empty == [], {app: {k: len(v) for k, v in parts[app].items()} for app in empty}
    # A few contents checked by value: the person's own rows, never another person's, no secret column.
    tasks = parts["tasks"]["tasks_assigned"]
    assert tasks and all(row["assignee_id"] == str(subject.pk) for row in tasks)
    messages = parts["chat"]["messages_authored"]
    assert messages and all(row["author_id"] == str(subject.pk) for row in messages)
    assert all("token" not in row for row in parts["rosters"]["calendar_feed"])
    assert all(row["user_id"] == str(subject.pk) for row in parts["timeclock"]["punches"])

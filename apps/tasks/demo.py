"""Demo tasks for Acme (seed_demo, after workplaces and people): the STORE-VISIT template (4 checklist
items, 2 required, a photo required), a store visit due today at every Acme store for
manager@acme.localhost, and a few tasks in other statuses (one in progress, one done, one offered to a
role to claim). Every member may use Tasks. Idempotent: the template is found by its code, the tasks by
their demo origin keys."""

import contextlib
import datetime
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Evidence, Task, TaskStatus, TaskTemplate
from .services import task_create, task_create_from_template, task_status_set, template_create

MANAGER = "manager@acme.localhost"
STORE_VISIT = [
    ("Check the shelves are full and faced", True),
    ("Photograph the promotional display", True),
    ("Check prices match the planogram", False),
    ("Talk to the store manager", False),
]
DEMO = "demo"


def _due_today(workplace: Workplace, hour: int) -> datetime.datetime:
    zone = zoneinfo.ZoneInfo(workplace.time_zone or "UTC")
    return datetime.datetime.combine(timezone.now().astimezone(zone).date(), datetime.time(hour), zone)


def _exists(key: str) -> bool:
    return Task.objects.filter(origin_kind=DEMO, origin_id=key).exists()


def _extras(manager: User, store: Workplace) -> int:
    created = 0
    if not _exists("restock"):
        task = task_create(title="Restock the end-cap display", acting_user=manager, assignee=manager,
                           workplace=store, due_at=_due_today(store, 11), origin_kind=DEMO, origin_id="restock",
                           checklist=[("Fetch stock from the back room", True), ("Face the products", False)],
                           )  # fmt: skip
        task_status_set(task=task, status=TaskStatus.IN_PROGRESS, acting_user=manager)
        created += 1
    if not _exists("price-audit"):
        task = task_create(title="Weekly price audit", acting_user=manager, assignee=manager, workplace=store,
                           due_at=_due_today(store, 9), origin_kind=DEMO, origin_id="price-audit")  # fmt: skip
        task_status_set(task=task, status=TaskStatus.DONE, acting_user=manager, note="All prices correct.")
        created += 1
    role = Role.objects.filter(code="manager").first() or Role.objects.order_by("pk").first()
    if role is not None and not _exists("spill"):
        task_create(title="Clean up the spill in aisle 4", acting_user=manager, role=role, workplace=store,
                    due_at=_due_today(store, 16), priority="high", origin_kind=DEMO, origin_id="spill")  # fmt: skip
        created += 1
    return created


@transaction.atomic
def tasks_demo_seed() -> int:
    """In the current tenant's schema; returns how many tasks were created."""
    members = User.objects.filter(memberships__tenant__schema_name=getattr(connection, "schema_name", ""),
                                  memberships__status=Membership.Status.ACTIVE).distinct()  # fmt: skip
    with contextlib.suppress(ValidationError):  # a plan without Tasks: nothing to give
        solution_access_ensure(solution_code="tasks", users=members, reason="Demo: every member")
    manager = User.objects.filter(email=MANAGER).first()
    template = TaskTemplate.objects.filter(code="STORE-VISIT").first() or template_create(
        acting_user=manager, code="STORE-VISIT", name="Store visit", estimated_minutes=45,
        description="Merchandising visit: shelves, display, prices, a word with the store manager.",
        required_evidence=[Evidence.PHOTO], checklist=STORE_VISIT,
    )  # fmt: skip
    stores = list(Workplace.objects.active().sites().order_by("code"))
    if manager is None or not stores:
        return 0
    created = 0
    for store in stores:
        key = f"store-visit:{store.code}"
        if not _exists(key):
            task_create_from_template(template=template, acting_user=manager, assignee=manager, workplace=store,
                                      due_at=_due_today(store, 14), title=f"Store visit: {store.name}",
                                      origin_kind=DEMO, origin_id=key)  # fmt: skip
            created += 1
    return created + _extras(manager, stores[0])


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = tasks_demo_seed()
    if stdout is not None and created:
        stdout.write(f"  Tasks:        Acme: {created} tasks (store visits for {MANAGER}, template STORE-VISIT)\n")

"""Demo time entries for Acme (seed_demo, after the task engine's demo): the last week's weekdays for
manager@acme.localhost, 09:00 to 10:30 and 14:00 to 15:00 Sydney time on two of their tasks (Acme's demo
tasks, or two made here with task_create when they have none). Idempotent: an entry already there at
that start is left alone, and the two tasks are found again by their origin."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.core.recurrence import zone
from apps.tasks.models import Task
from apps.tasks.services import task_create
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import TimeEntry
from .services import entry_add

EMAIL = "manager@acme.localhost"
ORIGIN = "timesheets.demo"
SLOTS = ((datetime.time(9), datetime.time(10, 30), "Shelf check and facings"),
         (datetime.time(14), datetime.time(15), "Promotion set-up"))  # fmt: skip


def demo_tasks(manager: User) -> list[Task]:
    tasks = list(Task.objects.filter(assignee=manager).select_related("workplace").order_by("id")[:2])
    site = Workplace.objects.filter(code="SYD-CBD").first() or Workplace.objects.order_by("id").first()
    for number, title in enumerate(("Weekly store visit: shelves", "Set up the summer promotion"), start=1):
        if len(tasks) >= 2:
            break
        found = Task.objects.filter(origin_kind=ORIGIN, origin_id=str(number)).first()
        tasks.append(found or task_create(title=title, acting_user=manager, assignee=manager, workplace=site,
                                          origin_kind=ORIGIN, origin_id=str(number)))  # fmt: skip
    return tasks


def timesheets_demo_seed(now: datetime.datetime | None = None) -> int:
    manager = User.objects.filter(email=EMAIL).first()
    if manager is None:
        return 0
    tasks = demo_tasks(manager)
    now = now or timezone.now()
    created = 0
    for back in range(7, 0, -1):
        for task, (begins, ends, note) in zip(tasks, SLOTS, strict=False):
            tz = zone(task.workplace.time_zone if task.workplace is not None else "Australia/Sydney")
            day = (now - datetime.timedelta(days=back)).astimezone(tz).date()
            start = datetime.datetime.combine(day, begins, tz)
            if day.weekday() >= 5 or TimeEntry.objects.filter(user=manager, started_at=start).exists():
                continue
            try:
                entry_add(task=task, user=manager, started_at=start, ended_at=datetime.datetime.combine(day, ends, tz),
                          note=note, acting_user=manager)  # fmt: skip
            except ValidationError:
                continue  # an entry of theirs already holds that time
            created += 1
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = timesheets_demo_seed()
    if stdout is not None and created:
        stdout.write(f"  Time entries: Acme: {created} entries for {EMAIL} over the last week\n")

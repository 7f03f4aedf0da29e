"""Acme's demo routines: a weekly store visit per store (Monday 09:00 local, a year of Mondays), two
linked tasks each time: "Shelf check" (from the STORE-VISIT template: the tasks demo's when it exists,
else made here) then "Photo report". Idempotent: a store that has its routine is left alone."""

import datetime
from typing import Any

from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.tasks.models import Evidence, TaskTemplate, TemplateChecklistItem
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Routine
from .services import MemberSpec, routine_create

NAME = "Weekly store visit"
TEMPLATE_CODE = "STORE-VISIT"
CHECKLIST = [("Check shelf facings against the planogram", True), ("Note out-of-stock lines", False)]


def store_visit_template() -> TaskTemplate:
    template = TaskTemplate.objects.filter(code=TEMPLATE_CODE).first()
    if template is not None:
        return template
    template = TaskTemplate.objects.create(
        code=TEMPLATE_CODE,
        name="Store visit",
        estimated_minutes=45,
        required_evidence=[Evidence.PHOTO],
        description="Visit the store: shelves, stock and a photo report.",
    )
    TemplateChecklistItem.objects.bulk_create(
        [
            TemplateChecklistItem(template=template, position=i, text=t, is_required=r)
            for i, (t, r) in enumerate(CHECKLIST, start=1)
        ]
    )
    return template


def routines_demo_seed() -> int:
    stores = list(Workplace.objects.filter(kind="site", is_active=True).order_by("code"))
    if not stores:
        return 0
    template = store_visit_template()
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=(7 - today.weekday()) % 7)
    created = 0
    for store in stores:
        name = f"{NAME} — {store.name}"
        if Routine.objects.filter(workplace=store, name=name).exists():
            continue
        members = [
            MemberSpec(template=template, title="Shelf check", due_minutes=60),
            MemberSpec(title="Photo report", offset_minutes=60, due_minutes=30,
                       checklist=[["Photo of the main aisle", True], ["Photo of the promotion end", False]]),
        ]  # fmt: skip
        routine_create(name=name, workplace=store, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=52", start_date=monday,
                       start_time=datetime.time(9), members=members, links=[(1, 2)], acting_user=None)  # fmt: skip
        created += 1
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = routines_demo_seed()
    if stdout is not None and created:
        stdout.write(
            f"  Routines:     Acme: a weekly store visit per store ({created}), two linked tasks each Monday\n"
        )

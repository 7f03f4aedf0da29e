"""Acme's inspections demo (seed_demo, after the workplaces demo): the STORE-SAFETY template (8 items,
pass mark 80 %), a weekly Monday 09:00 schedule at each Acme store, and one submitted inspection with one
failed item whose corrective task is open. Idempotent: found by code, by schedule and by client id."""

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Inspection, InspectionSchedule, InspectionTemplate
from .services import inspection_start, inspection_submit, inspections_generate, schedule_create, template_publish

CODE = "STORE-SAFETY"
DEMO_CLIENT_ID = uuid.UUID("5e1d7c2a-0a3b-4c55-9d7e-16a0c0de0070")
SECTIONS: list[dict[str, Any]] = [
    {"title": "Exits and fire", "items": [
        {"question": "Fire exits clear of stock", "kind": "pass_fail", "weight": 3,
         "corrective_title": "Clear the fire exits"},
        {"question": "Extinguishers tagged this year", "kind": "yes_no_na", "weight": 2},
        {"question": "Exit signs lit", "kind": "pass_fail"},
    ]},
    {"title": "Floor and stock", "items": [
        {"question": "Aisles free of trip hazards", "kind": "score", "max_score": 5, "fail_below": 3, "weight": 2},
        {"question": "Ladders inspected and tagged", "kind": "yes_no_na"},
        {"question": "Heavy stock stored below shoulder height", "kind": "pass_fail"},
    ]},
    {"title": "People", "items": [
        {"question": "First-aid kit complete", "kind": "yes_no_na"},
        {"question": "Incident register up to date", "kind": "yes_no_na", "is_required": False},
    ]},
]  # fmt: skip
# One failed item ("Fire exits clear of stock", weight 3 of 12): 9/12 = 75 %, below the 80 % pass mark.
DEMO_ANSWERS = {"Fire exits clear of stock": ("fail", "Pallet of water in front of exit B"),
                "Aisles free of trip hazards": ("5", "")}  # fmt: skip


@transaction.atomic
def inspections_demo_seed(*, acting_user: Any = None) -> int:
    """In the current tenant's schema; returns how many things were created."""
    created = 0
    template = InspectionTemplate.objects.filter(code=CODE, is_current=True).first()
    if template is None:
        template = template_publish(code=CODE, name="Store safety walk", sections=SECTIONS, pass_mark=80,
                                    acting_user=acting_user)  # fmt: skip
        created += 1
    manager = User.objects.filter(email="manager@acme.localhost").first()
    today = timezone.localdate()
    stores = list(Workplace.objects.filter(kind="site", is_active=True).order_by("code"))
    for store in stores:
        if not InspectionSchedule.objects.filter(template_code=CODE, workplace=store).exists():
            until = (today + datetime.timedelta(days=365)).strftime("%Y%m%dT000000")
            schedule_create(template_code=CODE, workplace=store, rrule=f"FREQ=WEEKLY;BYDAY=MO;UNTIL={until}",
                            starts_on=today, time_of_day=datetime.time(9), assignee=manager,
                            acting_user=acting_user)  # fmt: skip
            created += 1
    inspections_generate(now=timezone.now())
    if stores and not Inspection.objects.filter(client_id=DEMO_CLIENT_ID).exists():
        inspection = inspection_start(template=template, workplace=stores[0], acting_user=manager)
        answers = [
            {"item": item.pk, "value": DEMO_ANSWERS.get(item.question, ("pass" if item.kind == "pass_fail" else "yes",
                                                                        ""))[0],
             "note": DEMO_ANSWERS.get(item.question, ("", ""))[1]}
            for item in template.items.all()
        ]  # fmt: skip
        inspection_submit(inspection=inspection, answers=answers, client_id=DEMO_CLIENT_ID, acting_user=manager)
        created += 1
    return created


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None:
        return
    with tenant_context(acme):
        created = inspections_demo_seed()
    if stdout is not None and created:
        stdout.write(f"  Inspections:  Acme: {CODE} template, weekly schedules per store, one failed inspection\n")

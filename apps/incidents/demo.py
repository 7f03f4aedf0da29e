"""Demo incidents for Acme (seed_demo, after the workplaces and people): one open, high-severity incident
at the Sydney CBD Store (a customer slipped on a wet floor, reported by Sam Seller, a witness and the
injured customer by name), notifiable to the regulator, with a corrective action task for Mia Manager.
Idempotent: the report carries a fixed client id, so a second run finds it; the action is added once."""

import contextlib
import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.accounts.models import User
from apps.catalogue.selectors import plan_solution_codes, tenant_plan
from apps.solutions.services import solution_access_ensure
from apps.tenancy.models import Tenant
from apps.workplaces.models import Workplace

from .models import Incident, IncidentAction
from .services import PersonInput, incident_action_create, incident_report

DEMO_CLIENT_ID = uuid.UUID("5a1e7c9d-1c1d-4e6a-9b1e-00000000a001")


@transaction.atomic
def incidents_demo_seed() -> int:
    """In the current tenant's schema; returns how many incidents were created (0 or 1)."""
    site = Workplace.objects.filter(code="SYD-CBD").first()
    if site is None:
        return 0
    sam = User.objects.filter(email="sam@acme.localhost").first()
    mia = User.objects.filter(email="manager@acme.localhost").first()
    people_with_access = [user for user in (sam, mia) if user is not None]
    with contextlib.suppress(ValidationError):  # they report and follow incidents in the portal and the app
        solution_access_ensure(solution_code="workplaces", users=people_with_access, reason="Demo: incidents")
    if Incident.objects.filter(client_id=DEMO_CLIENT_ID).exists():
        return 0
    occurred = timezone.now() - datetime.timedelta(hours=5)
    people = [PersonInput(role="injured", name="A customer", notes="Bruised wrist, first aid given")]
    if mia is not None:
        people.append(PersonInput(role="witness", user=mia, notes="Saw the fall from the counter"))
    incident, created = incident_report(
        title="Customer slipped on a wet floor", type="injury", severity="high", occurred_at=occurred,
        workplace=site, location_detail="Entrance, near the umbrella stand", acting_user=sam,
        description="A customer slipped on rainwater at the entrance and fell on their wrist. No wet-floor sign "
        "was out.", immediate_actions="First aid; floor mopped; sign placed.", client_id=DEMO_CLIENT_ID,
        people=people,
    )  # fmt: skip
    if created and not IncidentAction.objects.filter(incident=incident).exists():
        incident_action_create(
            incident=incident, title="Put entrance mats and a wet-floor sign out on rainy days", acting_user=mia,
            assignee=mia, due_at=timezone.now() + datetime.timedelta(days=3),
        )  # fmt: skip
    return int(created)


def demo_seed(*, stdout: Any = None) -> None:
    acme = Tenant.objects.filter(slug="acme").first()
    if acme is None or "workplaces" not in plan_solution_codes(tenant_plan(acme)):
        return
    with tenant_context(acme):
        created = incidents_demo_seed()
    if stdout is not None:
        stdout.write(f"  Incidents:    Acme: {created} open incident at the Sydney CBD Store with a corrective task\n")

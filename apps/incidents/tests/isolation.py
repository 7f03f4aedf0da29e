"""Globex's incidents for the isolation matrix (tests/isolation_world.py): a site, an incident whose title,
description and location carry the canary, a person involved and a photo; acme's people must neither
see nor act on them by id (the API, the portal pages and the attachment downloads)."""

import datetime
from importlib import import_module
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("incidents", "pk"): "incident_id",
    ("attachments", "attachment_pk"): "incident_attachment_id",
    ("people", "person_pk"): "incident_person_id",
}


def build(world: Any) -> None:
    from apps.incidents.models import Incident, IncidentAttachment, IncidentPerson
    from apps.workplaces.models import Workplace

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    region = keep(schema, Workplace.objects.create(kind="region", code="GXR-INC", name=f"Region {CANARY}"))
    area = keep(schema, Workplace.objects.create(kind="area", code="GXA-INC", name=f"Area {CANARY}", parent=region))
    site = keep(schema, Workplace.objects.create(kind="site", code="GX-INC", name=f"Site {CANARY}", parent=area))
    now = timezone.now()
    incident = keep(schema, Incident.objects.create(
        title=f"Incident {CANARY}", type="injury", injury=True, severity="critical", occurred_at=now,
        reported_at=now, reported_by=subject, workplace=site, location_detail=f"Dock {CANARY}",
        description=f"What happened {CANARY}", status_changed_at=now, notifiable=True,
        regulator_deadline=now + datetime.timedelta(hours=24),
    ))  # fmt: skip
    person = keep(schema, IncidentPerson.objects.create(incident=incident, name=f"Pat {CANARY}", role="injured"))
    attachment = IncidentAttachment(incident=incident, kind="photo", name=f"{CANARY}.jpg", content_type="image/jpeg",
                                    size=20, uploaded_by=subject)  # fmt: skip
    attachment.file.save("matrix.jpg", ContentFile(b"\xff\xd8\xff" + CANARY.encode()), save=False)
    attachment.save()
    keep(schema, attachment)
    world.values["incident_id"] = (incident.pk, True)
    world.values["incident_attachment_id"] = (attachment.pk, True)
    world.values["incident_person_id"] = (person.pk, True)

"""Globex's form analytics for the isolation matrix (tests/isolation_world.py): a published form whose name,
field labels, choices and answers carry the canary, a submission at a globex site, and its rollups; acme's
people must neither read them by id (the API, the portal page and its exports) nor touch them with the rebuild
task sent from acme."""

import uuid
from importlib import import_module
from typing import Any

from django.utils import timezone

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {("analytics", "pk"): "formstats_template_id"}
TASK_ARGUMENTS = {"template_id": "formstats_template_id"}


def build(world: Any) -> None:
    from apps.forms.models import FormField, FormTemplate, FormVersion, Submission
    from apps.formstats.models import FieldDayRollup
    from apps.formstats.rollup import rollup_add
    from apps.workplaces.models import Workplace

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    region = keep(schema, Workplace.objects.create(kind="region", code="GXR-FS", name=f"Region {CANARY}"))
    area = keep(schema, Workplace.objects.create(kind="area", code="GXA-FS", name=f"Area {CANARY}", parent=region))
    site = keep(schema, Workplace.objects.create(kind="site", code="GX-FS", name=f"Site {CANARY}", parent=area))
    template = keep(schema, FormTemplate.objects.create(name=f"Visit {CANARY}", status="draft"))
    version = keep(schema, FormVersion.objects.create(template=template, number=1, schema={"canary": CANARY},
                                                      published_at=timezone.now()))  # fmt: skip
    options = [{"value": CANARY, "label": f"Yes {CANARY}"}]
    keep(schema, FormField.objects.create(version=version, key="share", label=f"Share {CANARY}", type="number",
                                          position=0))  # fmt: skip
    keep(schema, FormField.objects.create(version=version, key="ok", label=f"Ok {CANARY}", type="single_choice",
                                          position=1, config={"options": options}))  # fmt: skip
    FormTemplate.objects.filter(pk=template.pk).update(current_version=version, status="published")
    submission = keep(schema, Submission.objects.create(
        template=template, version=version, person=subject, workplace=site, status="submitted",
        answers={"share": 42, "ok": CANARY}, client_id=uuid.uuid4(), submitted_at=timezone.now(),
    ))  # fmt: skip
    rollup_add([submission.pk])
    for row in FieldDayRollup.objects.filter(template=template):
        keep(schema, row)
    world.values["formstats_template_id"] = (template.pk, True)

"""Globex's inspection template and a submitted inspection for the isolation matrix: acme's people and
keys must neither see nor perform them (by id or code)."""

from importlib import import_module
from typing import Any

from apps.inspections.models import Inspection
from apps.inspections.services import template_publish
from apps.workplaces.models import Workplace

# Read from the shared world at run time (importing it here would make mypy check that module too).
CANARY = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("results", "inspection"): "inspections_inspection",
    ("inspections", "inspection"): "inspections_inspection",
    ("templates", "code"): "inspections_template",
}


def build(world: Any) -> None:
    schema = world.globex.schema_name
    template = template_publish(
        code="GLOBEX-ISO", name=f"Globex walk {CANARY}", acting_user=None,
        sections=[{"title": "Exits", "items": [{"question": f"Exits clear {CANARY}"}]}],
    )  # fmt: skip
    site = Workplace.objects.filter(kind="site").first()
    if site is None:
        region = world.keep(schema, Workplace.objects.create(kind="region", code="GX-ISO-R", name="R"))
        area = world.keep(schema, Workplace.objects.create(kind="area", code="GX-ISO-A", name="A", parent=region))
        site = world.keep(schema, Workplace.objects.create(kind="site", code="GX-ISO-S", name="S", parent=area))
    inspection = Inspection.objects.create(template=template, workplace=site, notes=f"Inspection {CANARY}")
    world.keep(schema, inspection)
    world.keep(schema, template)
    world.values["inspections_inspection"] = (inspection.pk, True)
    world.values["inspections_template"] = (template.code, True)

"""Globex's tenant export for the isolation matrix (tests/isolation_world.py): a staff request in public that a
task sent from acme's schema must leave alone (exports are requested by platform staff only)."""

from typing import Any

TASK_ARGUMENTS = {"export_id": "tenant_export_id"}


def build(world: Any) -> None:
    from apps.backups.models import TenantExport

    export = world.keep("public", TenantExport.objects.create(tenant=world.globex))
    world.values["tenant_export_id"] = (export.pk, True)

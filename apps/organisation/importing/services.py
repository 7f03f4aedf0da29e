"""The directory import: validate a file's rows against the tenant (always), write them (on commit).

Run in the tenant's schema (request middleware or tenant_context). See docs/import.md.
"""

from typing import Any

from django.db import connection

from .apply import import_apply
from .formats import ImportRow
from .progress import Progress
from .validation import ImportPlan, Status, import_validate


def directory_import(
    *,
    rows: list[ImportRow],
    tenant: Any,
    acting_user: Any,
    commit: bool = False,
    progress: Progress | None = None,
    source: str = "",
    max_changes: int | None = None,
) -> ImportPlan:
    """Validate every row; only with `commit` and no error at all, write everything in one transaction.

    The returned plan is the report: one line per row (create, update, unchanged or error) and
    `committed` saying whether anything was written. `max_changes` refuses an import that would
    create or update more rows than that (the portal writes within the request).
    """
    schema = getattr(connection, "schema_name", None)
    if schema != tenant.schema_name:
        raise RuntimeError(f"Run the import in {tenant.slug}'s schema (tenant_context), not {schema}.")
    progress = progress or Progress()
    plan = import_validate(rows=rows, tenant=tenant, progress=progress)
    counts = plan.counts()
    changes = counts[Status.CREATE] + counts[Status.UPDATE]
    if max_changes is not None and changes > max_changes:
        plan.errors.append(
            f"This import would create or update {changes} rows; here at most {max_changes} are written at once. "
            "Split the file, or ask an operator to run manage.py import_directory."
        )
    if commit and not plan.has_errors:
        import_apply(plan=plan, tenant=tenant, acting_user=acting_user, progress=progress, source=source)
    return plan

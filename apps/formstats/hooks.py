"""The forms hooks formstats answers (declared in contributions.py; asked in apps/forms/services.py)."""

from collections.abc import Iterable
from typing import Any

from .rollup import rollup_add, rollup_remove, status_counts


def submission_status_changed(submission: Any, previous_status: str | None) -> None:
    """`forms.submission_status_changed`, called inside forms' transaction after the new status is saved:
    a submission that counts now is added (once), one that does not is taken out (if it was in). Submitted
    → approved changes nothing; → rejected removes; a draft is never in."""
    if status_counts(submission.status):
        rollup_add([submission.pk])
    elif status_counts(previous_status) or previous_status is None:
        rollup_remove([submission.pk])


def submissions_bulk_created(submission_ids: Iterable[Any]) -> None:
    """`forms.submissions_bulk_created`: submissions written in bulk (imports, demo data)."""
    rollup_add(submission_ids)

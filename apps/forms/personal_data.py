"""apps.forms's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import Submission, SubmissionComment, SubmissionFile


def person_export(user: Any) -> dict[str, Any]:
    """Form submissions (reports) by the person, their files, and comments they wrote."""
    me = user.pk
    return {
        "submissions": Submission.objects.filter(person_id=me),
        "submission_files": SubmissionFile.objects.filter(submission__person_id=me),
        "comments": SubmissionComment.objects.filter(author_id=me),
    }

"""apps.tasks's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import ChecklistItem, Task, TaskAttachment, TaskComment, TaskWatcher


def person_export(user: Any) -> dict[str, Any]:
    """Tasks assigned to or completed by the person, items they ticked, comments, uploads, watched tasks."""
    me = user.pk
    return {
        "tasks_assigned": Task.objects.filter(assignee_id=me),
        "tasks_completed": Task.objects.filter(completed_by_id=me),
        "checklist_items_done": ChecklistItem.objects.filter(done_by_id=me),
        "comments": TaskComment.objects.filter(author_id=me),
        "attachments_uploaded": TaskAttachment.objects.filter(uploaded_by_id=me),
        "watching": TaskWatcher.objects.filter(user_id=me),
    }

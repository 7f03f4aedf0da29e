"""What the task engine adds: the task API (/api/v1/tasks/) and its `tasks` scopes, the portal pages
(my tasks, board, task page, templates), webhook events, notices (assigned, mentioned, a watched task
completed), task history in the timeline and the Acme demo tasks."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    NotificationCategory,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

SAMPLE = "apps.tasks.payloads.sample_payload"
URL = "apps.tasks.notices.task_url"

contribute(
    TenantApiUrls("apps.tasks.api.urls", prefix="tasks/", order=96),
    ScopeFamily("tasks", "Tasks", ("read", "write"), order=96),
    PortalUrls("manage/tasks/", "apps.tasks.portal.urls", order=96),
    MenuEntry("Tasks", "tasks:mine", order=34, group="Workforce", solution="tasks"),
    WebhookEventType("task.created", "A task was created (by hand, from a template, or by another app).",
                     sample_payload=SAMPLE, order=420),
    WebhookEventType("task.assigned", "A task was given to a person.", sample_payload=SAMPLE, order=421),
    WebhookEventType("task.claimed", "A role task was claimed by the first person to take it.",
                     sample_payload=SAMPLE, order=422),
    WebhookEventType("task.completed", "A task was completed (checklist and evidence complete).",
                     sample_payload=SAMPLE, order=423),
    WebhookEventType("task.commented", "Someone commented on a task (with the members it mentions).",
                     sample_payload=SAMPLE, order=424),
    TimelineSource(tenant_schema_history("tasks.HistoricalTask"), order=195),
    TimelineSource(tenant_schema_history("tasks.HistoricalTaskTemplate"), order=196),
    NotificationCategory("tasks", "Tasks", description="Tasks given to you, mentions, watched tasks completed.",
                         order=72),
    Notice("task.assigned", "tasks", "apps.tasks.notices.assignee", url=URL,
           title="New task: {{ title }}",
           body="You were given the task “{{ title }}”{% if workplace %} at {{ workplace }}{% endif %}"
                "{% if due_at %}, due {{ due_at }}{% endif %}.",
           description="Tells a person a task was given to them."),
    Notice("task.commented", "tasks", "apps.tasks.notices.mentioned", url=URL,
           title="You were mentioned on “{{ title }}”", body="{{ body }}",
           description="Tells the members a task comment mentions."),
    Notice("task.completed", "tasks", "apps.tasks.notices.watchers", url=URL,
           title="Done: {{ title }}", body="The task “{{ title }}” you watch was completed.",
           description="Tells the watchers of a task that it was completed."),
    # Dependencies (apps/tasks/dependencies.py and its dependency_* modules).
    TenantApiUrls("apps.tasks.dependency_urls", prefix="tasks/", order=101),
    PortalUrls("manage/tasks/dependencies/", "apps.tasks.dependency_portal_urls", order=95),
    WebhookEventType("task.unblocked", "A task's last unfinished predecessor was done (or its link removed): it "
                     "can start.", sample_payload="apps.tasks.dependencies.sample_payload", order=425),
    Notice("task.unblocked", "tasks", "apps.tasks.dependency_notices.unblocked_recipients",
           url="apps.tasks.dependency_notices.unblocked_url",
           title="“{{ title }}” can start now",
           body="{% if unblocked_by %}“{{ unblocked_by.title }}” is {{ unblocked_by.status }}: {% endif %}nothing "
                "holds “{{ title }}” any more. It is back to {{ status }}.",
           description="A task you are assigned to or watch no longer waits for other tasks."),
    DemoStep("tasks", "apps.tasks.demo.demo_seed", order=65),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.tasks.personal_data.person_export"))  # apps.gdpr.export

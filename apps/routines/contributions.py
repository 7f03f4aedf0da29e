"""What routines add: the pages under /manage/tasks/routines/ (before the tasks app's /manage/tasks/), the
API under /api/v1/tasks/routines/ (the `tasks` scope family is the tasks app's), events, history in the
timeline, the generating beat task and the weekly store visits of the demo."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    PeriodicTask,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    # A lower order than the tasks app's "manage/tasks/" so the longer prefix wins.
    PortalUrls("manage/tasks/routines/", "apps.routines.portal.urls", order=90),
    TenantApiUrls("apps.routines.api.urls", prefix="tasks/routines/", order=90),
    MenuEntry("Routines", "routines:list", admin_only=False, order=41, group="Workforce", solution="tasks"),
    WebhookEventType("routine.created", "A recurring set of linked tasks was created (or split from another).",
                     sample_payload="apps.routines.payloads.sample_payload", order=520),
    WebhookEventType("routine.occurrences_generated", "A routine's next occurrences were written as tasks "
                     "(one event per routine and run).",
                     sample_payload="apps.routines.payloads.generated_sample_payload", order=521),
    TimelineSource(tenant_schema_history("routines.HistoricalRoutine"), order=230),
    TimelineSource(tenant_schema_history("routines.HistoricalRoutineTask"), order=231),
    PeriodicTask("routines.generate", "routines.generate", interval=(15, "minutes"),
                 description="Write every active routine's occurrences ahead as tasks, exactly once per "
                             "occurrence and member however often it runs."),
    DemoStep("routines", "apps.routines.demo.demo_seed", order=66),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.routines.personal_data.person_export"))  # apps.gdpr.export

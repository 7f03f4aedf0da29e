"""What rosters adds: the "attendance" notification category and API scope family (shared by the
attendance apps), the roster pages (Workforce), the calendar feed address, API, events and notices,
history, and the demo roster."""

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

contribute(
    NotificationCategory(
        "attendance",
        "Shifts and attendance",
        order=60,
        description="Your published shifts, changes to them and attendance alerts.",
    ),
    ScopeFamily("attendance", "Attendance", ("read", "write"), order=90),
    # Lower than the attendance app's "manage/attendance/" so the longer prefix wins.
    PortalUrls("manage/attendance/rosters/", "apps.rosters.portal.urls", order=100),
    PortalUrls("calendar/", "apps.rosters.feed_urls", order=100),
    # Admin-only in the menu: a MenuEntry cannot ask whether a member may use the solution, and the menu
    # offers nothing that would be refused. Managers and members reach the pages through their tabs,
    # the notices' links (My shifts) and the API.
    MenuEntry("Rosters", "rosters:list", admin_only=True, order=30, group="Workforce", solution="attendance"),
    MenuEntry("My shifts", "rosters:my_shifts", order=31, group="Workforce", solution="attendance"),
    TenantApiUrls("apps.rosters.api.urls", prefix="attendance/", order=90),
    WebhookEventType(
        "roster.published",
        "A roster was published: its shifts are final and their people told.",
        sample_payload="apps.rosters.payloads.roster_sample_payload",
        order=210,
    ),
    WebhookEventType(
        "shift.changed",
        "A published shift was changed or cancelled.",
        sample_payload="apps.rosters.payloads.shift_sample_payload",
        order=211,
    ),
    Notice(
        "roster.published",
        "attendance",
        "apps.rosters.notices.roster_people",
        title="Your shifts at {{ workplace.name }} are published",
        body="Your shifts at {{ workplace.name }} for {{ period.start }} to {{ period.end }} are published.",
        url="apps.rosters.notices.my_shifts_url",
        description="Tells each person in a roster it was published.",
    ),
    Notice(
        "shift.changed",
        "attendance",
        "apps.rosters.notices.shift_person",
        title="Your shift on {{ local_date }} was {% if change == 'cancelled' %}cancelled{% else %}changed{% endif %}",
        body="Your shift at {{ workplace.name }} on {{ local_date }} was "
        "{% if change == 'cancelled' %}cancelled{% else %}changed{% endif %}.",
        url="apps.rosters.notices.my_shifts_url",
        description="Tells a person their published shift changed.",
    ),
    TimelineSource(tenant_schema_history("rosters.HistoricalRoster"), order=190),
    TimelineSource(tenant_schema_history("rosters.HistoricalShift"), order=191),
    TimelineSource(tenant_schema_history("rosters.HistoricalShiftType"), order=192),
    TimelineSource(tenant_schema_history("rosters.HistoricalRosterRules"), order=193),
    DemoStep("rosters", "apps.rosters.demo.demo_seed", order=61),
)

contribute(Hook("gdpr.person_export", "apps.rosters.personal_data.person_export"))  # apps.gdpr.export

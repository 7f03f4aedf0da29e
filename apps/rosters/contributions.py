"""What rosters adds: the "attendance" notification category and API scope family (shared by the
attendance apps), the roster pages, API, events, history and demo roster."""

from apps.core.contributions import NotificationCategory, ScopeFamily, contribute

contribute(
    NotificationCategory("attendance", "Shifts and attendance", order=60,
                         description="Your published shifts, changes to them and attendance alerts."),
    ScopeFamily("attendance", "Attendance", ("read", "write"), order=90),
)  # fmt: skip

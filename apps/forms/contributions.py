"""What the forms app adds. Form templates built in the portal, versioned; submissions from the mobile app and
the portal; review; per-field analytics.
"""

from apps.core.contributions import NotificationCategory, ScopeFamily, contribute

contribute(
    ScopeFamily("reports", "Reports: forms, submissions, analytics and generated reports", ("read", "write"), order=98),
    NotificationCategory("reports", "Reports", order=78,
                         description="Forms to fill in, submissions to review, reports delivered."),
)  # fmt: skip

"""What security adds: the person's own account pages and the session cleanup."""

from apps.core.contributions import MenuEntry, PeriodicTask, PortalUrls, contribute

contribute(
    PortalUrls("manage/account/", "apps.security.portal.urls", order=40),
    MenuEntry("My account", "account:index", order=220, group="Billing and account"),
    PeriodicTask(
        "security.cleanup_expired_sessions", "security.cleanup_expired_sessions", interval=(1, "hours"),
        description="Delete expired Django sessions and close tracked sessions past their expiry.",
    ),
)  # fmt: skip

"""What security adds: the person's own account pages, the impersonation banner's "end" action and
the session cleanup."""

from apps.core.contributions import MenuEntry, PeriodicTask, PortalUrls, contribute

contribute(
    PortalUrls("manage/account/", "apps.security.portal.urls", order=40),
    PortalUrls("manage/impersonation/", "apps.security.portal.impersonation_urls", order=41),
    MenuEntry("My account", "account:index", order=220, group="Billing and account"),
    PeriodicTask(
        "security.cleanup_expired_sessions", "security.cleanup_expired_sessions", interval=(1, "hours"),
        description="Delete expired Django sessions and close tracked sessions past their expiry.",
    ),
)  # fmt: skip

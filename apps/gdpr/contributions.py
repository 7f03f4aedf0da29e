"""What gdpr adds: consent and export pages and API, the overdue check, demo consents."""

from apps.core.contributions import DemoStep, MenuEntry, PeriodicTask, PortalUrls, TenantApiUrls, contribute

contribute(
    PortalUrls("manage/privacy/", "apps.gdpr.portal.urls", order=190),
    MenuEntry("Privacy", "privacy:overview", order=210, group="Billing and account"),
    TenantApiUrls("apps.gdpr.api.urls", order=130),
    PeriodicTask(
        "gdpr.flag_overdue", "gdpr.flag_overdue", crontab={"minute": "0", "hour": "6"},
        description="Flag GDPR requests still open past their 30-day due date (one UPDATE).",
    ),
    DemoStep("gdpr", "apps.gdpr.demo.demo_seed", order=40),
)  # fmt: skip

"""What form analytics add: per-field aggregates of form submissions (rolled up as they arrive) by workplace,
person and period, charts in the portal, CSV and XLSX export, and the analytics endpoint of the reports API.
The `reports` scope family and notification category are the forms app's."""

from apps.core.contributions import DemoStep, Hook, MenuEntry, PortalUrls, TenantApiUrls, contribute

contribute(
    Hook("forms.submission_status_changed", "apps.formstats.hooks.submission_status_changed"),
    Hook("forms.submissions_bulk_created", "apps.formstats.hooks.submissions_bulk_created"),
    PortalUrls("manage/reports/analytics/", "apps.formstats.portal.urls", order=95),
    MenuEntry("Form analytics", "formstats:list", order=67, group="Workforce", admin_only=False, solution="reports"),
    TenantApiUrls("apps.formstats.api.urls", prefix="reports/analytics/", order=90),
    DemoStep("formstats", "apps.formstats.demo.demo_seed", order=75),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.formstats.personal_data.person_export"))  # apps.gdpr.export

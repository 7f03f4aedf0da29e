"""The back office's own contributions: the platform API v1 (staff tooling over tenancy and tokens)
and the staff-dashboard blocks whose figures staff_dashboard.py computes."""

from apps.core.contributions import DashboardBlock, PlatformApiUrls, contribute

contribute(
    PlatformApiUrls("apps.backoffice.api.urls", prefix="v1/", order=10),
    DashboardBlock("tenants", "backoffice/dashboard/tenants.html", order=10),
    DashboardBlock("revenue", "backoffice/dashboard/revenue.html", order=20),
    DashboardBlock("signups", "backoffice/dashboard/signups.html", order=30),
    DashboardBlock("tickets", "backoffice/dashboard/tickets.html", order=40),
    DashboardBlock("failures", "backoffice/dashboard/failures.html", order=50),
)

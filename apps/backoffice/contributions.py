"""The back office's own staff-dashboard blocks (their figures are computed in staff_dashboard.py)."""

from apps.core.contributions import DashboardBlock, contribute

contribute(
    DashboardBlock("tenants", "backoffice/dashboard/tenants.html", order=10),
    DashboardBlock("revenue", "backoffice/dashboard/revenue.html", order=20),
    DashboardBlock("signups", "backoffice/dashboard/signups.html", order=30),
    DashboardBlock("tickets", "backoffice/dashboard/tickets.html", order=40),
    DashboardBlock("failures", "backoffice/dashboard/failures.html", order=50),
)

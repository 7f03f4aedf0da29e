"""What leave adds: the "leave.request" approval kind, availability for approvals, pages, API, events, notices."""

from apps.core.contributions import AvailabilityProvider, NotificationCategory, ScopeFamily, contribute

contribute(
    AvailabilityProvider("leave", "apps.leave.availability.away", order=10),
    ScopeFamily("leave", "Leave", ("read", "write"), order=91),
    NotificationCategory("leave", "Leave", description="The answer to the leave you asked for.", order=71),
)  # fmt: skip

"""What emails adds: the emails sent per tenant, for tenancy's daily usage, and the emails in a
tenant's timeline (the source class lives with the timeline's others)."""

from apps.core.contributions import Hook, TimelineSource, contribute

contribute(
    Hook("usage.emails_sent_by_tenant", "apps.emails.selectors.emails_sent_by_tenant"),  # apps.tenancy.usage
    TimelineSource("apps.timeline.sources.EmailSource", order=95),
)

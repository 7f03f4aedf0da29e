"""What emails adds: the emails sent per tenant, for tenancy's daily usage."""

from apps.core.contributions import Hook, contribute

contribute(
    Hook("usage.emails_sent_by_tenant", "apps.emails.selectors.emails_sent_by_tenant"),  # apps.tenancy.usage
)

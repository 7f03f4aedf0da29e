"""What tenancy adds: the platform API's tenant endpoint, the tenant lifecycle events and the
usage/domain schedules (the custom domain pages, the current-tenant endpoint and the tenant scope
are apps/domains')."""

from apps.core.contributions import (
    PeriodicTask,
    PlatformApiUrls,
    WebhookEventType,
    contribute,
)

contribute(
    PlatformApiUrls("apps.tenancy.api.platform_tenant_urls", order=20),  # /api/platform/tenants/ (issue 1's)
    WebhookEventType("tenant.activated", "The organisation became active (provisioned, or reactivated).", order=10),
    WebhookEventType("tenant.suspended", "The organisation was suspended.", order=20),
    PeriodicTask(
        "tenancy.aggregate_usage", "tenancy.aggregate_usage", crontab={"minute": "15", "hour": "0"},
        description="Write TenantUsageDaily for yesterday and today so far; refresh tenants' current usage.",
    ),
    PeriodicTask(
        "tenancy.reverify_domains", "tenancy.reverify_domains", interval=(1, "hours"),
        description="Check the DNS TXT record of unverified custom domains and of verified ones due again.",
    ),
)  # fmt: skip

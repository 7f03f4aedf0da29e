"""What tenancy adds: the platform API's tenant endpoint, the tenant lifecycle events and the
usage/domain schedules (the custom domain pages, the current-tenant endpoint and the tenant scope
are apps/domains')."""

from apps.core.contributions import (
    Hook,
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
    # apps.core.jobs' sweeper has no contributions module of its own to be declared in (core only
    # defines them); tenancy, whose provisioning jobs are the reason it exists, declares it.
    PeriodicTask(
        "core.jobs_sweep", "core.jobs_sweep", interval=(1, "minutes"),
        description="Re-send long jobs (provisioning, billing run, report runs) whose worker stopped beating.",
    ),
    Hook("jobs.gave_up:tenancy.provision_tenant", "apps.tenancy.tasks.provision_tenant_gave_up"),
)  # fmt: skip

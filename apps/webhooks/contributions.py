"""What webhooks adds: endpoint pages and API, the webhooks scope, the test event, the retry sweep and
its demo endpoint."""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    PeriodicTask,
    PortalHomeBlock,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    WebhookEventType,
    contribute,
)

contribute(
    # A delivery whose worker died is made due again before apps.core.jobs re-sends it.
    Hook("jobs.requeue:webhooks.deliver", "apps.webhooks.tasks.deliver_requeue"),
    PortalUrls("manage/webhooks/", "apps.webhooks.portal.urls", order=150),
    MenuEntry("Webhooks", "webhooks:list", admin_only=True, order=160, group="Developers"),
    PortalHomeBlock("webhooks", "portal/home/webhooks.html", "apps.webhooks.portal.home.home_context", order=50),
    TenantApiUrls("apps.webhooks.api.urls", order=90),
    # The tenant's outbound webhook endpoints (create, rotate, test) and their delivery log (replay).
    ScopeFamily("webhooks", "Webhook endpoints and deliveries", ("read", "write"), order=80),
    WebhookEventType("webhook.test", "A test event sent from the portal, the admin or the API.", order=100),
    PeriodicTask(
        "webhooks.retry_due", "webhooks.retry_due", interval=(1, "minutes"),
        description="Send webhook deliveries that are due (retries with backoff, and any the broker missed).",
    ),
    DemoStep("webhooks", "apps.webhooks.demo.demo_seed", order=30),
    Hook("observability.metrics", "apps.webhooks.metrics.backlog_metrics"),  # the delivery backlog on /metrics
)  # fmt: skip

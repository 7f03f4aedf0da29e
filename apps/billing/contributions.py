"""What billing adds: billing pages, API, the provider's webhook callback, billing events, timeline
sources, the billing schedules and its answer to tenancy's plan-change hook."""

from apps.core.contributions import (
    Hook,
    MenuEntry,
    PeriodicTask,
    PlatformUrls,
    PortalHomeBlock,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)

contribute(
    Hook("tenancy.plan_change", "apps.billing.hooks.plan_change"),  # apps.tenancy.admin_actions.change_plan
    PortalUrls("manage/billing/", "apps.billing.portal.urls", order=140),
    MenuEntry("Billing", "billing:overview", admin_only=True, order=150, group="Billing and account"),
    PortalHomeBlock("billing", "portal/home/billing.html", "apps.billing.portal.home.home_context", order=10),
    TenantApiUrls("apps.billing.api.urls", order=80),
    PlatformUrls("billing/webhooks/", "apps.billing.webhook_urls", order=20),
    Hook("tenancy.suspension_exits", "apps.billing.suspension.suspension_exits"),  # apps.tenancy.status_middleware
    WebhookEventType("invoice.issued", "An invoice was issued (numbered, open or paid at once).", order=30),
    WebhookEventType("invoice.paid", "An invoice was paid in full.", order=40),
    WebhookEventType("payment.failed", "A payment attempt failed.", order=50),
    WebhookEventType("subscription.created", "A subscription started (trialing, or active with its first invoice).",
                     order=55),
    WebhookEventType("subscription.changed", "The plan, billing cycle or seats changed.", order=60),
    TimelineSource("apps.timeline.sources.InvoiceIssuedSource", order=40),
    TimelineSource("apps.timeline.sources.InvoicePaidSource", order=50),
    TimelineSource("apps.timeline.sources.PaymentSource", order=60),
    TimelineSource("apps.timeline.sources.SubscriptionChangeSource", order=70),
    PeriodicTask(
        "billing.run", "billing.run", crontab={"minute": "0", "hour": "1"},
        description="Renew subscriptions whose period ended: issue the invoice, charge it, advance the period.",
    ),
    PeriodicTask(
        "billing.dunning", "billing.dunning", interval=(1, "hours"),
        description="Retry failed invoice payments that are due; suspend tenants after the last failure.",
    ),
    PeriodicTask(
        "billing.trial_notices", "billing.trial_notices", crontab={"minute": "0", "hour": "9"},
        description="Email each tenant whose trial ends within three days (once per trial end).",
    ),
    PeriodicTask(
        "billing.alerts", "billing.alerts", crontab={"minute": "0", "hour": "2"},
        description="Raise billing alerts (usage near plan limits, cards expiring) and email them once.",
    ),
)  # fmt: skip

"""What billing adds: billing pages, API, the provider's webhook callback, billing events, timeline
sources, the billing schedules, its answer to tenancy's plan-change hook, and what the tenant is told
(billing alerts, trial ending, payment failure and suspension: apps/billing/notices.py)."""

from apps.core.contributions import (
    Hook,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PlatformUrls,
    PortalHomeBlock,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)

BILLING_CONTACTS = "apps.billing.notices.billing_contacts"
BILLING_URL = "apps.billing.notices.billing_url"

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
        description="Raise billing alerts (usage near plan limits, cards expiring) and tell the tenant once.",
    ),
    NotificationCategory(
        "billing", "Billing and payments", order=50,
        description="Trial ending, usage near the plan's limits, cards expiring; payment failures and suspension "
                    "are always sent.",
    ),
    Notice("billing.usage_near_limit", "billing", BILLING_CONTACTS, url=BILLING_URL,
           title='{% include "emails/billing_alert.subject.txt" %}', body='{% include "emails/billing_alert.txt" %}',
           description="The organisation uses 90% of a plan limit (once a month per limit)."),
    Notice("billing.card_expiring", "billing", BILLING_CONTACTS, url=BILLING_URL,
           title='{% include "emails/billing_alert.subject.txt" %}', body='{% include "emails/billing_alert.txt" %}',
           description="A card on file expires within 30 days."),
    Notice("billing.trial_ending", "billing", BILLING_CONTACTS, url=BILLING_URL,
           title='{% include "emails/billing_trial_ending.subject.txt" %}',
           body='{% include "emails/billing_trial_ending.txt" %}', description="The trial ends in three days."),
    Notice("billing.payment_failed", "billing", BILLING_CONTACTS, url=BILLING_URL, critical=True,
           title='{% include "emails/billing_payment_failed.subject.txt" %}',
           body='{% include "emails/billing_payment_failed.txt" %}',
           description="A payment attempt failed (the last one suspends the organisation)."),
    Notice("tenant.suspended", "billing", BILLING_CONTACTS, url=BILLING_URL, critical=True,
           title='{% include "emails/tenant_suspended.subject.txt" %}',
           body='{% include "emails/tenant_suspended.txt" %}',
           description="The organisation was suspended (an unpaid invoice, or by the platform's staff)."),
)  # fmt: skip

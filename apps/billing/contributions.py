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

# The platform's default texts (Django template language over the event's payload; staff and tenant
# admins may override them per channel).
ALERT_BODY = """{{ message }}

You can review your plan, usage and payment methods in your billing settings."""

TRIAL_ENDING_BODY = """The trial of {{ tenant_name }} on the {{ plan }} plan ends on {{ trial_end_display }} UTC. \
The subscription then renews at {{ amount }} per period (before tax) and the first invoice is charged.

{% if has_payment_method %}We will charge your default payment method; nothing else is needed.\
{% else %}There is no payment method yet: add one in your billing settings before then, or the invoice stays unpaid \
and the account goes past due.{% endif %}"""

PAYMENT_FAILED_BODY = """We could not collect {{ amount }} for invoice {{ invoice_number }} of {{ tenant_name }} \
(attempt {{ attempt }}): {{ reason }}.

{% if final %}This was the last attempt: {{ tenant_name }} is suspended until the invoice is paid. Paying it \
reactivates the account at once.{% else %}We will try again on {{ next_attempt_at_display }} UTC. To avoid an \
interruption, check the payment method in your billing settings or pay the invoice now.{% endif %}"""

SUSPENDED_BODY = """{{ name }} is suspended: its members cannot use the portal or the API until it is reactivated.

If an invoice is overdue, an admin can still sign in and pay it under Billing: paying it reactivates the \
organisation at once. Otherwise, contact support."""

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
           title="Billing notice for {{ tenant_name }}", body=ALERT_BODY,
           description="The organisation uses 90% of a plan limit (once a month per limit)."),
    Notice("billing.card_expiring", "billing", BILLING_CONTACTS, url=BILLING_URL,
           title="Billing notice for {{ tenant_name }}", body=ALERT_BODY,
           description="A card on file expires within 30 days."),
    Notice("billing.trial_ending", "billing", BILLING_CONTACTS, url=BILLING_URL,
           title="Your {{ tenant_name }} trial ends on {{ trial_end_date }}", body=TRIAL_ENDING_BODY,
           description="The trial ends in three days."),
    Notice("billing.payment_failed", "billing", BILLING_CONTACTS, url=BILLING_URL, critical=True,
           title="{% if final %}Account suspended: invoice {{ invoice_number }} is unpaid"
                 "{% else %}Payment of invoice {{ invoice_number }} failed{% endif %}",
           body=PAYMENT_FAILED_BODY, description="A payment attempt failed (the last one suspends the organisation)."),
    Notice("tenant.suspended", "billing", BILLING_CONTACTS, url=BILLING_URL, critical=True,
           title="{{ name }} is suspended", body=SUSPENDED_BODY,
           description="The organisation was suspended (an unpaid invoice, or by the platform's staff)."),
)  # fmt: skip

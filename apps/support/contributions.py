"""What support adds: ticket pages and API, ticket events and timeline sources, the SLA sweep, demo, and
the requester's notice of a support reply."""

from apps.core.contributions import (
    DemoStep,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalHomeBlock,
    PortalUrls,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)

contribute(
    PortalUrls("manage/support/", "apps.support.portal.urls", order=170),
    MenuEntry("Support", "support:list", admin_only=True, order=180, group="Billing and account"),
    PortalHomeBlock("support", "portal/home/support.html", "apps.support.portal.home.home_context", order=40),
    TenantApiUrls("apps.support.api.urls", order=110),
    WebhookEventType("ticket.created", "A support ticket was opened.", order=70),
    WebhookEventType("ticket.replied", "A support ticket got a reply.", order=80),
    TimelineSource("apps.timeline.sources.TicketSource", order=80),
    TimelineSource("apps.timeline.sources.TicketMessageSource", order=90),
    PeriodicTask(
        "support.sla_sweep", "support.sla_sweep", interval=(5, "minutes"),
        description="Flag support tickets whose first-response or resolution SLA is breached.",
    ),
    DemoStep("support", "apps.support.demo.demo_seed", order=20),
    NotificationCategory("support", "Support tickets", order=40, description="Replies from support to your tickets."),
    Notice(
        "ticket.replied", "support", "apps.support.notices.requester_of_staff_reply",
        title="[{{ number }}] New reply: {{ subject }}",
        body="Support replied to your ticket {{ number }} ({{ subject }}):\n\n{{ message.body }}",
        url="apps.support.notices.ticket_url", description="A support reply, to the ticket's requester.",
    ),
)  # fmt: skip

"""What the notifications engine adds: the "system" category, the `notification.sent` webhook event,
the sweep's schedule and the usage hook (the messages sent per channel feed tenancy's daily usage).

Other apps declare their own `NotificationCategory` and `Notice` in their contributions.py; the
engine subscribes to the events those notices name (apps/notifications/subscriber.py).
"""

from apps.core.contributions import (
    Hook,
    NotificationCategory,
    PeriodicTask,
    WebhookEventType,
    contribute,
)

contribute(
    Hook("observability.metrics", "apps.notifications.metrics.backlog_metrics"),  # the backlog on /metrics
    Hook("security.sms_send", "apps.notifications.channels.sms_send_now"),  # sign-in codes (apps.security.otp)
    # A sending chunk whose worker died releases its claims before apps.core.jobs re-sends it.
    Hook("jobs.requeue:notifications.deliveries_send", "apps.notifications.tasks.deliveries_send_requeue"),
    NotificationCategory(
        "system", "System alerts", critical=True, default_channels=("in_app", "email"),
        description="Significant changes to the platform or your organisation's setup.", order=900,
    ),
    WebhookEventType(
        "notification.sent",
        "A notification was sent to people of the organisation (one event per batch, not per person).",
        sample_payload="apps.notifications.payloads.sample_notification_sent",
        order=900,
    ),
    PeriodicTask(
        "notifications.sweep", "notifications.sweep", interval=(5, "minutes"),
        description="Release held and retried notifications, reclaim stale claims, send due digests.",
    ),
    Hook("usage.whatsapp_sent_by_tenant", "apps.notifications.usage.whatsapp_sent_by_tenant"),  # apps.tenancy.usage
)  # fmt: skip

# --- surfaces (portal, API) ---
# Owned by the surfaces (apps/notifications/portal/, api/, templates/notifications/); the engine's
# declarations stay above this block.
from apps.core.contributions import (  # noqa: E402
    MenuEntry,
    PortalHomeBlock,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
)

contribute(
    PortalUrls("manage/notifications/", "apps.notifications.portal.urls", order=45),
    MenuEntry("Notifications", "notifications:inbox", order=200, group="Billing and account"),
    MenuEntry("Notification preferences", "notifications:preferences", order=205, group="Billing and account"),
    MenuEntry("Notification settings", "notifications:settings", admin_only=True, order=210,
              group="Billing and account"),
    PortalHomeBlock("notifications", "portal/home/notifications.html", "apps.notifications.portal.home.home_context",
                    order=60, admin_only=False),
    TenantApiUrls("apps.notifications.api.urls", order=130),
    ScopeFamily("notifications", "Notifications (a person's own; API keys are refused)", ("read", "write"), order=130),
)  # fmt: skip

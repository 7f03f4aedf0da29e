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

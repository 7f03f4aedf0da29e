"""What accounts adds: the member.joined event (the member pages and API are apps/members')."""

from apps.core.contributions import WebhookEventType, contribute

contribute(
    WebhookEventType("member.joined", "A person joined the organisation.", order=90),
)

"""What the chat app adds. Channels (public, private, direct, per team and workplace), messages, threads,
reactions, attachments, read positions, moderation, retention and search: the portal's chat page, the API
under chat/, the socket's topics and frames (apps.realtime hooks), events, the `chat` notifications,
history on the timeline, the reconcile and retention beats, and demo data.
"""

from apps.core.contributions import (
    DemoStep,
    Hook,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    WebhookEventType,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

PAYLOADS = "apps.chat.payloads"
WHERE = "{% if channel.kind == 'direct' %}a direct message{% else %}#{{ channel.name }}{% endif %}"

contribute(
    ScopeFamily("chat", "Chat: channels and messages", ("read", "write"), order=99),
    NotificationCategory("chat", "Chat", description="Mentions and direct messages.", order=79,
                         default_channels=("in_app", "email")),
    PortalUrls("manage/chat/", "apps.chat.portal.urls", order=130),
    MenuEntry("Chat", "chat:home", order=40, group="Workforce", solution="chat"),
    TenantApiUrls("apps.chat.api.urls", prefix="chat/", order=99),
    Hook("realtime.topics", "apps.chat.realtime.topics_for"),
    Hook("realtime.frame", "apps.chat.realtime.handle_frame"),
    WebhookEventType("chat.channel_created", "A chat channel was created (public or private; never a direct "
                     "conversation).", sample_payload=f"{PAYLOADS}.sample_channel", order=300),
    WebhookEventType("chat.member_joined", "Someone joined a chat channel.", sample_payload=f"{PAYLOADS}.sample_member",
                     order=301),
    WebhookEventType("chat.member_left", "Someone left (or was removed from) a chat channel.",
                     sample_payload=f"{PAYLOADS}.sample_member", order=302),
    WebhookEventType("chat.message_posted", "A message was posted in a channel (never a direct conversation; only "
                     "published while an endpoint listens). Carries an excerpt.",
                     sample_payload=f"{PAYLOADS}.sample_message", order=303),
    TimelineSource(tenant_schema_history("chat.HistoricalChannel"), order=230),
    TimelineSource(tenant_schema_history("chat.HistoricalChannelMember"), order=231),
    Notice(
        "chat.mentioned", "chat", "apps.chat.notices.recipients",
        title="{{ author_name }} mentioned you in " + WHERE, body="{{ excerpt }}", url="apps.chat.notices.url",
        description="Tells people when they are @mentioned.",
    ),
    Notice(
        "chat.messaged", "chat", "apps.chat.notices.recipients",
        title="{{ author_name }} in " + WHERE, body="{{ excerpt }}", url="apps.chat.notices.url",
        description="Direct messages, and every message of a channel someone set to notify them of all.",
    ),
    PeriodicTask("chat.channels_reconcile", "chat.channels_reconcile", interval=(10, "minutes"),
                 description="Team and workplace chat channels in step with their people (tenants with Chat)."),
    PeriodicTask("chat.retention", "chat.retention", crontab={"minute": "40", "hour": "3"},
                 description="Deletes chat messages older than each tenant's retention, except under legal hold."),
    DemoStep("chat", "apps.chat.demo.demo_seed", order=75),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.chat.personal_data.person_export"))  # apps.gdpr.export

"""What the chat app adds. Channels (public, private, direct, per team and workplace), messages, threads,
reactions, attachments, read positions, moderation, retention and search.
"""

from apps.core.contributions import NotificationCategory, ScopeFamily, contribute

contribute(
    ScopeFamily("chat", "Chat: channels and messages", ("read", "write"), order=99),
    NotificationCategory("chat", "Chat", description="Mentions and direct messages.", order=79),
)  # fmt: skip

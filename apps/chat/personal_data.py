"""apps.chat's part of a person's GDPR export (hook "gdpr.person_export", declared in contributions.py;
apps.gdpr.export asks it inside each tenant schema the person belongs to and strips secret columns).

`person_export(user)` returns {section: queryset}: one query per section, no per-row query.
"""

from typing import Any

from .models import ChannelMember, Message, MessageAttachment, Reaction


def person_export(user: Any) -> dict[str, Any]:
    """Channels the person is in, messages they wrote, their reactions and uploads."""
    me = user.pk
    return {
        "channel_memberships": ChannelMember.objects.filter(user_id=me),
        "messages_authored": Message.objects.filter(author_id=me),
        "reactions": Reaction.objects.filter(user_id=me),
        "attachments_uploaded": MessageAttachment.objects.filter(uploaded_by_id=me),
    }

"""Globex's chat for the isolation matrix (tests/isolation_world.py): a channel, a message and a reply
carrying the canary, an attachment; acme's people must neither see nor act on them by id (the API, the
portal pages and the attachment downloads)."""

from importlib import import_module
from typing import Any

from django.core.files.base import ContentFile

# Read at run time: a static import would pull tests/isolation_world.py into `mypy apps`.
CANARY: str = import_module("tests.isolation_world").CANARY

SEGMENTS = {
    ("channels", "pk"): "chat_channel_id",
    ("messages", "pk"): "chat_message_id",
    ("attachments", "pk"): "chat_attachment_id",
    ("chat", "pk"): "chat_channel_id",
}


def build(world: Any) -> None:
    from apps.chat.models import Channel, ChannelMember, Message, MessageAttachment

    schema, keep, subject = world.globex.schema_name, world.keep, world.users["globex_subject"]
    channel = keep(schema, Channel.objects.create(kind="public", name=f"Channel {CANARY}", topic=CANARY))
    keep(schema, ChannelMember.objects.create(channel=channel, user=subject, role="owner"))
    message = keep(schema, Message.objects.create(channel=channel, author=subject, body=f"Hello {CANARY}"))
    keep(schema, Message.objects.create(channel=channel, author=subject, body=f"Reply {CANARY}", parent=message))
    attachment = MessageAttachment(message=message, name=f"{CANARY}.pdf", content_type="application/pdf", size=20,
                                   uploaded_by=subject)  # fmt: skip
    attachment.file.save("matrix.pdf", ContentFile(b"%PDF-1.4 " + CANARY.encode()), save=False)
    attachment.save()
    keep(schema, attachment)
    world.values["chat_channel_id"] = (channel.pk, True)
    world.values["chat_message_id"] = (message.pk, True)
    world.values["chat_attachment_id"] = (attachment.pk, True)

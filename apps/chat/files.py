"""Attachments' files leave storage with their rows. Whatever hard-deletes a message or a channel (retention,
a cascade, the shell) deletes its attachment rows; each row's file is deleted from storage once that
transaction commits (never for a rolled-back delete), so no file outlives its message. Deleting a file that
is already gone is a no-op, so a retried sweep is harmless. Legal hold is kept where deletes are decided:
retention never deletes what is held (services.retention_sweep).

The receiver only reads the deleted row (its storage and name): the delete's collector loads the batch's
attachment rows in one query, whatever the number of files.
"""

import logging
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import MessageAttachment

logger = logging.getLogger(__name__)


def file_delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # storage down: the row is gone either way; a later sweep of orphans can retry
        logger.exception("chat: the attachment file %s was not deleted from storage", name)


@receiver(post_delete, sender=MessageAttachment, dispatch_uid="chat.attachment_file_delete")
def attachment_deleted(sender: Any, instance: MessageAttachment, using: str, **kwargs: Any) -> None:
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: file_delete(storage, name), using=using)

"""Cache invalidation bridge: a saved or deleted setting is dropped from the cache at once and again
after commit (so a reader between the save and the commit cannot keep the old value cached)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import AppSetting


@receiver(post_save, sender=AppSetting)
@receiver(post_delete, sender=AppSetting)
def _setting_changed(sender: Any, instance: AppSetting, **kwargs: Any) -> None:
    from .services import setting_cache_clear

    setting_cache_clear(instance.key)
    transaction.on_commit(lambda: setting_cache_clear(instance.key))

"""What the schedule sync remembers: the timing it last wrote for each declared periodic task.

That is how it tells a timing a staff member edited in the admin (the row differs from what the sync
wrote: left alone) from a declaration that changed (the row still has what the sync wrote: updated).
"""

from django.db import models


class DeclaredSchedule(models.Model):
    name = models.CharField(max_length=200, unique=True)  # django-celery-beat's PeriodicTask.name
    timing = models.JSONField(default=dict)  # {"interval": [every, period]} or {"crontab": {...}}
    disabled_by_sync = models.BooleanField(default=False)  # no app declared it: the sync disabled the row
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

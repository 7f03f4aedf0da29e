from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "apps.backups"
    label = "backups"
    verbose_name = "Backups and retention"
    default_auto_field = "django.db.models.BigAutoField"

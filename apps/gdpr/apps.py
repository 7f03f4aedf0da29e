from django.apps import AppConfig


class GdprConfig(AppConfig):
    name = "apps.gdpr"
    label = "gdpr"
    verbose_name = "GDPR"

from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The top layer: assembles what the apps contribute (apps/core/contributions.py) into the URL
    configs, the staff dashboard, the demo data, the platform setup and the beat schedule."""

    name = "apps.backoffice"
    label = "backoffice"
    verbose_name = "Back office"

from django.apps import AppConfig


class RostersConfig(AppConfig):
    name = "apps.rosters"
    label = "rosters"
    verbose_name = "Rosters"

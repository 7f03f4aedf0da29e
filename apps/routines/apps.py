from django.apps import AppConfig


class RoutinesConfig(AppConfig):
    name = "apps.routines"
    label = "routines"
    verbose_name = "Routines"

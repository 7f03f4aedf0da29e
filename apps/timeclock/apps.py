from django.apps import AppConfig


class TimeclockConfig(AppConfig):
    name = "apps.timeclock"
    label = "timeclock"
    verbose_name = "Time clock"

from django.apps import AppConfig


class TimesheetsConfig(AppConfig):
    name = "apps.timesheets"
    label = "timesheets"
    verbose_name = "Time entries"

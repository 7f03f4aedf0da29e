from django.apps import AppConfig


class LeaveConfig(AppConfig):
    name = "apps.leave"
    label = "leave"
    verbose_name = "Leave"

from django.apps import AppConfig


class WorkplacesConfig(AppConfig):
    name = "apps.workplaces"
    label = "workplaces"
    verbose_name = "Workplaces"

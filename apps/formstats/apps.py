from django.apps import AppConfig


class FormstatsConfig(AppConfig):
    name = "apps.formstats"
    label = "formstats"
    verbose_name = "Form analytics"

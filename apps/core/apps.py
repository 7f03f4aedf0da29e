from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from . import jobs, signals  # noqa: F401  (the time-limit check; correlation ids into Celery)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings

        from . import signals  # noqa: F401  (correlation ids into Celery, task metrics, worker logging)
        from .sentry import sentry_init_from_settings

        sentry_init_from_settings(settings)  # only when SENTRY_DSN is set

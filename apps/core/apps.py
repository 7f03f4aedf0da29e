from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.checks import register

        from . import jobs, signals  # noqa: F401  (the time-limit check; correlation ids into Celery, task metrics)
        from .pooling import check_pooling, refuse_unsafe_pooling
        from .sentry import sentry_init_from_settings

        refuse_unsafe_pooling()  # before any request or task can run on a pooler that leaks schemas
        register(check_pooling)
        sentry_init_from_settings(settings)  # only when SENTRY_DSN is set

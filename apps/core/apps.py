from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.core.checks import register

        from . import signals  # noqa: F401  (bridges correlation ids into Celery)
        from .pooling import check_pooling, refuse_unsafe_pooling

        refuse_unsafe_pooling()  # before any request or task can run on a pooler that leaks schemas
        register(check_pooling)

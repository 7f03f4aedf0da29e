from django.apps import AppConfig


class SysconfigConfig(AppConfig):
    name = "apps.sysconfig"
    label = "sysconfig"
    verbose_name = "System settings"

    def ready(self) -> None:
        from . import signals  # noqa: F401
        from .readers import allauth_bridge

        allauth_bridge()

from django.apps import AppConfig


class AccessRequestsConfig(AppConfig):
    name = "apps.accessrequests"
    label = "accessrequests"
    verbose_name = "Access requests"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (subscribes to the approval events of its kind)

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The engine hears every domain event some `Notice` names (apps/notifications/subscriber.py).
        from . import subscriber  # noqa: F401

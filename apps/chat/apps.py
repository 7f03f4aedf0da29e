from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "apps.chat"
    label = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from . import files, subscribers  # noqa: F401 - register the file cleanup and the domain-event subscriber

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the domain-event subscriber
        from .models import WebhookEndpoint
        from .services import LISTENERS

        LISTENERS.invalidate_on(WebhookEndpoint)

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "apps.timeline"
    label = "timeline"
    verbose_name = "Timeline"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the domain-event subscriber

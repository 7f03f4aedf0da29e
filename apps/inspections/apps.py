from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "apps.inspections"
    label = "inspections"
    verbose_name = "Inspections"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (an offered inspection follows its claimed perform task)

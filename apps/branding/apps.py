from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "apps.branding"
    label = "branding"
    verbose_name = "Branding"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects the cache invalidation

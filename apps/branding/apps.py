from django.apps import AppConfig


class BrandingConfig(AppConfig):
    name = "apps.branding"
    label = "branding"
    verbose_name = "Branding"

    def ready(self) -> None:
        from apps.core import hooks

        from . import receivers  # noqa: F401 - connects the cache invalidation
        from .selectors import branding_for

        hooks.register("emails.branding_for_tenant", branding_for)  # every tenant email carries its branding

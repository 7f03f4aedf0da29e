from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "apps.portal"
    label = "portal"
    verbose_name = "Tenant portal"

    def ready(self) -> None:
        # Every view of the tenant urlconf (which this assembly serves) stands on a surfaces base.
        from apps.surfaces import checks  # noqa: F401

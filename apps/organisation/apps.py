from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "apps.organisation"
    label = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from apps.core import hooks

        from .personal_data import profile_anonymise, profile_ids

        hooks.register("gdpr.person_profile_ids", profile_ids)  # apps.gdpr.export
        hooks.register("gdpr.tenant_erase", profile_anonymise)  # apps.gdpr.erasure

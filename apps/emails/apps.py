from django.apps import AppConfig


class EmailsConfig(AppConfig):
    name = "apps.emails"
    label = "emails"
    verbose_name = "Emails"

    def ready(self) -> None:
        from apps.core import hooks

        from .selectors import emails_sent_by_tenant

        hooks.register("usage.emails_sent_by_tenant", emails_sent_by_tenant)  # tenancy's daily usage

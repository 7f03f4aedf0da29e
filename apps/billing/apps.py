from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "apps.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import stripe_events  # noqa: F401 - registers the Stripe push subscriber and its task

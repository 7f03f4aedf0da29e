"""Payment provider webhooks on the platform domain: /billing/webhooks/<provider>/ (apps.billing.webhooks),
one endpoint per provider with a registered receiver (a provider that has none answers 404)."""

from django.urls import path

from apps.billing.webhooks import provider_webhook

app_name = "billing-webhooks"
urlpatterns = [
    path("stripe/", provider_webhook, {"provider": "stripe"}, name="stripe"),  # the name the Stripe docs and tests use
    path("<slug:provider>/", provider_webhook, name="provider"),
]

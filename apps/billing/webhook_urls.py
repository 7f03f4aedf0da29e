"""Payment provider webhooks on the platform domain (/billing/webhooks/)."""

from django.urls import path

from apps.billing.webhooks import stripe_webhook

app_name = "billing-webhooks"
urlpatterns = [
    path("stripe/", stripe_webhook, name="stripe"),
]

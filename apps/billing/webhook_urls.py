"""Payment provider webhooks on the platform domain (/billing/webhooks/)."""

from django.urls import path  # noqa: F401

app_name = "billing-webhooks"
urlpatterns: list = []

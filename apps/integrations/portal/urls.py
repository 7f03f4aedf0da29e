"""Portal: integrator API keys of the tenant."""

from django.urls import path  # noqa: F401

app_name = "api-keys"

urlpatterns: list = []

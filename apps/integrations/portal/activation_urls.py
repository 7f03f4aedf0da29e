"""Portal pages for integration activations (the catalogue per tenant)."""

from django.urls import path  # noqa: F401

app_name = "integration-activations"
urlpatterns: list = []

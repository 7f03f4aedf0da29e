"""Tenant API: integrator API keys."""

from django.urls import path  # noqa: F401

app_name = "api-keys-api"

urlpatterns: list = []

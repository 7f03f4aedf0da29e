"""Tenant API: user access/refresh tokens (obtain, refresh, revoke)."""

from django.urls import path  # noqa: F401

app_name = "tokens-api"

urlpatterns: list = []

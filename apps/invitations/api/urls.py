"""Tenant API: invitations."""

from django.urls import path  # noqa: F401

app_name = "invitations-api"

urlpatterns: list = []

"""Tenant API: members and me."""

from django.urls import path  # noqa: F401

app_name = "members-api"

urlpatterns: list = []

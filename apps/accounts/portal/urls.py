"""Portal: members of the tenant (list, filters, change role, suspend, remove)."""

from django.urls import path  # noqa: F401

app_name = "members"

urlpatterns: list = []

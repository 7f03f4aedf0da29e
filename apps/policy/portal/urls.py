"""Portal pages (URL names used by apps/portal/navigation.py)."""

from django.urls import path  # noqa: F401

app_name = "policy"
urlpatterns: list = []

"""Tenant portal billing pages (/manage/billing/)."""

from django.urls import path  # noqa: F401

app_name = "billing"
urlpatterns: list = []

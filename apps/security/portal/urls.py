"""Portal: the signed-in user's account (profile, password, MFA, sessions)."""

from django.urls import path  # noqa: F401

app_name = "account"

urlpatterns: list = []

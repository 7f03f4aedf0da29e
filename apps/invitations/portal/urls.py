"""Portal: invitations (invite, resend, cancel) and the public accept/decline pages."""

from django.urls import path  # noqa: F401

app_name = "invitations"

urlpatterns: list = []

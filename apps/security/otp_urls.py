"""Sending a sign-in code from allauth's second-factor page, on every domain (tenant and platform)."""

from django.urls import path

from .otp_views import CodeSendView

urlpatterns = [
    path("authenticate/code/", CodeSendView.as_view(), name="mfa_code_send"),
]

"""The second-factor step of sign-in with one-time codes, on every domain (tenant and platform), tried
before allauth's own /accounts/ URLs: the same URL and name replace allauth's `mfa_authenticate`."""

from django.urls import path

from .otp_views import CodeAuthenticateView, CodeSendView

urlpatterns = [
    path("authenticate/", CodeAuthenticateView.as_view(), name="mfa_authenticate"),
    path("authenticate/code/", CodeSendView.as_view(), name="mfa_code_send"),
]

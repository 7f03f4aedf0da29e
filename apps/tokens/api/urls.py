"""Tenant API: user access/refresh tokens (obtain, refresh, revoke)."""

from django.urls import path

from . import views

app_name = "tokens-api"

urlpatterns = [
    path("token/", views.TokenObtainView.as_view(), name="obtain"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="refresh"),
    path("token/revoke/", views.TokenRevokeView.as_view(), name="revoke"),
    path("token/revoke-all/", views.TokenRevokeAllView.as_view(), name="revoke-all"),
]

"""Portal: the signed-in user's account (profile, password, MFA, sessions)."""

from django.urls import path

from . import views

app_name = "account"

urlpatterns = [
    path("", views.AccountView.as_view(), name="index"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("sessions/<int:pk>/revoke/", views.SessionRevokeView.as_view(), name="session_revoke"),
    path("sessions/logout-everywhere/", views.LogoutEverywhereView.as_view(), name="logout_everywhere"),
]

"""Portal: the signed-in user's account (profile, password, MFA, sessions)."""

from django.urls import path

from . import otp_views, views

app_name = "account"

urlpatterns = [
    path("", views.AccountView.as_view(), name="index"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("sessions/<int:pk>/revoke/", views.SessionRevokeView.as_view(), name="session_revoke"),
    path("codes/email/enable/", otp_views.EmailCodesEnableView.as_view(), name="otp_email_enable"),
    path("codes/sms/", otp_views.SmsCodesStartView.as_view(), name="otp_sms_start"),
    path("codes/sms/confirm/", otp_views.SmsCodesConfirmView.as_view(), name="otp_sms_confirm"),
    path("codes/<str:channel>/disable/", otp_views.CodesDisableView.as_view(), name="otp_disable"),
    path("sessions/logout-everywhere/", views.LogoutEverywhereView.as_view(), name="logout_everywhere"),
]

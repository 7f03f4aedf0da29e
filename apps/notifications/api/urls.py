"""Tenant API: the caller's notifications, unread count, mark read and preferences."""

from django.urls import path

from . import views

app_name = "notifications-api"

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="list"),
    path("notifications/unread-count/", views.UnreadCountView.as_view(), name="unread-count"),
    path("notifications/read/", views.MarkReadView.as_view(), name="read"),
    path("notifications/preferences/", views.PreferencesView.as_view(), name="preferences"),
]

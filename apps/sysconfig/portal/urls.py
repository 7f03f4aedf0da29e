"""Tenant portal: public platform settings (/manage/settings/). Tenant admins only."""

from django.urls import path

from . import views

app_name = "platform-settings"

urlpatterns = [path("", views.PublicSettingsView.as_view(), name="list")]

"""Portal: risky sign-ins (tenant admins)."""

from django.urls import path

from . import risk_views

app_name = "sign-in-risk"
urlpatterns = [path("", risk_views.RiskySignInsView.as_view(), name="list")]

"""Portal: the company profile, contributed by apps/onboarding/contributions.py."""

from django.urls import path

from . import views

app_name = "company"

urlpatterns = [path("", views.CompanyProfileView.as_view(), name="profile")]

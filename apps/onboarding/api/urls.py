"""The company profile in the tenant API (/api/v1/company/), contributed by apps/onboarding/contributions.py."""

from django.urls import path

from .views import CompanyProfileView

urlpatterns = [path("company/", CompanyProfileView.as_view(), name="company-profile")]

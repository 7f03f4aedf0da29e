"""Onboarding on the platform domain (/onboarding/), contributed by apps/onboarding/contributions.py."""

from django.urls import path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("company/", views.BusinessView.as_view(), name="business"),
    path("details/", views.DetailsView.as_view(), name="details"),
    path("subdomain/", views.SubdomainCheckView.as_view(), name="subdomain"),
    path("<int:pk>/progress/", views.ProgressView.as_view(), name="progress"),
    path("<int:pk>/enter/", views.EnterView.as_view(), name="enter"),
]

"""Tenant API privacy endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("privacy/consents/", views.ConsentView.as_view(), name="privacy-consents"),
    path("privacy/exports/", views.ExportView.as_view(), name="privacy-exports"),
    path("privacy/erasure-requests/", views.ErasureRequestView.as_view(), name="privacy-erasure-requests"),
]

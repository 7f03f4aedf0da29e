"""Tenant API access-request endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("access-requests/", views.AccessRequestListView.as_view(), name="access-request-list"),
    path("access-requests/<uuid:pk>/", views.AccessRequestDetailView.as_view(), name="access-request-detail"),
]

"""Tenant API timeline endpoint (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path

from . import views

urlpatterns = [path("timeline/", views.TimelineView.as_view(), name="timeline")]

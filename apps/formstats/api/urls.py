"""Tenant API of form analytics: /api/v1/reports/analytics/ (included with that prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/", views.AnalyticsView.as_view(), name="formstats-analytics"),
]

"""Tenant API of inspections (/api/v1/operations/inspections/...; included with that prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("templates/", views.TemplateListView.as_view(), name="inspections-template-list"),
    path("templates/<str:code>/", views.TemplateDetailView.as_view(), name="inspections-template-detail"),
    path("me/due/", views.MyDueView.as_view(), name="inspections-my-due"),
    path("start/", views.StartView.as_view(), name="inspections-start"),
    path("trends/", views.TrendsView.as_view(), name="inspections-trends"),
    path("results/", views.InspectionListView.as_view(), name="inspections-list"),
    path("results/<int:inspection>/", views.ResultView.as_view(), name="inspections-detail"),
    path("results/<int:inspection>/claim/", views.ClaimView.as_view(), name="inspections-claim"),
    path("results/<int:inspection>/evidence/", views.EvidenceView.as_view(), name="inspections-evidence"),
    path("results/<int:inspection>/submit/", views.SubmitView.as_view(), name="inspections-submit"),
]

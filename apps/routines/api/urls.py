"""Tenant API endpoints of routines, under /api/v1/tasks/routines/ (TenantApiUrls prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.RoutineListView.as_view(), name="tasks-routine-list"),
    path("<int:routine_id>/", views.RoutineDetailView.as_view(), name="tasks-routine-detail"),
    path("<int:routine_id>/preview/", views.RoutinePreviewView.as_view(), name="tasks-routine-preview"),
    path("<int:routine_id>/occurrence/", views.OccurrenceEditView.as_view(), name="tasks-routine-occurrence"),
    path("<int:routine_id>/split/", views.RoutineSplitView.as_view(), name="tasks-routine-split"),
    path("<int:routine_id>/pause/", views.RoutinePauseView.as_view(), name="tasks-routine-pause"),
]

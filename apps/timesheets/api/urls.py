"""Tenant API of time entries (/api/v1/tasks/time/...; included with the prefix "tasks/time/")."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/timer/", views.TimerView.as_view(), name="timesheets-timer"),
    path("me/timer/start/", views.TimerStartView.as_view(), name="timesheets-timer-start"),
    path("me/timer/stop/", views.TimerStopView.as_view(), name="timesheets-timer-stop"),
    path("entries/", views.EntryListCreateView.as_view(), name="timesheets-entry-list"),
    path("entries/<int:entry>/", views.EntryDetailView.as_view(), name="timesheets-entry-detail"),
    path("totals/", views.TotalsView.as_view(), name="timesheets-totals"),
    path("export.csv", views.ExportView.as_view(), name="timesheets-export"),
]

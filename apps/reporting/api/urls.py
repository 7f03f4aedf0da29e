"""Tenant API of reports: /api/v1/reports/ (included with that prefix, in "tenant-api"); the forms app's
endpoints share the prefix under forms/."""

from django.urls import path

from . import views

urlpatterns = [
    path("datasets/", views.DatasetListView.as_view(), name="report-datasets"),
    path("definitions/", views.DefinitionListView.as_view(), name="report-definitions"),
    path("definitions/<int:pk>/", views.DefinitionDetailView.as_view(), name="report-definition"),
    path("definitions/<int:pk>/data/", views.DefinitionDataView.as_view(), name="report-definition-data"),
    path("definitions/<int:pk>/generate/", views.DefinitionGenerateView.as_view(), name="report-generate"),
    path("schedules/", views.ScheduleListView.as_view(), name="report-schedules"),
    path("schedules/<int:pk>/", views.ScheduleDetailView.as_view(), name="report-schedule"),
    path("schedules/<int:pk>/pause/", views.SchedulePauseView.as_view(change="pause"), name="report-schedule-pause"),
    path("schedules/<int:pk>/resume/", views.SchedulePauseView.as_view(change="resume"), name="report-schedule-resume"),
    path("schedules/<int:pk>/send/", views.ScheduleSendNowView.as_view(), name="report-schedule-send-now"),
    path("runs/", views.RunListView.as_view(), name="report-runs"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="report-run"),
    path("files/<int:pk>/", views.FileView.as_view(), name="report-file"),
]

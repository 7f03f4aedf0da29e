"""Portal pages of time entries (/manage/tasks/time/)."""

from django.urls import path

from . import views

app_name = "timesheets"
urlpatterns = [
    path("", views.MyTimeView.as_view(), name="mine"),
    path("timer/start/", views.TimerStartView.as_view(), name="timer_start"),
    path("timer/stop/", views.TimerStopView.as_view(), name="timer_stop"),
    path("entries/add/", views.EntryAddView.as_view(), name="entry_add"),
    path("entries/<int:entry>/delete/", views.EntryDeleteView.as_view(), name="entry_delete"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("report/export.csv", views.ReportExportView.as_view(), name="export"),
]

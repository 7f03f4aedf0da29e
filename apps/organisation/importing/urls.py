"""Portal: bulk import of the directory (URL names used by apps/portal/navigation.py)."""

from django.urls import path

from . import views

app_name = "directory-import"

urlpatterns = [
    path("", views.DirectoryImportUploadView.as_view(), name="upload"),
    path("commit/", views.DirectoryImportCommitView.as_view(), name="commit"),
    path("report.csv", views.DirectoryImportReportView.as_view(), name="report"),
    path("sample.csv", views.DirectoryImportSampleView.as_view(), name="sample"),
]

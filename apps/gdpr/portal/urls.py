"""Portal privacy page (/manage/privacy/): any member, about themselves only."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.PrivacyView.as_view(), name="overview"),
    path("consents/", views.ConsentView.as_view(), name="consent"),
    path("export/", views.ExportRequestView.as_view(), name="export"),
    path("download/<str:token>/", views.DownloadView.as_view(), name="download"),
]

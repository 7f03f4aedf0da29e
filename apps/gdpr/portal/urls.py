"""Portal privacy pages (/manage/privacy/): any member about themselves; `requests/` the organisation's admins."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.PrivacyView.as_view(), name="overview"),
    path("consents/", views.ConsentView.as_view(), name="consent"),
    path("export/", views.ExportRequestView.as_view(), name="export"),
    path("erasure/", views.ErasureRequestView.as_view(), name="erasure"),
    path("requests/", views.TenantRequestsView.as_view(), name="requests"),
    path("download/<str:token>/", views.DownloadView.as_view(), name="download"),
]

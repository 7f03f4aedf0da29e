"""Portal pages of access requests (/manage/access-requests/)."""

from django.urls import path

from . import views

app_name = "accessrequests"
urlpatterns = [
    path("", views.AccessRequestListView.as_view(), name="list"),
    path("new/", views.AccessRequestCreateView.as_view(), name="create"),
    path("<uuid:pk>/", views.AccessRequestDetailView.as_view(), name="detail"),
    path("<uuid:pk>/cancel/", views.AccessRequestCancelView.as_view(), name="cancel"),
    path("<uuid:pk>/resubmit/", views.AccessRequestResubmitView.as_view(), name="resubmit"),
]

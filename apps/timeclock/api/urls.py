"""Tenant API of the time clock (/api/v1/attendance/...; included with the prefix "attendance/")."""

from django.urls import path

from . import views

urlpatterns = [
    path("punches/", views.PunchListCreateView.as_view(), name="attendance-punch-list"),
    path("punches/<int:punch>/review/", views.PunchReviewView.as_view(), name="attendance-punch-review"),
    path("me/punches/", views.MyPunchListView.as_view(), name="attendance-my-punches"),
    path("me/status/", views.MyStatusView.as_view(), name="attendance-my-status"),
]

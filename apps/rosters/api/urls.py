"""Tenant API endpoints of rosters, under /api/v1/attendance/ (TenantApiUrls prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("shift-types/", views.ShiftTypeListView.as_view(), name="attendance-shift-type-list"),
    path("rosters/", views.RosterListView.as_view(), name="attendance-roster-list"),
    path("rosters/<int:roster_id>/", views.RosterDetailView.as_view(), name="attendance-roster-detail"),
    path("rosters/<int:roster_id>/publish/", views.RosterPublishView.as_view(), name="attendance-roster-publish"),
    path("rosters/<int:roster_id>/shifts/", views.RosterShiftListView.as_view(), name="attendance-roster-shifts"),
    path("shifts/", views.ShiftListView.as_view(), name="attendance-shift-list"),
    path("shifts/<int:shift_id>/", views.ShiftDetailView.as_view(), name="attendance-shift-detail"),
    path("me/shifts/", views.MyShiftListView.as_view(), name="attendance-my-shifts"),
    path("me/calendar-feed/", views.MyCalendarFeedView.as_view(), name="attendance-my-calendar-feed"),
]

"""Portal pages of rosters under /manage/attendance/rosters/ (URL names used by the menu and templates)."""

from django.urls import path

from . import views

app_name = "rosters"
urlpatterns = [
    path("", views.RosterListView.as_view(), name="list"),
    path("new/", views.RosterCreateView.as_view(), name="create"),
    path("mine/", views.MyShiftsView.as_view(), name="my_shifts"),
    path("mine/calendar/rotate/", views.FeedRotateView.as_view(), name="feed_rotate"),
    path("shift-types/", views.ShiftTypesView.as_view(), name="shift_types"),
    path("shift-types/<int:shift_type_id>/", views.ShiftTypesView.as_view(), name="shift_type_edit"),
    path("rules/", views.RulesView.as_view(), name="rules"),
    path("<int:roster_id>/", views.RosterDetailView.as_view(), name="detail"),
    path("<int:roster_id>/shifts/add/", views.ShiftAddView.as_view(), name="shift_add"),
    path("<int:roster_id>/shifts/assign/", views.AssignView.as_view(), name="assign"),
    path("<int:roster_id>/shifts/pattern/", views.PatternView.as_view(), name="pattern"),
    path("<int:roster_id>/shifts/<int:shift_id>/remove/", views.ShiftRemoveView.as_view(), name="shift_remove"),
    path("<int:roster_id>/publish/", views.RosterPublishView.as_view(), name="publish"),
]

"""Portal pages of routines under /manage/tasks/routines/."""

from django.urls import path

from . import views

app_name = "routines"
urlpatterns = [
    path("", views.RoutineListView.as_view(), name="list"),
    path("<int:routine_id>/", views.RoutineDetailView.as_view(), name="detail"),
    path("<int:routine_id>/members/", views.RoutineMembersView.as_view(), name="members"),
]

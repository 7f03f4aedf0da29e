"""Portal pages of inspections (/manage/inspections/)."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.InspectionListView.as_view(), name="list"),
    path("start/", views.StartView.as_view(), name="start"),
    path("<int:inspection>/", views.InspectionDetailView.as_view(), name="detail"),
    path("<int:inspection>/perform/", views.PerformView.as_view(), name="perform"),
    path("<int:inspection>/claim/", views.ClaimView.as_view(), name="claim"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/publish/", views.TemplatePublishView.as_view(), name="template_publish"),
    path("schedules/", views.ScheduleListView.as_view(), name="schedules"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
]

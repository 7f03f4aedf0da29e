"""Portal pages of assets and maintenance (URL names used by the menu, the labels and the templates)."""

from django.urls import path

from . import views

app_name = "assets"
urlpatterns = [
    path("", views.AssetListView.as_view(), name="list"),
    path("new/", views.AssetFormView.as_view(), name="create"),
    path("labels/", views.LabelsView.as_view(), name="labels"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("scan/<str:code>/", views.AssetScanView.as_view(), name="scan"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan"),
    path("<str:key>/", views.AssetDetailView.as_view(), name="detail"),
    path("<str:key>/edit/", views.AssetFormView.as_view(), name="edit"),
    path("<str:key>/readings/", views.ReadingCreateView.as_view(), name="reading"),
    path("<str:key>/plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
]

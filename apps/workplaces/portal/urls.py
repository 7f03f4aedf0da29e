"""Portal pages of workplaces (URL names used by the menu and the templates)."""

from django.urls import path

from . import views

app_name = "workplaces"
urlpatterns = [
    path("", views.WorkplaceListView.as_view(), name="list"),
    path("tree/", views.WorkplaceTreeView.as_view(), name="tree"),
    path("new/", views.WorkplaceFormView.as_view(), name="create"),
    path("<str:key>/", views.WorkplaceDetailView.as_view(), name="detail"),
    path("<str:key>/edit/", views.WorkplaceFormView.as_view(), name="edit"),
    path("<str:key>/geofence/", views.GeofenceEditView.as_view(), name="geofence"),
    path("<str:key>/geofence/test/", views.PointTestView.as_view(), name="point_test"),
    path("<str:key>/departments/", views.DepartmentCreateView.as_view(), name="department_create"),
]

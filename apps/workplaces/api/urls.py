"""Tenant API endpoints of workplaces (included by config/urls/api_tenant.py, inside "tenant-api")."""

from django.urls import path

from . import views

KEY = "workplaces/<str:key>/"
urlpatterns = [
    path("workplaces/", views.WorkplaceListView.as_view(), name="workplace-list"),
    path(KEY, views.WorkplaceDetailView.as_view(), name="workplace-detail"),
    path(KEY + "geofence/", views.GeofenceView.as_view(), name="workplace-geofence"),
    path(KEY + "geofence/check/", views.GeofenceCheckView.as_view(), name="workplace-geofence-check"),
    path(KEY + "holidays/", views.HolidayListView.as_view(), name="workplace-holidays"),
    path(KEY + "departments/", views.DepartmentListView.as_view(), name="workplace-department-list"),
    path(KEY + "departments/<str:department>/", views.DepartmentDetailView.as_view(),
         name="workplace-department-detail"),
]  # fmt: skip

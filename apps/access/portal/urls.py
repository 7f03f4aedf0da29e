"""Portal pages (URL names used by apps/portal/navigation.py)."""

from django.urls import path

from . import views

app_name = "access"
urlpatterns = [
    path("roles/", views.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views.RoleFormView.as_view(), name="role_create"),
    path("roles/<uuid:uuid>/edit/", views.RoleFormView.as_view(), name="role_edit"),
    path("roles/<uuid:uuid>/delete/", views.RoleDeleteView.as_view(), name="role_delete"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/new/", views.AssignmentCreateView.as_view(), name="assignment_create"),
    path("assignments/<uuid:uuid>/", views.AssignmentDetailView.as_view(), name="assignment_detail"),
    path("assignments/<uuid:uuid>/revoke/", views.AssignmentRevokeView.as_view(), name="assignment_revoke"),
    path("explain/", views.ExplainView.as_view(), name="explain"),
    path("my-access/", views.MyAccessView.as_view(), name="my_access"),
]

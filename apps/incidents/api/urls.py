"""Tenant API of incidents: /api/v1/operations/incidents/ (included with that prefix, in "tenant-api")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="incident-list"),
    path("<int:pk>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("<int:pk>/transition/", views.TransitionView.as_view(), name="incident-transition"),
    path("<int:pk>/investigation/", views.InvestigationView.as_view(), name="incident-investigation"),
    path("<int:pk>/actions/", views.ActionListView.as_view(), name="incident-actions"),
    path("<int:pk>/people/", views.PersonListView.as_view(), name="incident-people"),
    path("<int:pk>/attachments/", views.AttachmentListView.as_view(), name="incident-attachments"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentFileView.as_view(), name="incident-attachment"),
    path("<int:pk>/regulator/", views.RegulatorView.as_view(), name="incident-regulator"),
]

"""Portal pages (URL names used by apps/portal/navigation.py)."""

from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.PolicyOverviewView.as_view(), name="overview"),
    path("<uuid:entity_uuid>/edit/", views.PolicyEditView.as_view(), name="edit"),
]

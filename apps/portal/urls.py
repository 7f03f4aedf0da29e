from django.urls import path

from . import handoff, views

app_name = "portal"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("handoff/<str:token>/", handoff.handoff, name="handoff"),
]

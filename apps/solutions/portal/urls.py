"""Portal pages (URL names used by apps/portal/navigation.py and apps/solutions/navigation.py)."""

from django.urls import path

from . import views

app_name = "solutions"
urlpatterns = [
    path("", views.SolutionAccessListView.as_view(), name="access_list"),
    path("grant/", views.SolutionAccessGrantView.as_view(), name="grant"),
    path("access/<int:pk>/revoke/", views.SolutionAccessRevokeView.as_view(), name="revoke"),
    path("<slug:code>/", views.SolutionHomeView.as_view(), name="solution_home"),
]

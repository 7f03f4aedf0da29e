"""Portal URLs of task dependencies (/manage/tasks/dependencies/...; the task page loads the panel)."""

from django.urls import path

from . import dependency_portal

app_name = "task-dependencies"

urlpatterns = [
    path("<int:task>/", dependency_portal.DependencyPanelView.as_view(), name="panel"),
    path("<int:task>/add/", dependency_portal.DependencyAddView.as_view(), name="add"),
    path("<int:task>/remove/<int:link>/", dependency_portal.DependencyRemoveView.as_view(), name="remove"),
]

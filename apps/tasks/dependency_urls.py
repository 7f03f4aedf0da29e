"""Tenant API of task dependencies (/api/v1/tasks/<task>/dependencies/...; included with the prefix "tasks/")."""

from django.urls import path

from . import dependency_api

urlpatterns = [
    path("<int:task>/dependencies/", dependency_api.DependencyListCreateView.as_view(), name="tasks-dependencies"),
    path(
        "<int:task>/dependencies/<int:link>/",
        dependency_api.DependencyDeleteView.as_view(),
        name="tasks-dependency-delete",
    ),
]

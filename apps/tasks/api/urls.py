"""Tenant API of tasks: /api/v1/tasks/... (included with the prefix "tasks/", docs/tasks.md)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.TaskListView.as_view(), name="task-list"),
    path("me/today/", views.MyTodayView.as_view(), name="task-my-today"),
    path("templates/", views.TemplateListView.as_view(), name="task-template-list"),
    path("templates/<int:template>/", views.TemplateDetailView.as_view(), name="task-template-detail"),
    path("<int:task>/", views.TaskDetailView.as_view(), name="task-detail"),
    path("<int:task>/claim/", views.TaskClaimView.as_view(), name="task-claim"),
    path("<int:task>/assign/", views.TaskAssignView.as_view(), name="task-assign"),
    path("<int:task>/status/", views.TaskStatusView.as_view(), name="task-status"),
    path("<int:task>/check-in/", views.TaskCheckInView.as_view(), name="task-check-in"),
    path("<int:task>/checklist/", views.ChecklistAddView.as_view(), name="task-checklist-add"),
    path("<int:task>/checklist/reorder/", views.ChecklistReorderView.as_view(), name="task-checklist-reorder"),
    path("<int:task>/checklist/<int:item>/tick/", views.ChecklistTickView.as_view(done=True), name="task-item-tick"),
    path(
        "<int:task>/checklist/<int:item>/untick/", views.ChecklistTickView.as_view(done=False), name="task-item-untick"
    ),
    path("<int:task>/attachments/", views.AttachmentUploadView.as_view(), name="task-attachments"),
    path("<int:task>/comments/", views.CommentListView.as_view(), name="task-comments"),
    path("<int:task>/watchers/", views.WatcherView.as_view(), name="task-watchers"),
]

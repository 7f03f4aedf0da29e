"""Portal pages of tasks (/manage/tasks/)."""

from django.urls import path

from . import views

app_name = "tasks"
urlpatterns = [
    path("", views.MyTasksView.as_view(), name="mine"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("board/<int:task>/move/", views.BoardMoveView.as_view(), name="move"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<int:template>/", views.TemplateEditView.as_view(), name="template_edit"),
    path("<int:task>/", views.TaskPageView.as_view(), name="task"),
    path("<int:task>/attachments/<int:attachment>/", views.AttachmentView.as_view(), name="attachment"),
]

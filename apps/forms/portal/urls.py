from django.urls import path

from . import views

app_name = "forms"

urlpatterns = [
    path("", views.TemplateListView.as_view(), name="templates"),
    path("task-templates/", views.TaskTemplatesView.as_view(), name="task_templates"),
    path("submissions/", views.SubmissionListView.as_view(), name="submissions"),
    path("submissions/drafts/", views.DraftListView.as_view(), name="drafts"),
    path("submissions/<int:pk>/", views.SubmissionView.as_view(), name="submission"),
    path("submissions/<int:pk>/files/<int:file_pk>/", views.SubmissionFileView.as_view(), name="submission_file"),
    path("<int:pk>/", views.BuilderView.as_view(), name="builder"),
    path("<int:pk>/fill/", views.FillView.as_view(), name="fill"),
    path("<int:pk>/versions/", views.VersionListView.as_view(), name="versions"),
    path("<int:pk>/versions/<int:number>/", views.VersionView.as_view(), name="version"),
]

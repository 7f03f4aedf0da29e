from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.RegisterView.as_view(), name="list"),
    path("export.csv", views.ExportView.as_view(), name="export"),
    path("report/", views.ReportView.as_view(), name="report"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/deadlines/", views.DeadlinesView.as_view(), name="deadlines"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/status/", views.TransitionView.as_view(), name="transition"),
    path("<int:pk>/investigation/", views.InvestigationView.as_view(), name="investigation"),
    path("<int:pk>/people/", views.PersonAddView.as_view(), name="person_add"),
    path("<int:pk>/people/<int:person_pk>/remove/", views.PersonRemoveView.as_view(), name="person_remove"),
    path("<int:pk>/attachments/", views.AttachmentAddView.as_view(), name="attachment_add"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.AttachmentFileView.as_view(), name="attachment"),
    path("<int:pk>/actions/", views.ActionAddView.as_view(), name="action_add"),
    path("<int:pk>/regulator/", views.RegulatorView.as_view(), name="regulator"),
]

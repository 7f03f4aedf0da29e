from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("definitions/", views.DefinitionListView.as_view(), name="definitions"),
    path("definitions/new/", views.DefinitionFormView.as_view(), name="definition_new"),
    path("definitions/<int:pk>/", views.DefinitionView.as_view(), name="definition"),
    path("definitions/<int:pk>/edit/", views.DefinitionFormView.as_view(), name="definition_edit"),
    path("definitions/<int:pk>/delete/", views.DefinitionDeleteView.as_view(), name="definition_delete"),
    path("definitions/<int:pk>/generate/", views.GenerateView.as_view(), name="generate"),
    path("schedules/", views.ScheduleListView.as_view(), name="schedules"),
    path("schedules/new/", views.ScheduleFormView.as_view(), name="schedule_new"),
    path("schedules/<int:pk>/", views.ScheduleFormView.as_view(), name="schedule_edit"),
    path("schedules/<int:pk>/pause/", views.SchedulePauseView.as_view(pause=True), name="schedule_pause"),
    path("schedules/<int:pk>/resume/", views.SchedulePauseView.as_view(pause=False), name="schedule_resume"),
    path("schedules/<int:pk>/send/", views.ScheduleSendNowView.as_view(), name="schedule_send_now"),
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("files/<int:pk>/", views.FileView.as_view(), name="file"),
    path("link/<str:token>/", views.SignedDownloadView.as_view(), name="signed_download"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
]

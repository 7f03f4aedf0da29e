"""Portal pages of attendance (/manage/attendance/; rosters and the clock have longer prefixes)."""

from django.urls import path

from . import views

app_name = "attendance"
urlpatterns = [
    path("", views.BoardView.as_view(), name="board"),
    path("records/", views.RecordListView.as_view(), name="records"),
    path("exceptions/", views.ExceptionListView.as_view(), name="exceptions"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("corrections/new/", views.CorrectionCreateView.as_view(), name="correction_create"),
    path("corrections/<str:pk>/", views.CorrectionDetailView.as_view(), name="correction"),
    path("corrections/<str:pk>/cancel/", views.CorrectionCancelView.as_view(), name="correction_cancel"),
    path("overtime/", views.OvertimeView.as_view(), name="overtime"),
    path("overtime/export.csv", views.OvertimeExportView.as_view(), name="overtime_export"),
    path("overtime/rules/", views.OvertimeRuleView.as_view(), name="overtime_rules"),
    path("overtime/<int:pk>/submit/", views.OvertimeSubmitView.as_view(), name="overtime_submit"),
]

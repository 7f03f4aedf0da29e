"""Tenant API endpoints of attendance, under /api/v1/attendance/ (TenantApiUrls prefix)."""

from django.urls import path

from . import views

urlpatterns = [
    path("me/records/", views.MyRecordListView.as_view(), name="attendance-my-records"),
    path("records/", views.RecordListView.as_view(), name="attendance-records"),
    path("board/", views.BoardView.as_view(), name="attendance-board"),
    path("exceptions/", views.ExceptionListView.as_view(), name="attendance-exceptions"),
    path("corrections/", views.CorrectionListView.as_view(), name="attendance-corrections"),
    path("corrections/<str:pk>/", views.CorrectionDetailView.as_view(), name="attendance-correction"),
    path("corrections/<str:pk>/cancel/", views.CorrectionCancelView.as_view(), name="attendance-correction-cancel"),
    path("overtime/", views.OvertimeListView.as_view(), name="attendance-overtime"),
    path("overtime/totals/", views.OvertimeTotalsView.as_view(), name="attendance-overtime-totals"),
    path("overtime/export.csv", views.OvertimeExportView.as_view(), name="attendance-overtime-export"),
    path("overtime/<int:pk>/submit/", views.OvertimeSubmitView.as_view(), name="attendance-overtime-submit"),
    path("overtime-rules/", views.OvertimeRuleListView.as_view(), name="attendance-overtime-rules"),
]

"""Portal: notifications (/manage/notifications/): every member's inbox and preferences; the tenant
admins' defaults, templates and failed deliveries."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("read/", views.MarkReadView.as_view(), name="read"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("settings/", views.TenantDefaultsView.as_view(), name="settings"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/edit/", views.TemplateEditView.as_view(), name="template-edit"),
    path("templates/preview/", views.TemplatePreviewView.as_view(), name="template-preview"),
    path("templates/revert/", views.TemplateRevertView.as_view(), name="template-revert"),
    path("failed/", views.FailedDeliveriesView.as_view(), name="failed"),
    path("failed/retry/", views.RetryView.as_view(), name="retry"),
]

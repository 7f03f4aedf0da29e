"""Portal pages of approvals (/manage/approvals/). `approvals:detail` (kwarg `uuid`) is the page the
engine's notices link to."""

from django.urls import path

from . import views, workflows

app_name = "approvals"
urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("bulk-approve/", views.BulkApproveView.as_view(), name="bulk_approve"),
    path("mine/", views.MyRequestsView.as_view(), name="mine"),
    path("delegations/", views.DelegationListView.as_view(), name="delegations"),
    path("delegations/<uuid:uuid>/revoke/", views.DelegationRevokeView.as_view(), name="delegation_revoke"),
    path("workflows/", workflows.WorkflowListView.as_view(), name="workflows"),
    path("workflows/new/", workflows.WorkflowEditView.as_view(), name="workflow_create"),
    path("workflows/preview/", workflows.WorkflowPreviewView.as_view(), name="workflow_preview"),
    path("workflows/<uuid:uuid>/", workflows.WorkflowEditView.as_view(), name="workflow_edit"),
    path("<uuid:uuid>/", views.RequestDetailView.as_view(), name="detail"),
    *[
        path(f"<uuid:uuid>/{action}/", views.RequestActionView.as_view(action=action), name=action)
        for action in views.ACTIONS
    ],
]

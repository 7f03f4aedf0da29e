"""Tenant API approvals endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path

from . import views

R = "approvals/requests/<uuid:uuid>/"

urlpatterns = [
    path("approvals/inbox/", views.InboxView.as_view(), name="approvals-inbox"),
    path("approvals/requests/", views.MyRequestsView.as_view(), name="approvals-requests"),
    path(R, views.RequestDetailView.as_view(), name="approvals-request"),
    path(f"{R}approve/", views.ApproveView.as_view(), name="approvals-approve"),
    path(f"{R}reject/", views.RejectView.as_view(), name="approvals-reject"),
    path(f"{R}return/", views.ReturnView.as_view(), name="approvals-return"),
    path(f"{R}cancel/", views.CancelView.as_view(), name="approvals-cancel"),
    path(f"{R}comment/", views.CommentView.as_view(), name="approvals-comment"),
    path("approvals/bulk-approve/", views.BulkApproveView.as_view(), name="approvals-bulk-approve"),
    path("approvals/delegations/", views.DelegationsView.as_view(), name="approvals-delegations"),
]

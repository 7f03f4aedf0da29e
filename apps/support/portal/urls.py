"""Tenant portal support pages (/manage/support/). Tenant admins only."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.TicketListView.as_view(), name="list"),
    path("new/", views.TicketOpenView.as_view(), name="open"),
    path("<str:number>/", views.TicketDetailView.as_view(), name="detail"),
    path("<str:number>/reply/", views.TicketReplyView.as_view(), name="reply"),
    path("<str:number>/close/", views.TicketCloseView.as_view(), name="close"),
    path("<str:number>/attachments/<int:attachment_id>/", views.AttachmentView.as_view(), name="attachment"),
]

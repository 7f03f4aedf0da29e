"""Tenant API: invitations (manage: tenant admins; answer: the invitee, with the emailed token)."""

from django.urls import path

from .views import InvitationAnswerViewSet, InvitationViewSet

app_name = "invitations-api"

invitations = InvitationViewSet.as_view({"get": "list", "post": "create"})
invitation = InvitationViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("invitations/", invitations, name="invitation-list"),
    path("invitations/<int:pk>/", invitation, name="invitation-detail"),
    path("invitations/<int:pk>/resend/", InvitationViewSet.as_view({"post": "resend"}), name="invitation-resend"),
    path("invitations/<int:pk>/cancel/", InvitationViewSet.as_view({"post": "cancel"}), name="invitation-cancel"),
    path("invitations/accept/", InvitationAnswerViewSet.as_view({"post": "accept"}), name="invitation-accept"),
    path("invitations/decline/", InvitationAnswerViewSet.as_view({"post": "decline"}), name="invitation-decline"),
]

"""Portal: invitations (invite, resend, cancel) and the public accept/decline pages."""

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("", views.InvitationListView.as_view(), name="list"),
    path("new/", views.InvitationCreateView.as_view(), name="create"),
    path("<int:pk>/resend/", views.InvitationResendView.as_view(), name="resend"),
    path("<int:pk>/cancel/", views.InvitationCancelView.as_view(), name="cancel"),
    # The invitee's pages: no sign-in needed to open them.
    path("accept/<str:token>/", views.InvitationAcceptView.as_view(), name="accept"),
    path("decline/<str:token>/", views.InvitationDeclineView.as_view(), name="decline"),
]

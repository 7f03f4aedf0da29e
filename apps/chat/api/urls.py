"""Tenant API of chat: /api/v1/chat/ (included with that prefix, in "tenant-api")."""

from django.urls import path

from . import views

urlpatterns = [
    path("channels/", views.ChannelListView.as_view(), name="chat-channels"),
    path("channels/joinable/", views.ChannelJoinableView.as_view(), name="chat-channels-joinable"),
    path("channels/<int:pk>/", views.ChannelDetailView.as_view(), name="chat-channel"),
    path("channels/<int:pk>/archive/", views.ChannelArchiveView.as_view(), name="chat-channel-archive"),
    path("channels/<int:pk>/join/", views.ChannelJoinView.as_view(), name="chat-channel-join"),
    path("channels/<int:pk>/leave/", views.ChannelLeaveView.as_view(), name="chat-channel-leave"),
    path("channels/<int:pk>/members/", views.MemberListView.as_view(), name="chat-members"),
    path("channels/<int:pk>/members/<str:user>/", views.MemberDetailView.as_view(), name="chat-member"),
    path("channels/<int:pk>/messages/", views.MessageListView.as_view(), name="chat-messages"),
    path("channels/<int:pk>/read/", views.ReadView.as_view(), name="chat-read"),
    path("channels/<int:pk>/typing/", views.TypingView.as_view(), name="chat-typing"),
    path("direct/", views.DirectView.as_view(), name="chat-direct"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="chat-message"),
    path("messages/<int:pk>/replies/", views.RepliesView.as_view(), name="chat-replies"),
    path("messages/<int:pk>/revisions/", views.RevisionsView.as_view(), name="chat-revisions"),
    path("messages/<int:pk>/reactions/", views.ReactionView.as_view(), name="chat-reactions"),
    path("unread/", views.UnreadView.as_view(), name="chat-unread"),
    path("search/", views.SearchView.as_view(), name="chat-search"),
    path("attachments/<int:pk>/", views.AttachmentFileView.as_view(), name="chat-attachment"),
    path("settings/", views.SettingsView.as_view(), name="chat-settings"),
    path("analytics/", views.AnalyticsView.as_view(), name="chat-analytics"),
]

from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("new/", views.NewChannelView.as_view(), name="new"),
    path("new/synced/", views.SyncedChannelView.as_view(), name="new_synced"),
    path("direct/", views.DirectView.as_view(), name="direct"),
    path("browse/", views.BrowseView.as_view(), name="browse"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("admin/settings/", views.AdminSettingsView.as_view(), name="admin_settings"),
    path("admin/analytics/", views.AnalyticsView.as_view(), name="analytics"),
    path("attachments/<int:pk>/", views.AttachmentView.as_view(), name="attachment"),
    path("messages/<int:pk>/thread/", views.ThreadView.as_view(), name="thread"),
    path("messages/<int:pk>/revisions/", views.RevisionsView.as_view(), name="revisions"),
    path("messages/<int:pk>/<slug:action>/", views.MessageActionView.as_view(), name="message_action"),
    path("<int:pk>/", views.ChannelView.as_view(), name="channel"),
    path("<int:pk>/messages/", views.MessagesView.as_view(), name="messages"),
    path("<int:pk>/mentions/", views.MentionsView.as_view(), name="mentions"),
    path("<int:pk>/settings/", views.ChannelSettingsView.as_view(), name="settings"),
    path("<int:pk>/members/<slug:action>/", views.MembersActionView.as_view(), name="members_action"),
    path("<int:pk>/<slug:action>/", views.ChannelActionView.as_view(), name="channel_action"),
]

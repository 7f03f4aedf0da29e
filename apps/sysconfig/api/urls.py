from django.urls import path

from .views import PublicSettingListView

urlpatterns = [path("settings/", PublicSettingListView.as_view(), name="settings")]

"""Portal activity page (/manage/activity/). Tenant admins only."""

from django.urls import path

from .views import ActivityView

app_name = "timeline"

urlpatterns = [path("", ActivityView.as_view(), name="activity")]

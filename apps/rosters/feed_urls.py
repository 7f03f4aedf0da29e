"""The calendar feed's address on tenant domains (PortalUrls "calendar/")."""

from django.urls import path

from . import feed

app_name = "rosters_feed"
urlpatterns = [path("shifts/<str:token>.ics", feed.shifts_feed, name="shifts")]

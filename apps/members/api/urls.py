"""Tenant API: members and me."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import MemberViewSet, MeView

app_name = "members-api"

router = SimpleRouter()
router.register("members", MemberViewSet, basename="member")

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]

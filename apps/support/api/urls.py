"""Tenant API support endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("support/tickets", views.TicketViewSet, basename="support-ticket")

urlpatterns = [
    path(
        "support/tickets/<str:number>/messages/", views.TicketMessageListView.as_view(), name="support-ticket-messages"
    ),
    *router.urls,
]

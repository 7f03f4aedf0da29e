"""Tenant API billing endpoints (included at /api/v1/, inside the "tenant-api" namespace)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("billing/invoices", views.InvoiceViewSet, basename="billing-invoice")

urlpatterns = [
    path("billing/plans/", views.PlanListView.as_view(), name="billing-plans"),
    path("billing/subscription/", views.SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/subscription/preview/", views.SubscriptionPreviewView.as_view(), name="billing-subscription-preview"),
    path("billing/subscription/change/", views.SubscriptionChangeView.as_view(), name="billing-subscription-change"),
    *router.urls,
]

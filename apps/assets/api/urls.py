"""Tenant API of assets and maintenance (/api/v1/operations/...; included with the prefix "operations/")."""

from django.urls import path

from . import views

urlpatterns = [
    path("asset-categories/", views.CategoryListView.as_view(), name="operations-category-list"),
    path("assets/", views.AssetListView.as_view(), name="operations-asset-list"),
    path("assets/scan/<str:code>/", views.AssetScanView.as_view(), name="operations-asset-scan"),
    path("assets/<str:key>/", views.AssetDetailView.as_view(), name="operations-asset-detail"),
    path("assets/<str:key>/readings/", views.ReadingListView.as_view(), name="operations-asset-readings"),
    path("maintenance-plans/", views.PlanListView.as_view(), name="operations-plan-list"),
    path("maintenance-plans/<int:plan>/", views.PlanDetailView.as_view(), name="operations-plan-detail"),
    path("maintenance-plans/<int:plan>/upcoming/", views.PlanUpcomingView.as_view(), name="operations-plan-upcoming"),
    path("work-orders/", views.WorkOrderListView.as_view(), name="operations-work-order-list"),
]

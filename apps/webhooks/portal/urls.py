"""Tenant portal webhook pages (/manage/webhooks/). Tenant admins only."""

from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.EndpointListView.as_view(), name="list"),
    path("new/", views.EndpointCreateView.as_view(), name="create"),
    path("<uuid:uuid>/", views.EndpointDetailView.as_view(), name="detail"),
    path("<uuid:uuid>/edit/", views.EndpointEditView.as_view(), name="edit"),
    path("<uuid:uuid>/rotate/", views.SecretRotateView.as_view(), name="rotate"),
    path("<uuid:uuid>/test/", views.EndpointTestView.as_view(), name="test"),
    path("<uuid:uuid>/disable/", views.EndpointDisableView.as_view(), name="disable"),
    path("<uuid:uuid>/enable/", views.EndpointEnableView.as_view(), name="enable"),
    path("<uuid:uuid>/delete/", views.EndpointDeleteView.as_view(), name="delete"),
    path("deliveries/<uuid:uuid>/", views.DeliveryDetailView.as_view(), name="delivery"),
    path("deliveries/<uuid:uuid>/replay/", views.DeliveryReplayView.as_view(), name="delivery-replay"),
]

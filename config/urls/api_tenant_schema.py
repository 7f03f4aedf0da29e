"""The tenant API's own URL space, so its OpenAPI document lists only tenant endpoints."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("config.urls.api_tenant"))]

"""Portal: integrator API keys of the tenant."""

from django.urls import path

from . import views

app_name = "api-keys"

urlpatterns = [
    path("", views.ApiKeyListView.as_view(), name="list"),
    path("new/", views.ApiKeyCreateView.as_view(), name="create"),
    path("<int:pk>/revoke/", views.ApiKeyRevokeView.as_view(), name="revoke"),
]

"""Portal pages for integration activations (the catalogue per tenant)."""

from django.urls import path

from . import activation_views as views

app_name = "integration-activations"
urlpatterns = [
    path("", views.IntegrationActivationListView.as_view(), name="list"),
    path("<slug:code>/", views.IntegrationActivationDetailView.as_view(), name="detail"),
    path("<slug:code>/activate/", views.IntegrationSaveView.as_view(), name="activate"),
    path("<slug:code>/configure/", views.IntegrationConfigureView.as_view(), name="configure"),
    path("<slug:code>/deactivate/", views.IntegrationDeactivateView.as_view(), name="deactivate"),
]

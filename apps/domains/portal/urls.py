"""Portal: the tenant's domains."""

from django.urls import path

from . import views

app_name = "tenant-domains"

urlpatterns = [
    path("", views.DomainListView.as_view(), name="list"),
    path("<int:pk>/check/", views.DomainCheckView.as_view(), name="check"),
    path("<int:pk>/check-certificate/", views.DomainTlsCheckView.as_view(), name="check-tls"),
    path("<int:pk>/make-primary/", views.DomainMakePrimaryView.as_view(), name="make-primary"),
    path("<int:pk>/remove/", views.DomainRemoveView.as_view(), name="remove"),
]

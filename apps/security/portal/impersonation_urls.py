"""Portal: the impersonation banner's action (URL names: impersonation:end)."""

from django.urls import path

from . import impersonation_views

app_name = "impersonation"

urlpatterns = [path("end/", impersonation_views.impersonation_end, name="end")]

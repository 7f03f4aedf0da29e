"""/signup/ on the platform domain: allauth's signup view (its form is ACCOUNT_FORMS["signup"], its
rate limit ACCOUNT_RATE_LIMITS["signup"]; closed when the adapter's is_open_for_signup says so)."""

from allauth.account.views import SignupView
from django.urls import path

urlpatterns = [path("", SignupView.as_view(), name="signup")]

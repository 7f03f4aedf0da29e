"""URLs of a tenant's domain: the tenant admin portal and the tenant API."""

from django.urls import include, path
from django.views.generic import RedirectView

from apps.core.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(url="/manage/", permanent=False)),
    path("manage/", include("apps.portal.urls")),
    path("manage/members/", include("apps.accounts.portal.urls")),
    path("manage/invitations/", include("apps.invitations.portal.urls")),
    path("manage/account/", include("apps.security.portal.urls")),
    path("manage/api-keys/", include("apps.integrations.portal.urls")),
    path("manage/domains/", include("apps.tenancy.portal.urls")),  # issue 4: custom domains
    path("manage/organisation/import/", include("apps.organisation.importing.urls")),
    path("manage/organisation/", include("apps.organisation.portal.urls")),
    path("manage/access/", include("apps.access.portal.urls")),
    path("manage/solutions/", include("apps.solutions.portal.urls")),
    path("manage/integrations/", include("apps.integrations.portal.activation_urls")),
    path("manage/security-policy/", include("apps.policy.portal.urls")),
    path("manage/branding/", include("apps.branding.portal.urls")),
    path("manage/billing/", include("apps.billing.portal.urls")),
    path("manage/webhooks/", include("apps.webhooks.portal.urls")),
    path("manage/activity/", include("apps.timeline.portal_urls")),
    path("manage/support/", include("apps.support.portal.urls")),
    path("manage/settings/", include("apps.sysconfig.portal.urls")),  # issue 7: public platform settings
    path("manage/privacy/", include("apps.gdpr.portal.urls")),  # issue 7: GDPR consents and exports
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.urls.api_tenant")),
    path("healthz", healthz, name="healthz"),
]

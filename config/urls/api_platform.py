"""Platform API (/api/ on the platform domain): staff and operator endpoints, as the apps contribute
them (`PlatformApiUrls`: tenancy's v1/ tenants, provisioning jobs, plans and the first tenants/)."""

from apps.backoffice.urls import platform_api_patterns

app_name = "platform-api"

urlpatterns = platform_api_patterns()

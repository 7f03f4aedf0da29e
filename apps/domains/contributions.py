"""What domains adds: the custom domain pages, the current-tenant endpoint and its tenant scope."""

from apps.core.contributions import MenuEntry, PortalUrls, ScopeFamily, TenantApiUrls, contribute

contribute(
    PortalUrls("manage/domains/", "apps.domains.portal.urls", order=60),
    MenuEntry("Domains", "tenant-domains:list", admin_only=True, order=200, group="Organisation"),
    TenantApiUrls("apps.domains.api.urls", order=5),
    ScopeFamily("tenant", "Organisation details", ("read",), order=10),
)

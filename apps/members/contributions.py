"""What members adds: the member pages and API, and the members scope they are read with."""

from apps.core.contributions import MenuEntry, PortalHomeBlock, PortalUrls, ScopeFamily, TenantApiUrls, contribute

contribute(
    PortalUrls("manage/members/", "apps.members.portal.urls", order=20),
    MenuEntry("Members", "members:list", admin_only=True, order=90, group="Access"),
    PortalHomeBlock("seats", "portal/home/seats.html", "apps.members.portal.home.home_context", order=30),
    TenantApiUrls("apps.members.api.urls", order=10),
    ScopeFamily("members", "Members", ("read", "write"), order=20),
)

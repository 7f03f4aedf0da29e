"""What invitations adds: pages, API, scope and the expiry sweep."""

from apps.core.contributions import (
    MenuEntry,
    PeriodicTask,
    PortalHomeBlock,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    contribute,
)

contribute(
    PortalUrls("manage/invitations/", "apps.invitations.portal.urls", order=30),
    MenuEntry("Invitations", "invitations:list", admin_only=True, order=100, group="Access"),
    PortalHomeBlock("invitations", "portal/home/invitations.html", "apps.invitations.portal.home.home_context", 20),
    TenantApiUrls("apps.invitations.api.urls", order=20),
    ScopeFamily("invitations", "Invitations", ("read", "write"), order=30),
    PeriodicTask(
        "invitations.expire_due", "invitations.expire_due", interval=(15, "minutes"),
        description="Mark pending invitations past their expiry as expired.",
    ),
)  # fmt: skip

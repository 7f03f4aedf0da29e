"""What the portal adds: its own pages (dashboard) and the Overview menu entry."""

from apps.core.contributions import MenuEntry, PortalUrls, contribute

contribute(
    PortalUrls("manage/", "apps.portal.urls", order=10),
    MenuEntry("Overview", "portal:dashboard", order=10, group=""),
)

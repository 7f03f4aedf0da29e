"""What sysconfig adds: the public platform settings (portal and API)."""

from apps.core.contributions import MenuEntry, PortalUrls, TenantApiUrls, contribute

contribute(
    PortalUrls("manage/settings/", "apps.sysconfig.portal.urls", order=180),
    MenuEntry("Platform settings", "platform-settings:list", admin_only=True, order=190, group="Developers"),
    TenantApiUrls("apps.sysconfig.api.urls", order=120),
)

"""What branding adds: the branding pages."""

from apps.core.contributions import MenuEntry, PortalUrls, contribute

contribute(
    PortalUrls("manage/branding/", "apps.branding.portal.urls", order=130),
    MenuEntry("Branding", "branding:edit", admin_only=True, order=140),
)

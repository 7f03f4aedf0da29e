"""What branding adds: the branding pages, and the branding every tenant email carries."""

from apps.core.contributions import Hook, MenuEntry, PortalUrls, contribute

contribute(
    PortalUrls("manage/branding/", "apps.branding.portal.urls", order=130),
    MenuEntry("Branding", "branding:edit", admin_only=True, order=140, group="Organisation"),
    Hook("emails.branding_for_tenant", "apps.branding.selectors.branding_for"),  # apps.emails.services
)

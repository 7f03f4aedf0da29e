"""What the timeline adds: the activity pages (portal and staff), its API, and the sources over the
kernel's tables (audit, sign-ins, provisioning, tenant and membership history). Other apps declare
the sources of their own tables."""

from apps.core.contributions import MenuEntry, PlatformUrls, PortalUrls, TenantApiUrls, TimelineSource, contribute

contribute(
    PortalUrls("manage/activity/", "apps.timeline.portal_urls", order=160),
    MenuEntry("Activity", "timeline:activity", admin_only=True, order=170, group="Organisation"),
    TenantApiUrls("apps.timeline.api.urls", order=100),
    PlatformUrls("admin/timeline/", "apps.timeline.admin_urls", order=10),  # before admin/ (platform.py)
    TimelineSource("apps.timeline.sources.AuditSource", order=10),
    TimelineSource("apps.timeline.sources.AuthSource", order=20),
    TimelineSource("apps.timeline.sources.ProvisioningSource", order=30),
    TimelineSource("apps.timeline.sources.TenantHistorySource", order=100),
    TimelineSource("apps.timeline.sources.MembershipHistorySource", order=110),
)

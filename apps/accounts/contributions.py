"""What accounts adds: member pages and API, the members scope, the member.joined event."""

from apps.core.contributions import MenuEntry, PortalUrls, ScopeFamily, TenantApiUrls, WebhookEventType, contribute

contribute(
    PortalUrls("manage/members/", "apps.accounts.portal.urls", order=20),
    MenuEntry("Members", "members:list", admin_only=True, order=90),
    TenantApiUrls("apps.accounts.api.urls", order=10),
    ScopeFamily("members", "Members", ("read", "write"), order=20),
    WebhookEventType("member.joined", "A person joined the organisation.", order=90),
)

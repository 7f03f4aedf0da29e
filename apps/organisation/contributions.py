"""What organisation adds: entity and people pages (and the directory import), API, scope, history, and
the person profiles GDPR exports and erases."""

from apps.core.contributions import (
    Hook,
    MenuEntry,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    # The import pages come first: "manage/organisation/import/" must win over "manage/organisation/".
    PortalUrls("manage/organisation/import/", "apps.organisation.importing.urls", order=70),
    PortalUrls("manage/organisation/", "apps.organisation.portal.urls", order=80),
    MenuEntry("Organisation", "organisation:entity_list", order=20, group="Organisation"),
    MenuEntry("People", "organisation:people_list", order=30, group="Organisation"),
    MenuEntry("Import directory", "directory-import:upload", admin_only=True, order=40, group="Organisation"),
    TenantApiUrls("apps.organisation.api.urls", order=50),
    # Which endpoints a key may call; which objects it then sees is decided by the role
    # assignments given to the key (apps.access): a key with no assignment sees no entity or person.
    ScopeFamily("organisation", "Entities and people", ("read", "write"), order=50),
    TimelineSource(tenant_schema_history("organisation.HistoricalEntity"), order=120),
    TimelineSource(tenant_schema_history("organisation.HistoricalMemberProfile"), order=121),
    Hook("gdpr.person_profile_ids", "apps.organisation.personal_data.profile_ids"),  # apps.gdpr.export
    Hook("gdpr.tenant_erase", "apps.organisation.personal_data.profile_anonymise"),  # apps.gdpr.erasure
    Hook("gdpr.person_export", "apps.organisation.personal_data.person_export"),  # apps.gdpr.export
)

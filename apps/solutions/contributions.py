"""What solutions adds: solution access pages, API, scope and history. (The menu entries of the
solutions a person may use come from apps.solutions.navigation, per request.)"""

from apps.core.contributions import Hook, MenuEntry, PortalUrls, ScopeFamily, TenantApiUrls, TimelineSource, contribute
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/solutions/", "apps.solutions.portal.urls", order=100),
    MenuEntry("Solution access", "solutions:access_list", admin_only=True, order=80, group="Workforce"),
    TenantApiUrls("apps.solutions.api.urls", order=70),
    ScopeFamily("solutions", "Solution access", ("read", "write"), order=70),
    TimelineSource(tenant_schema_history("solutions.HistoricalSolutionAccess"), order=170),
)

contribute(Hook("gdpr.person_export", "apps.solutions.personal_data.person_export"))  # apps.gdpr.export

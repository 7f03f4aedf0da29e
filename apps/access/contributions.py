"""What access adds: role and assignment pages, API, scope, history, the assignment sweep, and its
answers to the hooks the organisation asks (implemented in apps/access/organisation_hooks.py)."""

from apps.core.contributions import (
    Hook,
    MenuEntry,
    PeriodicTask,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    TimelineSource,
    contribute,
)
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/access/", "apps.access.portal.urls", order=90),
    MenuEntry("Roles", "access:role_list", order=50, group="Access"),
    MenuEntry("Assignments", "access:assignment_list", order=60, group="Access"),
    MenuEntry("My access", "access:my_access", order=70, group="Access"),
    TenantApiUrls("apps.access.api.urls", order=60),
    ScopeFamily("access", "Roles and assignments", ("read", "write"), order=60),
    TimelineSource(tenant_schema_history("access.HistoricalRole"), order=130),
    TimelineSource(tenant_schema_history("access.HistoricalRoleAssignment"), order=131),
    PeriodicTask(
        "access.sweep_assignments", "access.sweep_assignments", interval=(1, "minutes"),
        description="Start role assignments that are due and expire those past valid_until, in every tenant.",
    ),
    Hook("organisation.permission_resolver", "apps.access.organisation_hooks.permission_resolver"),
    Hook("organisation.import_assignments", "apps.access.organisation_hooks.import_assignments"),
)  # fmt: skip

contribute(Hook("gdpr.person_export", "apps.access.personal_data.person_export"))  # apps.gdpr.export

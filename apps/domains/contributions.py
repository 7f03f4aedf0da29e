"""What domains adds: the custom domain pages, the current-tenant endpoint and its tenant scope, and the
TLS check of custom domains (apps/domains/tls.py)."""

from apps.core.contributions import (
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    contribute,
)

contribute(
    PortalUrls("manage/domains/", "apps.domains.portal.urls", order=60),
    MenuEntry("Domains", "tenant-domains:list", admin_only=True, order=200, group="Organisation"),
    TenantApiUrls("apps.domains.api.urls", order=5),
    ScopeFamily("tenant", "Organisation details", ("read",), order=10),
    NotificationCategory(
        "domains", "Domains and certificates", order=60,
        description="A custom domain's HTTPS certificate is failing or about to expire.",
    ),
    Notice(
        "domain.certificate_problem", "domains", "apps.domains.notices.the_tenant_admins",
        url="apps.domains.notices.domains_url",
        description="The certificate check found a custom domain's certificate failing or expiring.",
        title="{{ domain }}: {{ status_display|lower }}",
        body="The HTTPS certificate of {{ domain }} is {% if status == 'expiring' %}about to expire"
             "{% if expires_display %} ({{ expires_display }}){% endif %} and was not renewed{% else %}"
             "not working: {{ error }}{% endif %}.\n\nCheck that the domain's DNS still points at NIDIA Flow "
             "(its CNAME, or A/AAAA records) and that no CAA record forbids our certificate authority, then "
             "use \"Check certificate\" on the domains page.",
    ),
    PeriodicTask(
        "domains.check_tls", "domains.check_tls", interval=(6, "hours"),
        description="Connect to each verified custom domain and record its certificate: issued, expiring or failing.",
    ),
)  # fmt: skip

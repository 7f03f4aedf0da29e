"""What gdpr adds: consent, export and erasure pages and API, the organisation's requests page, the
overdue check, the notices of a request's receipt and outcome, demo consents."""

from apps.core.contributions import (
    DemoStep,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalUrls,
    TenantApiUrls,
    contribute,
)

N = "apps.gdpr.notices"

contribute(
    PortalUrls("manage/privacy/", "apps.gdpr.portal.urls", order=190),
    MenuEntry("Privacy", "privacy:overview", order=210, group="Billing and account"),
    MenuEntry("Privacy requests", "privacy:requests", admin_only=True, order=211, group="Billing and account"),
    TenantApiUrls("apps.gdpr.api.urls", order=130),
    PeriodicTask(
        "gdpr.flag_overdue", "gdpr.flag_overdue", crontab={"minute": "0", "hour": "6"},
        description="Flag GDPR requests still open past their due date (one UPDATE).",
    ),
    DemoStep("gdpr", "apps.gdpr.demo.demo_seed", order=40),
    # A data-subject request is answered by law: its receipt and outcome cannot be switched off.
    NotificationCategory("privacy", "Privacy requests", critical=True, order=45,
                         description="Your data export and erasure requests: received, completed, rejected."),
    Notice("gdpr.request_received", "privacy", f"{N}.person", url=f"{N}.privacy_url",
           title="[{{ number }}] We received your {{ kind_label|lower }} request",
           body="We received your request {{ number }} ({{ kind_label|lower }}). We answer by {{ due_date }} "
                "at the latest and will tell you when it is done.",
           description="A GDPR request was registered, to the person it is about."),
    Notice("gdpr.request_received", "privacy", f"{N}.tenant_admins_of_erasure", url=f"{N}.requests_url",
           title="[{{ number }}] Erasure requested, due {{ due_date }}",
           body="A person of your organisation asked for the erasure of their data ({{ number }}). The platform "
                "must complete it by {{ due_date }}; follow it on the privacy requests page.",
           description="A member asked for erasure through the organisation's portal or API, to its admins."),
    Notice("gdpr.request_completed", "privacy", f"{N}.person", url=f"{N}.privacy_url",
           title="[{{ number }}] Your {{ kind_label|lower }} request is complete",
           body="{% if kind == 'erasure' %}Your personal data has been erased ({{ number }}). Your account is "
                "closed; invoices and the record of this request are kept as the law requires, without your "
                "name or address.{% else %}Your request {{ number }} ({{ kind_label|lower }}) is complete."
                "{% if kind == 'access' %} Download your data from your privacy page within 7 days.{% endif %}"
                "{% endif %}",
           description="A GDPR request was completed, to the person (after an erasure, by email to the "
                       "address they had)."),
    Notice("gdpr.request_rejected", "privacy", f"{N}.person", url=f"{N}.privacy_url",
           title="[{{ number }}] Your {{ kind_label|lower }} request was declined",
           body="Your request {{ number }} ({{ kind_label|lower }}) was declined: {{ reason }}",
           description="A GDPR request was rejected (e.g. a legal hold), to the person, with the reason."),
)  # fmt: skip

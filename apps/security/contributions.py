"""What security adds: the person's own account pages, the impersonation banner's "end" action, the
session cleanup, the security alerts each person gets (a sign-in from a new device or place, password
changed), the tenant admins' risky sign-ins page and the staff dashboard's sign-in risk trend."""

from apps.core.contributions import (
    DashboardBlock,
    DemoStep,
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PlatformUrls,
    PortalUrls,
    contribute,
)

contribute(
    PortalUrls("manage/account/", "apps.security.portal.urls", order=40),
    PortalUrls("manage/impersonation/", "apps.security.portal.impersonation_urls", order=41),
    # Sign-in's second-factor step with codes by email or SMS (replaces allauth's page on every domain).
    PortalUrls("accounts/2fa/", "apps.security.otp_urls", order=42),
    PlatformUrls("accounts/2fa/", "apps.security.otp_urls", order=42),
    MenuEntry("My account", "account:index", order=220, group="Billing and account"),
    PeriodicTask(
        "security.cleanup_expired_sessions", "security.cleanup_expired_sessions", interval=(1, "hours"),
        description="Delete expired Django sessions and close tracked sessions past their expiry.",
    ),
    NotificationCategory(
        "security", "Security alerts", critical=True, order=10,
        description="Sign-ins from a new device and password changes: always sent, so you can act if it was not you.",
    ),
    # Risk-based sign-in (apps/security/risk.py): a sign-in from a new device or place, or one refused.
    Notice(
        "security.new_sign_in", "security", "apps.security.notices.the_person",
        url="apps.security.notices.account_url",
        description="A sign-in from a new device or place (or refused for its risk), with its risk score.",
        title="{% if outcome == 'refused' %}Sign-in refused{% else %}New sign-in{% endif %}: {{ device }}",
        body="{% if outcome == 'refused' %}A sign-in to your account was refused{% else %}Your account signed in"
             "{% endif %} from {{ device }} in {{ location }}{% if ip_address %} ({{ ip_address }}){% endif %} on "
             "{{ at_display }}. Risk {{ score }}/100{% if reasons %}: {{ reasons }}{% endif %}.\n\n"
             "If this was you, there is nothing to do. If not, change your password now "
             "and end the sessions you do not recognise on your account page.",
    ),
    PortalUrls("manage/sign-in-risk/", "apps.security.portal.risk_urls", order=43),
    # The demo people signed in before from a demo device: a real browser on `make run` is a new device.
    DemoStep("security: earlier sign-in devices", "apps.security.demo.demo_seed", order=30),
    MenuEntry("Risky sign-ins", "sign-in-risk:list", admin_only=True, order=135, group="Access"),
    DashboardBlock(
        "sign_in_risk", "security/dashboard/sign_in_risk.html", context="apps.security.dashboard.sign_in_risk_block",
        order=60,
    ),
    Notice(
        "security.password_changed", "security", "apps.security.notices.the_person",
        url="apps.security.notices.account_url", description="The person's password was changed, set or reset.",
        title="Your password was {% if how == 'reset' %}reset{% elif how == 'set' %}set{% else %}changed{% endif %}",
        body="The password of your account was {% if how == 'reset' %}reset through the emailed link"
             "{% elif how == 'set_by_staff' %}set by the platform's support staff{% elif how == 'set' %}set"
             "{% else %}changed{% endif %} on {{ at_display }}. Every other session was signed out.\n\n"
             "If this was not you, reset your password at once and contact support.",
    ),
)  # fmt: skip

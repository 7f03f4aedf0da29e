"""What security adds: the person's own account pages, the impersonation banner's "end" action, the
session cleanup, and the security alerts each person gets (a new device signed in, password changed)."""

from apps.core.contributions import (
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
    Notice(
        "security.new_device_sign_in", "security", "apps.security.notices.the_person",
        url="apps.security.notices.account_url", description="A sign-in from a device the person never used.",
        title="New sign-in: {{ device }}",
        body="Your account signed in from {{ device }}{% if ip_address %} ({{ ip_address }}){% endif %} on "
             "{{ at_display }}.\n\nIf this was you, there is nothing to do. If not, change your password now "
             "and end the sessions you do not recognise on your account page.",
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

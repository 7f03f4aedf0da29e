"""What policy adds: the security policy pages and their history, and its answers to the hooks that
security and tokens ask (implemented in apps/policy/hooks.py)."""

from apps.core.contributions import Hook, MenuEntry, PortalUrls, TimelineSource, contribute
from apps.timeline.sources import tenant_schema_history

contribute(
    PortalUrls("manage/security-policy/", "apps.policy.portal.urls", order=120),
    MenuEntry("Security policy", "policy:overview", order=130, group="Access"),
    TimelineSource(tenant_schema_history("policy.HistoricalSecurityPolicy"), order=150),
    Hook("security.web_login_refused", "apps.policy.hooks.web_login_check"),  # apps.security.adapters
    Hook("security.mfa_required_anywhere", "apps.policy.hooks.mfa_required_anywhere"),  # apps.security.selectors
    Hook("security.mfa_required_in_tenant", "apps.policy.hooks.mfa_required_in_tenant"),  # apps.security.selectors
    Hook("security.impersonation_refusal", "apps.policy.hooks.impersonation_refusal"),  # apps.security.impersonation
    Hook("security.otp_channels_allowed", "apps.policy.hooks.otp_channels_allowed"),  # apps.security.otp_selectors
    Hook("tokens.login_refusal", "apps.policy.hooks.token_login_refusal"),  # apps.tokens.services
    Hook("security.sign_in_risk_thresholds", "apps.policy.hooks.sign_in_risk_thresholds"),  # apps.security.risk
    Hook("tokens.bearer_request_check", "apps.policy.hooks.bearer_request_check"),  # apps.tokens.authentication
)

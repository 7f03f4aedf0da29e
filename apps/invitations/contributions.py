"""What invitations adds: pages, API, scope, the expiry sweep, and what people are told (the invitee
gets the invitation by email; tenant admins hear that someone joined)."""

from apps.core.contributions import (
    MenuEntry,
    Notice,
    NotificationCategory,
    PeriodicTask,
    PortalHomeBlock,
    PortalUrls,
    ScopeFamily,
    TenantApiUrls,
    contribute,
)

INVITATION_BODY = """Hello,

{% if inviter %}{{ inviter }} has invited you{% else %}You are invited{% endif %} to join \
{{ tenant_name }} as {{ role }}.

Accept the invitation:
{{ accept_url }}

The link works until {{ expires_at_display }} UTC and only once.

Not interested? Decline it:
{{ decline_url }}

If you did not expect this email, you can ignore it."""

contribute(
    PortalUrls("manage/invitations/", "apps.invitations.portal.urls", order=30),
    MenuEntry("Invitations", "invitations:list", admin_only=True, order=100, group="Access"),
    PortalHomeBlock("invitations", "portal/home/invitations.html", "apps.invitations.portal.home.home_context", 20),
    TenantApiUrls("apps.invitations.api.urls", order=20),
    ScopeFamily("invitations", "Invitations", ("read", "write"), order=30),
    PeriodicTask(
        "invitations.expire_due", "invitations.expire_due", interval=(15, "minutes"),
        description="Mark pending invitations past their expiry as expired.",
    ),
    NotificationCategory(
        "invitations", "Invitations and new members", order=30,
        description="Invitations to join (to the invitee's address) and people joining the organisation.",
    ),
    # The invitee has no account yet: an address recipient, email only, so no preference can hold it back.
    Notice(
        "invitation.sent", "invitations", "apps.invitations.notices.invitee",
        title="You are invited to join {{ tenant_name }}", body=INVITATION_BODY,
        channels=("email",), description="The invitation, with its accept and decline links, to the invitee.",
    ),
    Notice(
        "member.joined", "invitations", "apps.invitations.notices.admins_but_the_newcomer",
        title="{{ email }} joined {{ tenant.name }}",
        body="{{ email }} joined {{ tenant.name }} as {{ role }}.",
        url="apps.invitations.notices.members_url", description="Tenant admins hear that someone joined.",
    ),
)  # fmt: skip

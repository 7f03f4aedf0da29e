"""Reads on invitations, always scoped to one tenant."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Invitation, InvitationStatus, invitation_token_hash


def invitation_for_token(*, token: str, tenant: Any) -> Invitation | None:
    """The tenant's invitation for a raw token (looked up by its hash), or None."""
    if not token or tenant is None:
        return None
    return (
        Invitation.objects.select_related("tenant", "invited_by")
        .filter(token_hash=invitation_token_hash(token), tenant=tenant)
        .first()
    )


def invitations_for_tenant(*, tenant: Any, status: str = "", search: str = "") -> QuerySet[Invitation]:
    """The tenant's invitations, newest first. `status` filters by what the invitee would see:
    a pending invitation past its expiry counts as expired before the sweep marks it."""
    invitations = Invitation.objects.filter(tenant=tenant).select_related("invited_by")
    now = timezone.now()
    if status == InvitationStatus.PENDING:
        invitations = invitations.filter(status=status, expires_at__gt=now)
    elif status == InvitationStatus.EXPIRED:
        invitations = invitations.filter(Q(status=status) | Q(status=InvitationStatus.PENDING, expires_at__lte=now))
    elif status:
        invitations = invitations.filter(status=status)
    if search:
        invitations = invitations.filter(email__icontains=search.strip())
    return invitations


def invitation_get_for_tenant(*, tenant: Any, pk: Any) -> Invitation:
    """One invitation of this tenant; the same 404 for "not yours" and "missing"."""
    invitation = Invitation.objects.select_related("tenant", "invited_by").filter(tenant=tenant, pk=pk).first()
    if invitation is None:
        raise Http404("No such invitation in this organisation.")
    return invitation

"""Who may use chat: the plan's `chat` solution, through solution access (portal, API and sockets alike).

A person sees the channels they belong to (and public ones, to join them); an API key with the `chat`
scope sees public channels only, never private channels or direct conversations. Anything else is a 404
like a missing channel. Tenant admins set the organisation's chat rules and read its analytics.
"""

from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts.access import MembershipRefused, is_tenant_admin
from apps.solutions.access import HasSolutionAccess, SolutionRequiredMixin
from apps.solutions.selectors import solution_allowed
from apps.surfaces.api import TenantAccess

from .models import Channel, ChannelKind, ChannelMember, Message, MessageAttachment

SOLUTION = "chat"
API_PERMISSIONS = [TenantAccess, HasSolutionAccess]


class ChatPortalMixin(SolutionRequiredMixin):
    solution_code = SOLUTION


def is_service(user: Any) -> bool:
    return bool(getattr(user, "is_service_principal", False))


def may_chat(user: Any, tenant: Any) -> bool:
    """For sockets, which have no view to carry the permission: the plan has Chat and the person may use it."""
    return solution_allowed(user, tenant, SOLUTION)


def _id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def channel_for(user: Any, pk: Any, *, joinable: bool = False) -> Channel:
    """A channel the caller belongs to (or, with `joinable`, a public one), else the same 404 as a missing one."""
    number = _id(pk)
    found = None
    if number is not None:
        rows = Channel.objects.select_related("team", "workplace")
        if is_service(user):
            found = rows.filter(pk=number, kind=ChannelKind.PUBLIC).first()
        else:
            found = rows.filter(pk=number).first()
            if found is not None and not ChannelMember.objects.filter(channel=found, user=user).exists():
                found = found if joinable and found.kind == ChannelKind.PUBLIC else None
    if found is None:
        raise Http404("No such channel.")
    return found


def message_for(user: Any, pk: Any) -> Message:
    number = _id(pk)
    found = Message.objects.select_related("channel", "author").filter(pk=number).first() if number else None
    if found is None:
        raise Http404("No such message.")
    channel_for(user, found.channel_id)
    return found


def attachment_for(user: Any, pk: Any) -> MessageAttachment:
    number = _id(pk)
    found = MessageAttachment.objects.select_related("message").filter(pk=number).first() if number else None
    if found is None or found.message.deleted_at is not None:
        raise Http404("No such attachment.")
    channel_for(user, found.message.channel_id)
    return found


def admin_require(request: HttpRequest) -> None:
    if not (is_service(request.user) or is_tenant_admin(request)):
        raise MembershipRefused("Only the organisation's administrators do this.", code="admin_required")


def person_require(request: HttpRequest) -> None:
    """What only a person does (read positions, reactions, direct conversations): not an API key."""
    if is_service(request.user):
        raise MembershipRefused("Only people do this; an API key cannot.", code="person_required")

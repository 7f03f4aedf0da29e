"""Portal: "End impersonation", the banner's button (apps/security/impersonation.py)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from apps.security.impersonation import impersonation_end_here
from apps.security.models import ImpersonationSession
from apps.surfaces.portal import tenant_portal_view


@require_POST
@tenant_portal_view("member")
def impersonation_end(request: HttpRequest) -> HttpResponse:
    """Ends this browser's impersonation, signs it out and returns to the staff admin (nothing to do
    for a member's own session: back to the portal)."""
    return impersonation_end_here(request, ImpersonationSession.EndReason.ENDED_BY_STAFF)

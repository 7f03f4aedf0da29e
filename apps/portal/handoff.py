"""The tenant-domain end of a sign-in hand-off (apps/accounts/handoff.py): sign the browser in.

Public: the link itself is the credential (one-time, two minutes, bound to this tenant). A refused
link shows the 403 page with the reason; nothing is signed in.
"""

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.handoff import HANDOFF_SESSION_KEY, HandoffRefused, handoff_redeem
from apps.surfaces.portal import tenant_portal_view


@never_cache
@require_GET
@tenant_portal_view("public")
def handoff(request: HttpRequest, token: str) -> HttpResponse:
    try:
        item = handoff_redeem(token=token, tenant=request.tenant)  # type: ignore[attr-defined]
    except HandoffRefused as exc:
        return render(request, "403.html", {"exception": str(exc)}, status=403)
    login(request, item.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[HANDOFF_SESSION_KEY] = {"purpose": item.purpose, "id": item.pk, **item.payload}
    return HttpResponseRedirect(item.next_path)

"""Portal: the signed-in person's own privacy page — consents, export requests and downloads."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from apps.surfaces.portal import TenantPortalView

from ..models import ConsentPurpose, GdprRequest, GdprRequestKind
from ..services import consent_latest, consent_set, gdpr_request_create
from ..views import export_file_response, export_from_token, export_link_token

OVERVIEW = "privacy:overview"


def privacy_context(request: HttpRequest) -> dict[str, Any]:
    latest = consent_latest(user=request.user)
    consents = [
        {"purpose": value, "label": label, "record": latest.get(value)} for value, label in ConsentPurpose.choices
    ]
    requests = list(GdprRequest.objects.filter(subject_id=request.user.pk).order_by("-requested_at")[:20])
    for item in requests:
        item.download_url = (  # type: ignore[attr-defined]
            reverse("privacy:download", args=[export_link_token(item)]) if item.download_ready else ""
        )
    return {"consents": consents, "requests": requests}


class PrivacyView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "portal/gdpr/privacy.html", privacy_context(request))


class ConsentView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        purpose, decision = request.POST.get("purpose", ""), request.POST.get("decision", "")
        if decision not in ("grant", "withdraw"):
            messages.error(request, "Choose to grant or to withdraw.")
            return HttpResponseRedirect(reverse(OVERVIEW))
        try:
            consent_set(
                user=request.user, purpose=purpose, granted=decision == "grant", source="portal",
                acting_user=request.user, tenant=request.tenant,  # type: ignore[attr-defined]
                evidence={"form": "portal privacy page", "path": request.path},
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Your choice was recorded.")
        return HttpResponseRedirect(reverse(OVERVIEW))


class ExportRequestView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            created = gdpr_request_create(subject=request.user, kind=GdprRequestKind.ACCESS, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Export {created.number} requested: it will be ready here shortly.")
        return HttpResponseRedirect(reverse(OVERVIEW))


class DownloadView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest, token: str) -> HttpResponseBase:
        return export_file_response(export_from_token(token, user_id=request.user.pk))

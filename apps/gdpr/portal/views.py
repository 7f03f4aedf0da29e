"""Portal: the signed-in person's own privacy page — consents, export and erasure requests, downloads —
and, for the organisation's admins, the requests of their people (/manage/privacy/requests/)."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.surfaces.portal import TenantPortalView

from ..models import OPEN_STATUSES, ConsentPurpose, GdprRequest, GdprRequestKind, GdprRequestStatus
from ..services import consent_latest, consent_set, gdpr_erasure_self_request, gdpr_request_create, tenant_requests
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
    open_erasure = next((r for r in requests if r.kind == GdprRequestKind.ERASURE and r.is_open), None)
    return {
        "consents": consents,
        "requests": requests,
        "open_erasure": open_erasure,
        "has_password": request.user.has_usable_password(),  # type: ignore[union-attr]
    }


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


class ErasureRequestView(TenantPortalView):
    """POST: the person asks for the erasure of their own data, confirming with the checkbox and their
    password. Only about themselves: a form naming anyone else (a `subject` or `email` field that is
    not theirs) is refused with 403 and nothing is registered."""

    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        user: Any = request.user
        named = (request.POST.get("subject") or "").strip(), (request.POST.get("email") or "").strip()
        if (named[0] and named[0] != str(user.pk)) or (named[1] and named[1].lower() != user.email.lower()):
            raise PermissionDenied("You can ask for the erasure of your own data only.")
        try:
            created = gdpr_erasure_self_request(
                user=user, tenant=request.tenant, source="portal",  # type: ignore[attr-defined]
                password=request.POST.get("password", ""), confirmed=request.POST.get("confirm") == "yes",
                acting_user=user,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"Erasure {created.number} requested. It will be completed by {created.due_at:%Y-%m-%d}; "
                "we will email you when it is done.",
            )
        return HttpResponseRedirect(reverse(OVERVIEW))


DUE_CHOICES = [("", "Any"), ("open", "Open"), ("overdue", "Overdue"), ("week", "Due within 7 days")]


class RequestFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *GdprRequestKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *GdprRequestStatus.choices], required=False)
    due = forms.ChoiceField(choices=DUE_CHOICES, required=False, label="Due")

    def apply(self, queryset: Any) -> Any:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        now = timezone.now()
        if data.get("due") in ("open", "overdue", "week"):
            queryset = queryset.filter(status__in=OPEN_STATUSES)
        if data.get("due") == "overdue":
            queryset = queryset.filter(due_at__lt=now)
        elif data.get("due") == "week":
            queryset = queryset.filter(due_at__gte=now, due_at__lt=now + timedelta(days=7))
        return queryset


class TenantRequestsView(TenantPortalView):
    """The organisation's admins: the GDPR requests of their people (asked through this organisation, or
    about one of its members), with the deadline; overdue ones highlighted. Read-only: staff act."""

    tenant_access = "admin"
    page_size = 100

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RequestFilterForm(request.GET or None)
        rows = form.apply(tenant_requests(request.tenant))  # type: ignore[attr-defined]
        rows = list(rows.select_related("subject").order_by("due_at", "id")[: self.page_size + 1])
        context = {
            "form": form,
            "rows": rows[: self.page_size],
            "more": len(rows) > self.page_size,
            "now": timezone.now(),
        }
        return render(request, "portal/gdpr/requests.html", context)

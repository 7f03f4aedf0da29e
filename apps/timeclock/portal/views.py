"""The clock page (/manage/attendance/clock/): clock yourself in and out from the browser (source "web",
with the browser's position when it gives one); managers and tenant admins record kiosk punches for
their people (source "kiosk"); the review queue of flagged punches and the recent punches list."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership, User
from apps.surfaces.portal import TenantPortalView
from apps.timeclock.access import TimeclockAccessMixin, team_user_ids, visible_user_ids
from apps.timeclock.models import Punch, PunchSource
from apps.timeclock.selectors import OPEN_KINDS, previous_punch, punch_list
from apps.timeclock.services import PunchRefused, punch_record, punch_review
from apps.workplaces.models import Workplace

from .forms import KioskPunchForm, PunchFilterForm, ReviewForm, SelfPunchForm

LIST_SIZE = 50


def people_for(request: HttpRequest) -> list[User]:
    """Whom the caller may punch for at a kiosk: everyone active (admins) or their direct reports."""
    ids = visible_user_ids(request)
    members = Membership.objects.filter(tenant=request.tenant, status=Membership.Status.ACTIVE)  # type: ignore[attr-defined]
    if ids is not None:
        members = members.filter(user_id__in=ids)
    return list(User.objects.filter(pk__in=members.values("user_id")).order_by("full_name", "email")[:2000])


class ClockView(TimeclockAccessMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        ids = visible_user_ids(request)
        sees_others = ids is None or bool(ids)
        filters = PunchFilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        person = str(data["person"]) if data.get("person") else ""
        scope = ids if sees_others else [request.user.pk]
        punches = punch_list(user_ids=scope, user=person, workplace=data.get("workplace") or "",
                             flagged=data.get("flagged")).select_related("user").order_by("-at", "-id")  # fmt: skip
        queue = punch_list(user_ids=scope, needs_review=True).select_related("user").order_by("-at", "-id")
        last = previous_punch(user=request.user)
        context = {
            "last": last, "is_in": last is not None and last.kind in OPEN_KINDS,
            "sites": Workplace.objects.active().sites().order_by("name"),
            "self_form": SelfPunchForm(initial={"client_id": uuid.uuid4()}),
            "kiosk_form": KioskPunchForm(initial={"client_id": uuid.uuid4()}) if sees_others else None,
            "people": people_for(request) if sees_others else [],
            "filters": filters, "punches": punches[:LIST_SIZE], "queue": queue[:LIST_SIZE],
            "is_admin": is_tenant_admin(request), "sees_others": sees_others,
        }  # fmt: skip
        return render(request, "timeclock/clock.html", context)


def _back(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("timeclock:clock"))


def _record(request: HttpRequest, **kwargs: Any) -> None:
    try:
        punch, created = punch_record(device_at=timezone.now(), actor=request.user, **kwargs)
    except PunchRefused as exc:
        messages.error(request, exc.message)
        return
    verdict = punch.get_verdict_display().lower()
    flagged = f" Flagged: {', '.join(punch.flags)}." if punch.flags else ""
    done = "Recorded" if created else "Already recorded"
    messages.success(request, f"{done}: {punch.get_kind_display().lower()} at {punch.workplace} ({verdict}).{flagged}")


class SelfPunchView(TimeclockAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = SelfPunchForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The punch form was incomplete; try again.")
            return _back(request)
        data = form.cleaned_data
        _record(request, user=request.user, client_id=data["client_id"], kind=data["kind"], lat=data["lat"],
                lng=data["lng"], accuracy_m=data["accuracy_m"], source=PunchSource.WEB,
                workplace=data["workplace"], access_checked=True)  # fmt: skip
        return _back(request)


class KioskPunchView(TimeclockAccessMixin, TenantPortalView):
    def post(self, request: HttpRequest) -> HttpResponse:
        form = KioskPunchForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Pick a person, a site and what to record.")
            return _back(request)
        data = form.cleaned_data
        ids = visible_user_ids(request)
        if ids is not None and data["person"] not in ids:
            raise PermissionDenied("You may record punches for your direct reports only.")
        person = User.objects.filter(pk=data["person"], memberships__tenant=request.tenant,  # type: ignore[attr-defined]
                                     memberships__status=Membership.Status.ACTIVE).first()  # fmt: skip
        if person is None:
            raise Http404("No such member in this organisation.")
        _record(request, user=person, client_id=data["client_id"], kind=data["kind"], source=PunchSource.KIOSK,
                workplace=data["workplace"], note=data["note"])  # fmt: skip
        return _back(request)


class PunchReviewView(TimeclockAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, punch: int) -> HttpResponse:
        found = Punch.objects.filter(pk=punch).first()
        if found is None:
            raise Http404("No such punch in this organisation.")
        form = ReviewForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        punch_review(punch=found, actor=request.user, note=note)
        messages.success(request, "Marked reviewed.")
        return _back(request)


__all__ = ["ClockView", "KioskPunchView", "PunchReviewView", "SelfPunchView", "team_user_ids"]

"""Portal pages of leave (/manage/leave/): my balances, projection, request form and requests; the team
calendar; for tenant admins, types, policies and balances with adjustments and each person's ledger."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import User
from apps.leave import services
from apps.leave.access import LeaveAdminPortalMixin, LeavePortalMixin, request_get_for, visible_user_ids
from apps.leave.models import LeavePolicy, LeaveRequest, LeaveType
from apps.leave.selectors import balances_for, ledger_for, month_bounds, team_calendar, working_minutes
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView

from .forms import AdjustForm, CancelForm, LeavePolicyForm, LeaveTypeForm, ProjectionForm, RequestForm


def _home_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    projection = ProjectionForm(request.GET or None)
    on = projection.cleaned_data["on"] if projection.is_valid() else None
    user_id: Any = request.user.pk
    return {
        "balances": balances_for(user=request.user, on=on),
        "on": on,
        "projection_form": projection,
        "requests": LeaveRequest.objects.filter(user_id=user_id).select_related("leave_type")[:50],
        "form": extra.pop("form", None) or RequestForm(),
        "is_admin": is_tenant_admin(request),
        **extra,
    }


class HomeView(LeavePortalMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "leave/home.html", _home_context(request))


class RequestView(LeavePortalMixin, TenantPortalView):
    """Submit leave; "check" only counts the working days and shows them (nothing is written)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RequestForm(request.POST, request.FILES)
        counted = None
        if form.is_valid():
            data = dict(form.cleaned_data)  # a refusal's errors take fields out of cleaned_data
            end = data["end_date"] or data["start_date"]
            if "check" in request.POST:
                if end >= data["start_date"] and (end - data["start_date"]).days < 366:
                    per_day, _ = working_minutes(user=request.user, start=data["start_date"], end=end)
                    counted = {"days": sum(1 for m in per_day.values() if m), "minutes": sum(per_day.values())}
            else:
                try:
                    services.leave_request_submit(
                        user=request.user,
                        leave_type=data["leave_type"],
                        start_date=data["start_date"],
                        end_date=end,
                        start_half=data["start_half"],
                        end_half=data["end_half"],
                        start_time=data["start_time"],
                        end_time=data["end_time"],
                        reason=data["reason"],
                        attachment=data["attachment"],
                        acting_user=request.user,
                    )
                except ValidationError as exc:
                    apply_errors(form, exc, {"start_date": "start_date", "leave_type": "leave_type"})
                    per_day, _ = working_minutes(
                        user=request.user, start=data["start_date"], end=max(end, data["start_date"])
                    )
                    counted = {"days": sum(1 for m in per_day.values() if m), "minutes": sum(per_day.values())}
                else:
                    messages.success(request, "Your leave request was sent for approval.")
                    return HttpResponseRedirect(reverse("leave:home"))
        return render(request, "leave/home.html", _home_context(request, form=form, counted=counted), status=200)


class CancelView(LeavePortalMixin, TenantPortalView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        found = request_get_for(request, pk, own=True)
        form = CancelForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError("Give a valid date.", code="invalid_range")
            services.leave_request_cancel(
                leave_request=found, acting_user=request.user, from_date=form.cleaned_data["from_date"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "The request was cancelled.")
        return HttpResponseRedirect(reverse("leave:home"))


class CalendarView(LeavePortalMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
        try:
            start, end = month_bounds(month)
        except ValueError:
            start, end = month_bounds(timezone.localdate().strftime("%Y-%m"))
        days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
        rows = team_calendar(start=start, end=end, user_ids=visible_user_ids(request))
        grid = [(row, [row.days.get(day.isoformat()) for day in days]) for row in rows]
        previous = (start - datetime.timedelta(days=1)).strftime("%Y-%m")
        following = (end + datetime.timedelta(days=1)).strftime("%Y-%m")
        return render(
            request,
            "leave/calendar.html",
            {"days": days, "grid": grid, "start": start, "previous": previous, "following": following},
        )


class TypesView(LeaveAdminPortalMixin, TenantPortalView):
    def _page(self, request: HttpRequest, form: LeaveTypeForm, status: int = 200) -> HttpResponse:
        return render(request, "leave/types.html", {"types": LeaveType.objects.all(), "form": form}, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, LeaveTypeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LeaveTypeForm(request.POST)
        if form.is_valid():
            try:
                services.leave_type_save(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, "Leave type saved.")
                return HttpResponseRedirect(reverse("leave:types"))
        return self._page(request, form)


class PoliciesView(LeaveAdminPortalMixin, TenantPortalView):
    def _page(self, request: HttpRequest, form: LeavePolicyForm) -> HttpResponse:
        policies = LeavePolicy.objects.select_related("leave_type").prefetch_related("assignments__entity")
        return render(request, "leave/policies.html", {"policies": policies, "form": form})

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, LeavePolicyForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LeavePolicyForm(request.POST)
        if form.is_valid():
            try:
                services.leave_policy_save(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, "Policy saved.")
                return HttpResponseRedirect(reverse("leave:policies"))
        return self._page(request, form)


def _member(request: HttpRequest, user_id: Any) -> User:
    try:
        person = User.objects.filter(pk=user_id, memberships__tenant=request.tenant).first()  # type: ignore[attr-defined]
    except (ValueError, ValidationError):
        person = None
    if person is None:
        raise Http404("No such person in this organisation.")
    return person


class LedgerView(LeaveAdminPortalMixin, TenantPortalView):
    """A person's balances and ledger, with the manual adjustment form (reason required, audited)."""

    def _page(self, request: HttpRequest, person: User, form: AdjustForm) -> HttpResponse:
        return render(
            request,
            "leave/ledger.html",
            {
                "person": person,
                "form": form,
                "balances": balances_for(user=person),
                "entries": ledger_for(user=person)[:200],
            },
        )

    def get(self, request: HttpRequest, user: str) -> HttpResponse:
        return self._page(request, _member(request, user), AdjustForm())

    def post(self, request: HttpRequest, user: str) -> HttpResponse:
        person = _member(request, user)
        form = AdjustForm(request.POST)
        if form.is_valid():
            try:
                services.balance_adjust(
                    user=person,
                    leave_type=form.cleaned_data["leave_type"],
                    minutes=form.cleaned_data["minutes"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Balance adjusted.")
                return HttpResponseRedirect(reverse("leave:ledger", args=[person.pk]))
        return self._page(request, person, form)


class BalancesView(LeaveAdminPortalMixin, TenantPortalView):
    def get(self, request: HttpRequest) -> HttpResponse:
        people = User.objects.filter(
            memberships__tenant=request.tenant,  # type: ignore[attr-defined]
            memberships__status="active",
        ).order_by("full_name", "email")[:500]
        return render(request, "leave/balances.html", {"people": people})

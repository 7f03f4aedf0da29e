"""Portal pages of rosters (/manage/attendance/rosters/): managers and tenant admins who may use the
`attendance` solution list rosters, read the calendar, add, assign, repeat and remove shifts and
publish; tenant admins keep the shift types and rules; every member with access has "My shifts"."""

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.accounts.models import Membership
from apps.organisation.portal.forms import apply_errors
from apps.rosters import services
from apps.rosters.access import RostersAccessMixin, scope_of
from apps.rosters.models import RosterRules, Shift, ShiftType
from apps.rosters.rules import rules_for
from apps.rosters.selectors import roster_get, roster_list, shift_list
from apps.surfaces.portal import TenantPortalView
from apps.workplaces.models import Workplace

from .calendar import grid
from .forms import AssignForm, PatternForm, RosterFilterForm, RosterForm, RulesForm, ShiftAddForm, ShiftTypeForm

PAGE = 50


def people_choices(request: HttpRequest) -> list[tuple[str, str]]:
    """Whom the caller may roster: admins every active member, managers their direct reports."""
    scope = scope_of(request)
    members = Membership.objects.filter(tenant=request.tenant, status=Membership.Status.ACTIVE).select_related("user")  # type: ignore[attr-defined]
    if not scope.is_admin:
        members = members.filter(user_id__in=scope.reports)
    pairs = [(str(m.user_id), m.user.full_name or m.user.email) for m in members]
    return sorted(pairs, key=lambda pair: pair[1].lower())


def _users(request: HttpRequest, ids: list[str]) -> list[Any]:
    allowed = dict(people_choices(request))
    members = Membership.objects.filter(tenant=request.tenant, user_id__in=[i for i in ids if i in allowed])  # type: ignore[attr-defined]
    found = {str(m.user_id): m.user for m in members.select_related("user")}
    return [found[i] for i in ids if i in found]


class RosterListView(RostersAccessMixin, TenantPortalView):
    tenant_access = "member"
    manages = True

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RosterFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        workplace = data.get("workplace")
        rosters = roster_list(
            workplace=workplace.code if workplace else "",
            status=data.get("status", ""),
            on_or_after=data.get("start"),
            on_or_before=data.get("end"),
        )
        return render(
            request,
            "rosters/list.html",
            {
                "rosters": rosters[:PAGE],
                "filter_form": form,
                "create_form": RosterForm(),
                "is_admin": scope_of(request).is_admin,
            },
        )


class RosterCreateView(RostersAccessMixin, TenantPortalView):
    tenant_access = "member"
    manages = True

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RosterForm(request.POST)
        if form.is_valid():
            try:
                roster = services.roster_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, f"The roster {roster.name} was created.")
                return HttpResponseRedirect(reverse("rosters:detail", args=[roster.pk]))
        return render(
            request,
            "rosters/list.html",
            {
                "rosters": roster_list()[:PAGE],
                "filter_form": RosterFilterForm(),
                "create_form": form,
                "is_admin": scope_of(request).is_admin,
            },
            status=400,
        )


class RosterDetailView(RostersAccessMixin, TenantPortalView):
    """The calendar (week or month, by person or by workplace) and the forms that change the roster."""

    tenant_access = "member"
    manages = True

    def get(self, request: HttpRequest, roster_id: int) -> HttpResponse:
        return self.render_page(roster_get(roster_id))

    def render_page(self, roster: Any, status: int = 200, **forms_: Any) -> HttpResponse:
        request, people = self.request, people_choices(self.request)
        anchor = parse_date(request.GET.get("start", "")) or max(
            roster.start_date, min(timezone.localdate(), roster.end_date)
        )
        until = f"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL={roster.end_date:%Y%m%d}"
        context = {
            "roster": roster,
            "people": people,
            "grid": grid(
                roster, view=request.GET.get("view", "week"), by=request.GET.get("by", "person"), anchor=anchor
            ),
            "add_form": forms_.get("add_form") or ShiftAddForm(people=people, initial={"day": anchor}),
            "assign_form": forms_.get("assign_form")
            or AssignForm(people=people, initial={"from_day": roster.start_date, "to_day": roster.end_date}),
            "pattern_form": forms_.get("pattern_form") or PatternForm(people=people, initial={"rrule": until}),
            "drafts": roster.shifts.filter(status="draft").count(),
            "flagged": shift_list(roster=roster).exclude(flags=[])[:50],
        }
        return render(request, "rosters/detail.html", context, status=status)


class RosterChangeView(RosterDetailView):
    """POST targets of the detail page: each validates its form, calls one service and redirects, or
    shows the page again with the form's errors (nothing written)."""

    form_class: Any = None
    form_name = ""

    def post(self, request: HttpRequest, roster_id: int) -> HttpResponse:
        roster = roster_get(roster_id)
        form = self.form_class(request.POST, people=people_choices(request))
        if form.is_valid():
            try:
                done = self.perform(roster, form)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, done)
                return HttpResponseRedirect(reverse("rosters:detail", args=[roster.pk]) + f"?start={self.anchor(form)}")
        return self.render_page(roster, status=400, **{self.form_name: form})

    def anchor(self, form: Any) -> str:
        return ""

    def perform(self, roster: Any, form: Any) -> str:
        raise NotImplementedError


class ShiftAddView(RosterChangeView):
    form_class, form_name = ShiftAddForm, "add_form"

    def anchor(self, form: Any) -> str:
        return form.cleaned_data["day"].isoformat()

    def perform(self, roster: Any, form: Any) -> str:
        data = dict(form.cleaned_data)
        (user,) = _users(self.request, [data.pop("user")])
        shift = services.shift_add(roster=roster, user=user, acting_user=self.request.user, **data)
        return f"Shift added for {user.full_name or user.email} on {shift.local_date:%a %d %b}." + (
            f" Flagged: {shift.flags[0]['message']}" if shift.flags else ""
        )


class AssignView(RosterChangeView):
    form_class, form_name = AssignForm, "assign_form"

    def perform(self, roster: Any, form: Any) -> str:
        users = _users(self.request, form.cleaned_data["users"])
        made = services.shifts_assign(
            roster=roster,
            users=users,
            shift_type=form.cleaned_data["shift_type"],
            days=form.days(),
            acting_user=self.request.user,
        )
        flagged = sum(1 for s in made if s.flags)
        return f"{len(made)} shifts assigned" + (f", {flagged} flagged." if flagged else ".")


class PatternView(RosterChangeView):
    form_class, form_name = PatternForm, "pattern_form"

    def perform(self, roster: Any, form: Any) -> str:
        data = form.cleaned_data
        pattern = services.pattern_add(
            roster=roster,
            shift_type=data["shift_type"],
            rrule=data["rrule"],
            users=_users(self.request, data["users"]),
            starts_on=data["starts_on"],
            acting_user=self.request.user,
        )
        return f"The pattern added {pattern.shifts.count()} shifts."


class ShiftRemoveView(RostersAccessMixin, TenantPortalView):
    tenant_access = "member"
    manages = True

    def post(self, request: HttpRequest, roster_id: int, shift_id: int) -> HttpResponse:
        roster = roster_get(roster_id)
        shift = Shift.objects.filter(roster=roster, pk=shift_id).first()
        if shift is None or not scope_of(request).may_roster(shift.user_id):
            raise Http404("No such shift in this roster.")
        services.shift_remove(shift=shift, acting_user=request.user)
        messages.success(request, "The shift was removed." if shift.status == "draft" else "The shift was cancelled.")
        return HttpResponseRedirect(reverse("rosters:detail", args=[roster.pk]) + f"?start={shift.local_date}")


class RosterPublishView(RostersAccessMixin, TenantPortalView):
    tenant_access = "member"
    manages = True

    def post(self, request: HttpRequest, roster_id: int) -> HttpResponse:
        roster = roster_get(roster_id)
        try:
            count = services.roster_publish(roster=roster, acting_user=request.user)
        except ValidationError as exc:
            for message in exc.messages[:10]:
                messages.error(request, message)
        else:
            messages.success(
                request, f"Published {count} shifts; their people were told." if count else "Nothing new to publish."
            )
        return HttpResponseRedirect(reverse("rosters:detail", args=[roster.pk]))


class ShiftTypesView(RostersAccessMixin, TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest, shift_type_id: int | None = None) -> HttpResponse:
        shift_type = self.shift_type(shift_type_id)
        return self.render_page(ShiftTypeForm(instance=shift_type), shift_type)

    def shift_type(self, shift_type_id: int | None) -> ShiftType | None:
        if shift_type_id is None:
            return None
        found = ShiftType.objects.filter(pk=shift_type_id).first()
        if found is None:
            raise Http404("No such shift type.")
        return found

    def post(self, request: HttpRequest, shift_type_id: int | None = None) -> HttpResponse:
        shift_type = self.shift_type(shift_type_id)
        form = ShiftTypeForm(request.POST, instance=shift_type or ShiftType())
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in ShiftTypeForm.Meta.fields}
            try:
                if shift_type is None:
                    services.shift_type_create(acting_user=request.user, **data)
                else:
                    data.pop("code")
                    services.shift_type_update(shift_type=shift_type, acting_user=request.user, **data)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, f"The shift type {data['name']} was saved.")
                return HttpResponseRedirect(reverse("rosters:shift_types"))
        return self.render_page(form, shift_type, status=400)

    def render_page(self, form: Any, shift_type: ShiftType | None, status: int = 200) -> HttpResponse:
        return render(
            self.request,
            "rosters/shift_types.html",
            {"form": form, "shift_type": shift_type, "shift_types": ShiftType.objects.all()},
            status=status,
        )


class RulesView(RostersAccessMixin, TenantPortalView):
    """The organisation's default rules, or (?workplace=CODE) one site's override."""

    tenant_access = "admin"

    def site(self) -> Workplace | None:
        code = (self.request.GET.get("workplace") or self.request.POST.get("workplace") or "").strip().upper()
        if not code:
            return None
        found = Workplace.objects.filter(kind="site", code=code).first()
        if found is None:
            raise Http404("No such site.")
        return found

    def get(self, request: HttpRequest) -> HttpResponse:
        site = self.site()
        current = rules_for(site.pk if site else None)
        return self.render_page(RulesForm(instance=current), site, current)

    def post(self, request: HttpRequest) -> HttpResponse:
        site = self.site()
        current = rules_for(site.pk if site else None)
        form = RulesForm(request.POST, instance=RosterRules(workplace=site))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in RulesForm.Meta.fields}
            services.rules_set(workplace=site, acting_user=request.user, **fields)
            messages.success(
                request, f"The roster rules {'of ' + site.name if site else 'of the organisation'} were saved."
            )
            return HttpResponseRedirect(reverse("rosters:rules") + (f"?workplace={site.code}" if site else ""))
        return self.render_page(form, site, current, status=400)

    def render_page(self, form: Any, site: Workplace | None, current: RosterRules, status: int = 200) -> HttpResponse:
        context = {"form": form, "site": site, "current": current, "sites": Workplace.objects.filter(kind="site")}
        return render(self.request, "rosters/rules.html", context, status=status)


class MyShiftsView(RostersAccessMixin, TenantPortalView):
    """Any member with access: my published shifts from today (or ?from=), and my calendar address."""

    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        start = parse_date(request.GET.get("from", "")) or timezone.localdate() - datetime.timedelta(days=7)
        shifts = shift_list(user_id=request.user.pk, published=True, start=start)[:100]
        feed = services.feed_for(request.user)
        url = request.build_absolute_uri(reverse("rosters_feed:shifts", args=[feed.token]))
        return render(
            request, "rosters/my_shifts.html", {"shifts": shifts, "feed_url": url, "feed": feed, "start": start}
        )


class FeedRotateView(RostersAccessMixin, TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        services.feed_rotate(user=request.user)
        messages.success(request, "Your calendar has a new address; the old one no longer works.")
        return HttpResponseRedirect(reverse("rosters:my_shifts"))

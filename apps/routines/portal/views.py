"""Portal pages of routines under /manage/tasks/routines/: members who may use Tasks read the list and a
routine's next occurrences; tenant admins create routines, change one occurrence, split ("this and
following"), edit the member tasks and their links (from an occurrence on) and pause or resume."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership
from apps.core.errors import refused
from apps.organisation.portal.forms import apply_errors
from apps.routines import services
from apps.routines.access import RoutinesPortalMixin, routine_get
from apps.routines.models import RoutineTask
from apps.routines.selectors import routine_list, routine_preview
from apps.routines.services import MemberSpec
from apps.surfaces.portal import TenantPortalView

from .forms import (
    MemberEditForm,
    MemberRowFormSet,
    OccurrenceForm,
    RoutineFilterForm,
    RoutineForm,
    SplitForm,
    checklist_text,
    parse_members,
)

PAGE = 25


class RoutineListView(RoutinesPortalMixin, TenantPortalView):
    tenant_access = "member_read_admin_write"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(RoutineForm())

    def page(self, form: RoutineForm, status: int = 200) -> HttpResponse:
        request = self.request
        filters = RoutineFilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        workplace = data.get("workplace")
        rows = routine_list(workplace=workplace.code if workplace else "", status=data.get("status", ""),
                            search=data.get("search", "")).order_by("name", "id")  # fmt: skip
        page_obj = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        htmx = getattr(request, "htmx", None)
        template = "routines/_results.html" if htmx and not htmx.boosted else "routines/list.html"
        context = {"page_obj": page_obj, "routines": page_obj.object_list, "filter_form": filters,
                   "create_form": form, "is_admin": is_tenant_admin(request)}  # fmt: skip
        return render(request, template, context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RoutineForm(request.POST)
        if form.is_valid():
            try:
                routine = services.routine_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, f"The routine {routine.name} was created and its first tasks written.")
                return HttpResponseRedirect(reverse("routines:detail", args=[routine.pk]))
        return self.page(form, status=400)


class RoutineDetailView(RoutinesPortalMixin, TenantPortalView):
    tenant_access = "member_read_admin_write"

    def get(self, request: HttpRequest, routine_id: int) -> HttpResponse:
        return self.page(routine_id)

    def page(self, routine_id: int, status: int = 200, **forms_: Any) -> HttpResponse:
        members = RoutineTask.objects.select_related("template").order_by("position")
        routine = (
            routine_list()
            .prefetch_related(Prefetch("members", queryset=members), "links")
            .get(pk=routine_get(routine_id).pk)
        )
        position = {m.pk: m.position for m in routine.members.all()}
        context = {
            "routine": routine,
            "links": [(position[k.predecessor_id], position[k.successor_id]) for k in routine.links.all()],
            "preview": routine_preview(routine, count=10),
            "occurrence_form": forms_.get("occurrence_form") or OccurrenceForm(),
            "split_form": forms_.get("split_form") or SplitForm(),
            "is_admin": is_tenant_admin(self.request),
        }
        return render(self.request, "routines/detail.html", context, status=status)

    def post(self, request: HttpRequest, routine_id: int) -> HttpResponse:
        routine = routine_get(routine_id)
        action = request.POST.get("form", "")
        if action in ("pause", "resume"):
            return self.pause(routine, paused=action == "pause")
        if action == "split":
            return self.split(routine)
        return self.occurrence(routine)

    def done(self, routine: Any, message: str) -> HttpResponse:
        messages.success(self.request, message)
        return HttpResponseRedirect(reverse("routines:detail", args=[routine.pk]))

    def pause(self, routine: Any, *, paused: bool) -> HttpResponse:
        try:
            services.routine_pause(routine=routine, paused=paused, acting_user=self.request.user)
        except ValidationError as exc:
            messages.error(self.request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("routines:detail", args=[routine.pk]))
        return self.done(routine, "The routine is paused." if paused else "The routine goes on from now.")

    def occurrence(self, routine: Any) -> HttpResponse:
        form = OccurrenceForm(self.request.POST)
        if form.is_valid():
            data = form.cleaned_data
            assignee = None
            if data["assignee"]:
                members = Membership.objects.filter(
                    tenant=self.request.tenant,  # type: ignore[attr-defined]
                    user__email__iexact=data["assignee"],
                    status=Membership.Status.ACTIVE,
                )
                found = members.select_related("user").first()
                if found is None:
                    form.add_error("assignee", "Not an active member of this organisation.")
                assignee = found.user if found else None
            if form.is_valid():
                try:
                    services.occurrence_edit(
                        routine=routine, key=data["occurrence"], acting_user=self.request.user,
                        skip=data["action"] == "skip",
                        local_time=data["local_time"].replace(tzinfo=None) if data["local_time"] else None,
                        assignee=assignee,
                    )  # fmt: skip
                except ValidationError as exc:
                    apply_errors(form, exc)  # type: ignore[arg-type]
                else:
                    return self.done(routine, f"The occurrence {data['occurrence']} was changed.")
        return self.page(routine.pk, status=400, occurrence_form=form)

    def split(self, routine: Any) -> HttpResponse:
        form = SplitForm(self.request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                new = services.routine_split(routine=routine, key=data.pop("occurrence"),
                                             acting_user=self.request.user, **data)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(self.request, f"From {form.cleaned_data['occurrence']} on, {new.name} takes over.")
                return HttpResponseRedirect(reverse("routines:detail", args=[new.pk]))
        return self.page(routine.pk, status=400, split_form=form)


class RoutineMembersView(RoutinesPortalMixin, TenantPortalView):
    """The member editor: add, remove and reorder the tasks of a recurring set and the links between them.
    A routine's members change from an occurrence on ("this and following", `routine_split`), so tasks
    already written keep what they were made with; refusals are the API's (codes on members and links)."""

    tenant_access = "member_read_admin_write"

    def get(self, request: HttpRequest, routine_id: int) -> HttpResponse:
        routine = routine_get(routine_id)
        members = list(routine.members.select_related("template").order_by("position"))
        position = {m.pk: m.position for m in members}
        initial = [
            {"member": m.pk, "what": f"@{m.template.code}" if m.template else m.title, "ORDER": m.position,
             "offset_minutes": m.offset_minutes, "due_minutes": m.due_minutes,
             "checklist": "" if m.template else checklist_text(m.checklist)}
            for m in members
        ]  # fmt: skip
        links = ", ".join(f"{position[k.predecessor_id]}>{position[k.successor_id]}" for k in routine.links.all())
        rows = MemberRowFormSet(initial=initial, prefix="m")
        form = MemberEditForm(initial={"links": links}, occurrences=self.occurrences(routine))
        return self.page(routine, rows, form)

    def occurrences(self, routine: Any) -> list[tuple[str, str]]:
        return [(row["key"], row["local"]) for row in routine_preview(routine, count=10) if row["state"] != "skipped"]

    def page(self, routine: Any, rows: Any, form: MemberEditForm, status: int = 200) -> HttpResponse:
        context = {"routine": routine, "rows": rows, "form": form, "is_admin": is_tenant_admin(self.request)}
        return render(self.request, "routines/members.html", context, status=status)

    def post(self, request: HttpRequest, routine_id: int) -> HttpResponse:
        routine = routine_get(routine_id)
        rows = MemberRowFormSet(request.POST, prefix="m")
        form = MemberEditForm(request.POST, occurrences=self.occurrences(routine))
        if rows.is_valid() and form.is_valid():
            try:
                specs, numbers = self.specs(routine, rows)
                given, count = form.cleaned_data["links"], len(rows.forms)
                unknown = [f"{p}>{s}" for p, s in given if not (1 <= p <= count and 1 <= s <= count)]
                if unknown:
                    raise refused(f"No such rows: {', '.join(unknown)}.", code="invalid_link", field="links")
                # A removed row takes its links with it.
                links = [(numbers[p], numbers[s]) for p, s in given if p in numbers and s in numbers]
                new = services.routine_split(routine=routine, key=form.cleaned_data["occurrence"],
                                             acting_user=request.user, members=specs, links=links)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, f"From {form.cleaned_data['occurrence']} on, {new.name} makes these tasks.")
                return HttpResponseRedirect(reverse("routines:detail", args=[new.pk]))
        return self.page(routine, rows, form, status=400)

    def specs(self, routine: Any, rows: Any) -> tuple[list[MemberSpec], dict[int, int]]:
        """The members in their new order, and each kept row's number (as shown) → its new position."""
        existing = {m.pk: m for m in routine.members.select_related("template")}
        specs: list[MemberSpec] = []
        numbers: dict[int, int] = {}
        for row in rows.ordered_forms:
            data = row.cleaned_data
            if not (data.get("what") or "").strip():
                continue
            parsed = parse_members(f"{data['what']} | {data['offset_minutes']} | {data['due_minutes']} | "
                                   f"{data.get('checklist') or ''}")[0]  # fmt: skip
            kept = existing.get(data.get("member") or 0)
            if kept is not None:
                parsed.assignee_kind, parsed.assignee = kept.assignee_kind, kept.assignee
                parsed.team, parsed.role = kept.team, kept.role
                if parsed.template is not None and parsed.template.pk == kept.template_id:
                    parsed.title = kept.title
            specs.append(parsed)
            numbers[rows.forms.index(row) + 1] = len(specs)
        return specs, numbers

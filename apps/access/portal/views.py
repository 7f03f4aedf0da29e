"""Portal: roles, role assignments and "who may do what, and why".

Every active member sees the roles and their own access; tenant admins manage roles and every
assignment; a member holding `organisation.assign_roles` on an entity manages the assignments
within it (apps.access.api.access says who may see and change what).
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView

from apps.access.api.access import (
    EXPIRING_SOON,
    access_overview,
    assignable_scopes,
    assignment_get_for,
    assignments_visible_to,
    delegation_check,
    may_revoke,
    role_ancestry,
    role_chain,
    role_get,
    role_tree,
)
from apps.access.api.filters import AssignmentFilter
from apps.access.catalogue import permission_get
from apps.access.models import PermissionCondition, Role, RoleAssignment
from apps.access.resolver import explain
from apps.access.services import assignment_create, assignment_revoke, role_create, role_delete, role_update
from apps.accounts.access import is_tenant_admin
from apps.accounts.models import Membership, User
from apps.surfaces.portal import TenantPortalMixin, TenantPortalView

from .forms import AssignmentFilterForm, AssignmentForm, ExplainForm, RevokeForm, RoleForm

HISTORY_FIELDS = ["status", "valid_from", "valid_until", "reason", "end_reason"]
ENTITY_MODEL = "organisation.entity"


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _permission_text(key: str, conditions: Any) -> dict[str, Any]:
    found = permission_get(key)
    labels = [PermissionCondition(c).label for c in conditions if c in PermissionCondition.values]
    return {"permission": key, "label": found.label if found else key, "conditions": labels}


# --- Roles --------------------------------------------------------------------------------------


class RoleListView(TenantPortalView):
    tenant_access = "member"
    template_name = "access/role_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        nodes = []
        for node in role_tree():
            own = [_permission_text(e["permission"], e.get("conditions") or []) for e in node.role.permissions]
            inherited = [{**_permission_text(e["permission"], e["conditions"]), "role": e["role"]}
                         for e in node.inherited]  # fmt: skip
            nodes.append({"role": node.role, "depth": node.depth, "indent": node.depth * 2, "own": own,
                          "inherited": inherited, "assignment_count": node.assignment_count})  # fmt: skip
        return render(request, self.template_name, {"nodes": nodes, "is_admin": is_tenant_admin(request)})


class RoleFormView(TenantPortalView):
    tenant_access = "admin"
    template_name = "access/role_form.html"

    def role(self) -> Role | None:
        return role_get(uuid=self.kwargs["uuid"]) if "uuid" in self.kwargs else None

    def render_form(self, form: RoleForm, role: Role | None, status: int = 200) -> HttpResponse:
        inherited: dict[str, Role] = {}
        if role is not None:
            for ancestor in role_chain(role, role_ancestry([role]))[1:]:
                for entry in ancestor.permissions:
                    inherited.setdefault(entry["permission"], ancestor)
        context = {"form": form, "role": role, "rows": form.permission_rows(inherited)}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        role = self.role()
        return self.render_form(RoleForm(role=role), role)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        role = self.role()
        form = RoleForm(request.POST, role=role)
        if form.is_valid():
            try:
                if role is None:
                    role = role_create(**form.service_fields(), acting_user=request.user)
                    messages.success(request, f"The role “{role.name}” was created.")
                else:
                    role = role_update(role=role, **form.service_fields(), acting_user=request.user)
                    messages.success(request, f"The role “{role.name}” was saved.")
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                return HttpResponseRedirect(reverse("access:role_list") + f"#role-{role.uuid}")
        return self.render_form(form, role, status=400)


class RoleDeleteView(TenantPortalView):
    tenant_access = "admin"
    template_name = "access/role_delete.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return render(request, self.template_name, {"role": role_get(uuid=uuid)})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        role = role_get(uuid=uuid)
        try:
            role_delete(role=role, acting_user=request.user)
        except ValidationError as exc:
            return render(request, self.template_name, {"role": role, "errors": exc.messages}, status=400)
        messages.success(request, f"The role “{role.name}” was deleted.")
        return HttpResponseRedirect(reverse("access:role_list"))


# --- Assignments --------------------------------------------------------------------------------


class AssignmentListView(TenantPortalMixin, ListView):
    tenant_access = "member"
    template_name = "access/assignment_list.html"
    context_object_name = "assignments"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[RoleAssignment]:
        visible = assignments_visible_to(self.request.user, is_admin=is_tenant_admin(self.request))
        return AssignmentFilter(self.request.GET, queryset=visible).qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        is_admin = is_tenant_admin(self.request)
        query = self.request.GET.copy()
        query.pop("page", None)
        now = timezone.now()
        context.update(
            filter_form=AssignmentFilterForm(self.request.GET or None), query=query.urlencode(), is_admin=is_admin,
            may_create=is_admin or assignable_scopes(self.request.user, is_admin=False).exists(),
            now=now, soon=now + EXPIRING_SOON,
        )  # fmt: skip
        return context


class AssignmentCreateView(TenantPortalView):
    """Tenant admins, or members who may assign roles somewhere (then only within those entities)."""

    tenant_access = "member"

    template_name = "access/assignment_form.html"

    def form(self, data: Any = None) -> AssignmentForm:
        is_admin = is_tenant_admin(self.request)
        scopes = assignable_scopes(self.request.user, is_admin=is_admin)
        if not is_admin and not scopes.exists():
            raise PermissionDenied("You need the “Assign roles” permission on an entity to give roles.")
        initial = {key: value for key, value in self.request.GET.items() if key in AssignmentForm.base_fields}
        return AssignmentForm(data, tenant=self.request.tenant, scopes=scopes, initial=initial)  # type: ignore[attr-defined]

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            fields = form.service_fields()
            try:
                delegation_check(request.user, is_admin=is_tenant_admin(request), role=fields["role"],
                                 scope_entity=fields["scope_entity"])  # fmt: skip
                assignment = assignment_create(**fields, acting_user=request.user)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"“{assignment.role}” was given to {assignment.principal_label}.")
                return HttpResponseRedirect(reverse("access:assignment_detail", args=[assignment.uuid]))
        return render(request, self.template_name, {"form": form}, status=400)


def _history(assignment: RoleAssignment) -> list[dict[str, Any]]:
    """The assignment's history, oldest first: when, who, what changed and why."""
    records = list(assignment.history.select_related("history_user").order_by("history_date", "history_id"))  # type: ignore[attr-defined]
    rows, previous = [], None
    for record in records:
        changes = [
            (name, getattr(previous, name), getattr(record, name)) for name in HISTORY_FIELDS
            if previous is not None and getattr(previous, name) != getattr(record, name)
        ]  # fmt: skip
        why = record.reason if previous is None else (record.end_reason or record.history_change_reason or "")
        rows.append({"record": record, "created": previous is None, "changes": changes, "why": why})
        previous = record
    return rows


class AssignmentDetailView(TenantPortalView):
    tenant_access = "member"
    template_name = "access/assignment_detail.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        is_admin = is_tenant_admin(request)
        assignment = assignment_get_for(request.user, is_admin=is_admin, uuid=uuid)
        chain = role_chain(assignment.role, role_ancestry([assignment.role]))
        context = {
            "assignment": assignment, "history": _history(assignment), "chain": chain,
            "may_revoke": assignment.status in ("active", "scheduled")
            and may_revoke(request.user, is_admin=is_admin, assignment=assignment),
        }  # fmt: skip
        return render(request, self.template_name, context)


class AssignmentRevokeView(TenantPortalView):
    tenant_access = "member"
    template_name = "access/assignment_revoke.html"

    def assignment(self, uuid: Any) -> RoleAssignment:
        is_admin = is_tenant_admin(self.request)
        assignment = assignment_get_for(self.request.user, is_admin=is_admin, uuid=uuid)
        if not may_revoke(self.request.user, is_admin=is_admin, assignment=assignment):
            raise PermissionDenied(
                "Only a tenant admin, or someone who may assign roles in its scope, may revoke this."
            )
        return assignment

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return render(request, self.template_name, {"assignment": self.assignment(uuid), "form": RevokeForm()})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        assignment = self.assignment(uuid)
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                assignment_revoke(assignment=assignment, acting_user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, f"The assignment of “{assignment.role}” to {assignment.principal_label} "
                                 "was revoked; its access is gone.")  # fmt: skip
                return HttpResponseRedirect(reverse("access:assignment_detail", args=[assignment.uuid]))
        return render(request, self.template_name, {"assignment": assignment, "form": form}, status=400)


# --- Explain ------------------------------------------------------------------------------------


class ExplainView(TenantPortalView):
    """What a person may do and why. Members look at themselves; tenant admins at anyone."""

    tenant_access = "member"

    template_name = "access/explain.html"
    mine = False

    def get(self, request: HttpRequest) -> HttpResponse:
        is_admin = is_tenant_admin(request)
        people = None if is_admin and not self.mine else User.objects.filter(pk__in=[request.user.pk])
        asked = request.GET.get("user")
        if asked and asked != str(request.user.pk) and people is not None:
            raise PermissionDenied("You may only look at your own access; a tenant admin may look at anyone's.")
        data = request.GET.copy()
        data.setdefault("user", str(request.user.pk))
        form = ExplainForm(data, tenant=request.tenant, people=people)  # type: ignore[attr-defined]
        context: dict[str, Any] = {"form": form, "mine": self.mine, "is_admin": is_admin}
        if form.is_valid():
            context.update(self.answer(form, request.tenant))  # type: ignore[attr-defined]
        return render(request, self.template_name, context, status=400 if form.errors else 200)

    def answer(self, form: ExplainForm, tenant: Any) -> dict[str, Any]:
        person, key, entity = (form.cleaned_data[name] for name in ("user", "permission", "entity"))
        membership = Membership.objects.filter(user=person, tenant=tenant).first()
        answer: dict[str, Any] = {
            "person": person,
            "person_is_admin": membership is not None and membership.is_active
            and membership.role == Membership.Role.TENANT_ADMIN,
        }  # fmt: skip
        if not key:
            answer["overview"] = access_overview(person)
            return answer
        found = permission_get(key)
        if entity is not None and found is not None and found.model != ENTITY_MODEL:
            form.add_error("entity", f"“{found.label}” is not a permission on entities; leave the entity empty.")
            return {}
        answer.update(permission=found, entity=entity, explanations=explain(person, key, entity))
        return answer


class MyAccessView(ExplainView):
    mine = True

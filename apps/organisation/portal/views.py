"""Portal pages of the organisation: the entity tree, entities, entity types and people.

Every active member may see the tree; people are shown as far as the viewer may see them; changes
need a tenant admin or the resolver's permission on the entity concerned (apps.organisation.access).
Views parse, check, call one service and render; refusals from a service come back on the form.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.generic import ListView

from apps.accounts.models import User
from apps.organisation import access
from apps.organisation.filters import EntityFilter, PersonFilter
from apps.organisation.models import Certification, Entity, EntityMembership, EntityType, MemberProfile, Skill
from apps.organisation.selectors import (
    certifications_with_state,
    direct_reports,
    entities_list,
    entity_ancestors,
    entity_get,
    entity_members,
    entity_names,
    entity_types_list,
    members_without_profile,
    profile_get,
    profile_memberships,
    profiles_list,
    reporting_chain,
)
from apps.organisation.services import (
    certification_add,
    certification_remove,
    entity_create,
    entity_delete,
    entity_membership_add,
    entity_membership_remove,
    entity_membership_set_primary,
    entity_move,
    entity_status_change,
    entity_type_create,
    entity_type_delete,
    entity_type_update,
    entity_update,
    profile_create,
    profile_preferences_update,
    profile_update,
    skill_add,
    skill_remove,
    skill_update,
)
from apps.organisation.timeline import entity_timeline, person_timeline
from apps.surfaces.portal import PortalActionView, TenantPortalMixin, TenantPortalView

from . import forms


def _refusal(permission: str, entity: Entity | None) -> PermissionDenied:
    return PermissionDenied(access.refusal(permission, entity))


def _require(request: HttpRequest, permission: str, entity: Entity) -> None:
    if not access.may(request, permission, entity):
        raise _refusal(permission, entity)


def _entity(uuid: Any) -> Entity:
    return entity_get(uuid=uuid, queryset=entities_list())


# --- Entities -----------------------------------------------------------------------------------


def _tree(entities: list[Entity]) -> list[dict[str, Any]]:
    """Nested nodes from entities in path order (a parent always comes before its children)."""
    nodes: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for entity in entities:
        node = {"entity": entity, "children": []}
        nodes[entity.pk] = node
        parent = nodes.get(entity.parent_id) if entity.parent_id else None
        (parent["children"] if parent else roots).append(node)
    return roots


class EntityListView(TenantPortalView):
    """The tree: one query ordered by path (type, manager and member count come with it)."""

    tenant_access = "member"

    template_name = "organisation/entity_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = forms.EntityFilterForm(request.GET or None)
        filtered = any(request.GET.get(name) for name in ("search", "type", "status"))
        entities = list(EntityFilter(request.GET, queryset=entities_list()).qs)
        context: dict[str, Any] = {"filter_form": form, "filtered": filtered, "is_admin": access.is_admin(request)}
        if filtered:
            # Matches are listed flat, each with the names of the entities above it (one more query).
            names = entity_names({pk for e in entities for pk in e.ancestor_ids})
            context["matches"] = [(e, [names.get(pk, "?") for pk in e.ancestor_ids]) for e in entities]
        else:
            context["tree"] = _tree(entities)
        context["count"] = len(entities)
        return render(request, self.template_name, context)


class EntityDetailView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/entity_detail.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity = _entity(uuid)
        may_view_people = access.may(request, access.VIEW_PEOPLE, entity)
        context = {
            "entity": entity,
            "breadcrumbs": list(entity_ancestors(entity)),
            "children": list(entities_list().filter(parent=entity)),
            "members": list(entity_members(entity)) if may_view_people else None,
            "timeline": entity_timeline(entity),
            "can_change": access.may(request, access.CHANGE_ENTITY, entity),
            "can_add": access.may(request, access.ADD_ENTITY, entity),
            "can_delete": entity.parent_id is not None and access.may(request, access.DELETE_ENTITY, entity),
            "status_form": forms.EntityStatusForm(initial={"status": entity.status}),
        }
        return render(request, self.template_name, context)


class EntityCreateView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/entity_form.html"

    def _form(self, request: HttpRequest, data: Any = None) -> forms.EntityCreateForm:
        parents = access.entities_where(request, access.ADD_ENTITY).exclude(status=Entity.Status.ARCHIVED)
        if not parents.exists():
            raise _refusal(access.ADD_ENTITY, None)
        return forms.EntityCreateForm(data, parents=parents, initial={"parent": request.GET.get("parent")})

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self._form(request), "creating": True})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entity = entity_create(
                    name=data["name"], entity_type=data["entity_type"], parent=data["parent"], status=data["status"],
                    manager=data["manager"], description=data["description"], external_id=data["external_id"],
                    acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, f"{entity.name} was created.")
                return HttpResponseRedirect(reverse("organisation:entity_detail", args=[entity.uuid]))
        return render(request, self.template_name, {"form": form, "creating": True}, status=400)


class EntityEditView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/entity_form.html"

    def _entity(self, request: HttpRequest, uuid: Any) -> Entity:
        entity = _entity(uuid)
        _require(request, access.CHANGE_ENTITY, entity)
        return entity

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity = self._entity(request, uuid)
        initial = {
            "name": entity.name, "entity_type": entity.entity_type, "status": entity.status,
            "manager": entity.manager, "description": entity.description, "external_id": entity.external_id,
        }  # fmt: skip
        return render(request, self.template_name, {"form": forms.EntityEditForm(initial=initial), "entity": entity})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity = self._entity(request, uuid)
        form = forms.EntityEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            reason, status = data.pop("reason"), data.pop("status")
            try:
                with transaction.atomic():
                    entity_update(entity=entity, acting_user=request.user, **data)
                    entity_status_change(entity=entity, status=status, reason=reason, acting_user=request.user)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, f"{data['name']} was saved.")
                return HttpResponseRedirect(reverse("organisation:entity_detail", args=[entity.uuid]))
        return render(request, self.template_name, {"form": form, "entity": entity}, status=400)


class EntityMoveView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/entity_move.html"

    def _prepare(self, request: HttpRequest, uuid: Any, data: Any = None) -> tuple[Entity, forms.EntityMoveForm]:
        entity = _entity(uuid)
        _require(request, access.CHANGE_ENTITY, entity)
        parents = access.entities_where(request, access.ADD_ENTITY)
        form = forms.EntityMoveForm(
            data, parents=parents, initial={"parent": entity.parent.uuid if entity.parent else None}
        )
        return entity, form

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity, form = self._prepare(request, uuid)
        return render(request, self.template_name, {"entity": entity, "form": form})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity, form = self._prepare(request, uuid, request.POST)
        if form.is_valid():
            try:
                entity_move(entity=entity, new_parent=form.cleaned_data["parent"], reason=form.cleaned_data["reason"],
                            acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, f"{entity.name} was moved under {form.cleaned_data['parent'].name}.")
                return HttpResponseRedirect(reverse("organisation:entity_detail", args=[entity.uuid]))
        return render(request, self.template_name, {"entity": entity, "form": form}, status=400)


class EntityStatusView(TenantPortalView):
    tenant_access = "member"

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity = _entity(uuid)
        _require(request, access.CHANGE_ENTITY, entity)
        form = forms.EntityStatusForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            entity = entity_status_change(entity=entity, status=form.cleaned_data["status"],
                                          reason=form.cleaned_data["reason"], acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{entity.name} is now {entity.get_status_display().lower()}.")
        return HttpResponseRedirect(reverse("organisation:entity_detail", args=[entity.uuid]))


class EntityDeleteView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/entity_delete.html"

    def _entity(self, request: HttpRequest, uuid: Any) -> Entity:
        entity = _entity(uuid)
        _require(request, access.DELETE_ENTITY, entity)
        return entity

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        return render(request, self.template_name, {"entity": self._entity(request, uuid)})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        entity = self._entity(request, uuid)
        try:
            entity_delete(entity=entity, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("organisation:entity_detail", args=[entity.uuid]))
        messages.success(request, f"{entity.name} was deleted.")
        return HttpResponseRedirect(reverse("organisation:entity_list"))


# --- Entity types -------------------------------------------------------------------------------


class EntityTypesView(TenantPortalView):
    tenant_access = "admin"
    template_name = "organisation/entity_types.html"

    def _render(self, request: HttpRequest, form: forms.EntityTypeForm, status: int = 200) -> HttpResponse:
        context = {"entity_types": entity_types_list(), "form": form}
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, forms.EntityTypeForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = forms.EntityTypeForm(request.POST)
        if form.is_valid():
            try:
                entity_type = entity_type_create(**form.cleaned_data, acting_user=request.user)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, f"The entity type “{entity_type.name}” was added.")
                return HttpResponseRedirect(reverse("organisation:entity_types"))
        return self._render(request, form, status=400)


def _entity_type(code: str) -> EntityType:
    entity_type = EntityType.objects.filter(code=code).first()
    if entity_type is None:
        raise Http404("No such entity type.")
    return entity_type


class EntityTypeEditView(TenantPortalView):
    tenant_access = "admin"
    template_name = "organisation/entity_type_form.html"

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        entity_type = _entity_type(code)
        initial = {f: getattr(entity_type, f) for f in ("code", "name", "description", "position")}
        form = forms.EntityTypeForm(initial=initial)
        return render(request, self.template_name, {"form": form, "entity_type": entity_type})

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        entity_type = _entity_type(code)
        form = forms.EntityTypeForm(request.POST)
        if form.is_valid():
            try:
                entity_type_update(entity_type=entity_type, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, f"The entity type “{form.cleaned_data['name']}” was saved.")
                return HttpResponseRedirect(reverse("organisation:entity_types"))
        return render(request, self.template_name, {"form": form, "entity_type": entity_type}, status=400)


class EntityTypeDeleteView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        entity_type = _entity_type(code)
        try:
            entity_type_delete(entity_type=entity_type, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"The entity type “{entity_type.name}” was removed.")
        return HttpResponseRedirect(reverse("organisation:entity_types"))


# --- People -------------------------------------------------------------------------------------


class PeopleListView(TenantPortalMixin, ListView):
    tenant_access = "member"
    template_name = "organisation/people_list.html"
    context_object_name = "people"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[MemberProfile]:
        visible = access.people_visible(self.request, profiles_list())
        return PersonFilter(self.request.GET, queryset=visible).qs.order_by("user__full_name", "user__email", "pk")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = forms.PersonFilterForm(self.request.GET or None)
        context["can_create"] = (
            access.is_admin(self.request) or access.entities_where(self.request, access.MANAGE_PEOPLE).exists()
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


def _visible_person(request: HttpRequest, uuid: Any) -> MemberProfile:
    return profile_get(uuid=uuid, queryset=access.people_visible(request, profiles_list()))


def _explain_url(profile: MemberProfile) -> str | None:
    try:
        return f"{reverse('access:explain')}?user={profile.user_id}"
    except NoReverseMatch:
        return None


class PersonDetailView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/person_detail.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        profile = _visible_person(request, uuid)
        context = {
            "person": profile,
            "memberships": list(profile_memberships(profile)),
            "managers": reporting_chain(profile),
            "reports": list(direct_reports(profile)),
            "skills": list(profile.skills.all()),
            "certifications": certifications_with_state(profile),
            "timeline": person_timeline(profile),
            "can_manage": access.may_manage_person(request, profile),
            "explain_url": _explain_url(profile),
        }
        return render(request, self.template_name, context)


class PersonCreateView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/person_form.html"

    def _form(self, request: HttpRequest, data: Any = None) -> forms.PersonCreateForm:
        admin = access.is_admin(request)
        entities = access.entities_where(request, access.MANAGE_PEOPLE).exclude(status=Entity.Status.ARCHIVED)
        if not admin and not entities.exists():
            raise _refusal(access.MANAGE_PEOPLE, None)
        members = members_without_profile(tenant=request.tenant)  # type: ignore[attr-defined]
        return forms.PersonCreateForm(data, members=members, entities=entities, entity_required=not admin)

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self._form(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            user = data["member"].user if data["member"] else User.objects.filter(email__iexact=data["email"]).first()
            try:
                if user is None:
                    raise ValidationError({"email": ValidationError("No member has this email.", code="not_member")})
                profile = profile_create(
                    user=user, entity=data["entity"], job_title=data["job_title"],
                    employee_code=data["employee_code"], manager=data["manager"], acting_user=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                forms.apply_errors(form, exc, {"user": "member"})
            else:
                messages.success(request, f"{profile.user} now has a profile.")
                return HttpResponseRedirect(reverse("organisation:person_edit", args=[profile.uuid]))
        return render(request, self.template_name, {"form": form}, status=400)


def _manageable_person(request: HttpRequest, uuid: Any) -> MemberProfile:
    profile = _visible_person(request, uuid)
    if not access.may_manage_person(request, profile):
        raise _refusal(access.MANAGE_PEOPLE, None)
    return profile


class PersonEditView(TenantPortalView):
    tenant_access = "member"
    template_name = "organisation/person_edit.html"

    def _context(self, request: HttpRequest, profile: MemberProfile, form: forms.PersonEditForm) -> dict[str, Any]:
        entities = access.entities_where(request, access.MANAGE_PEOPLE).exclude(status=Entity.Status.ARCHIVED)
        return {
            "person": profile,
            "form": form,
            "memberships": list(profile_memberships(profile)),
            "membership_form": forms.MembershipAddForm(entities=entities),
            "skills": list(profile.skills.all()),
            "skill_form": forms.SkillForm(),
            "certifications": certifications_with_state(profile),
            "certification_form": forms.CertificationForm(),
            "preferences_form": forms.PreferencesForm(initial=forms.PreferencesForm.initial_from(profile.preferences)),
        }

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        profile = _manageable_person(request, uuid)
        initial = {
            "job_title": profile.job_title, "status": profile.status, "manager": profile.manager,
            "employee_code": profile.employee_code,
        }  # fmt: skip
        return render(
            request, self.template_name, self._context(request, profile, forms.PersonEditForm(initial=initial))
        )

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        profile = _manageable_person(request, uuid)
        form = forms.PersonEditForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                profile_update(profile=profile, acting_user=request.user, **data)
            except ValidationError as exc:
                forms.apply_errors(form, exc)
            else:
                messages.success(request, "The profile was saved.")
                return HttpResponseRedirect(reverse("organisation:person_edit", args=[profile.uuid]))
        return render(request, self.template_name, self._context(request, profile, form), status=400)


class PersonActionView(PortalActionView):
    """POST one change to a person through its service; refusals come back as a message. The item a
    change is about (a membership, skill, certification) is the URL's `pk`."""

    tenant_access = "member"

    done = "Saved."

    def get_object(self, request: HttpRequest, **kwargs: Any) -> MemberProfile:
        return _manageable_person(request, kwargs["uuid"])

    def form_errors(self, form: Any) -> list[str]:
        return [f"{name}: {e}" for name, errors in form.errors.items() for e in errors]

    def success_url(self, obj: MemberProfile) -> str:
        return reverse("organisation:person_edit", args=[obj.uuid])

    def owned(self, model: Any, profile: MemberProfile, pk: int | None) -> Any:
        obj = model.objects.filter(profile=profile, pk=pk).first()
        if obj is None:
            raise Http404("Not found for this person.")
        return obj


class PersonMembershipAddView(PersonActionView):
    done = "The person was added to the entity."

    def get_form(self, request: HttpRequest) -> Any:
        return forms.MembershipAddForm(request.POST, entities=access.entities_where(request, access.MANAGE_PEOPLE))

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        entity_membership_add(profile=profile, entity=data["entity"], title=data["title"],
                              is_primary=data["is_primary"], acting_user=self.request.user)  # fmt: skip


class PersonMembershipRemoveView(PersonActionView):
    done = "The person was taken out of the entity."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        pk = self.kwargs.get("pk")
        membership = self.owned(EntityMembership, profile, pk)
        _require(self.request, access.MANAGE_PEOPLE, membership.entity)
        entity_membership_remove(membership=membership, acting_user=self.request.user)


class PersonPrimaryView(PersonActionView):
    done = "The primary entity was changed."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        pk = self.kwargs.get("pk")
        membership = self.owned(EntityMembership, profile, pk)
        entity_membership_set_primary(membership=membership, acting_user=self.request.user)


class PersonSkillAddView(PersonActionView):
    form_class = forms.SkillForm
    done = "The skill was added."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        skill_add(profile=profile, name=data["name"], level=data["level"], acting_user=self.request.user)


class PersonSkillUpdateView(PersonActionView):
    form_class = forms.SkillLevelForm
    done = "The skill level was changed."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        pk = self.kwargs.get("pk")
        skill_update(skill=self.owned(Skill, profile, pk), level=data["level"], acting_user=self.request.user)


class PersonSkillRemoveView(PersonActionView):
    done = "The skill was removed."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        pk = self.kwargs.get("pk")
        skill_remove(skill=self.owned(Skill, profile, pk), acting_user=self.request.user)


class PersonCertificationAddView(PersonActionView):
    form_class = forms.CertificationForm
    done = "The certification was added."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        certification_add(profile=profile, acting_user=self.request.user, **data)


class PersonCertificationRemoveView(PersonActionView):
    done = "The certification was removed."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        pk = self.kwargs.get("pk")
        certification_remove(certification=self.owned(Certification, profile, pk), acting_user=self.request.user)


class PersonPreferencesView(PersonActionView):
    form_class = forms.PreferencesForm
    done = "The preferences were saved."

    def perform(self, profile: MemberProfile, data: dict[str, Any]) -> None:
        preferences = forms.PreferencesForm.preferences_from(data)
        profile_preferences_update(profile=profile, preferences=preferences, acting_user=self.request.user)

"""Portal: the security policy. Every member sees their own effective policy; tenant admins, and
people granted organisation.view_security_policy / manage_security_policy on an entity, see (and
change) that entity's policy. Every value says where it comes from."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.access import is_tenant_admin
from apps.organisation.models import Entity
from apps.policy.defaults import POLICY_FIELDS
from apps.policy.models import LoginMethod
from apps.policy.selectors import (
    EffectivePolicy,
    EffectiveValue,
    policy_effective_for_entity,
    policy_effective_for_user,
    policy_for_entity_get,
)
from apps.policy.services import policy_set
from apps.security.otp_models import OtpChannel
from apps.surfaces.portal import TenantPortalView

from .forms import SecurityPolicyForm

VIEW_PERMISSION = "organisation.view_security_policy"
MANAGE_PERMISSION = "organisation.manage_security_policy"

FIELD_LABELS = {
    "mfa_required": "Two-factor authentication",
    "password_min_length": "Minimum password length",
    "password_expiry_days": "Password expiry",
    "session_idle_timeout_minutes": "Sign out after inactivity",
    "session_absolute_timeout_hours": "Longest session",
    "ip_allowlist": "Allowed networks",
    "allowed_login_methods": "Sign-in methods",
    "allow_staff_impersonation": "Staff impersonation",
    "allowed_second_factors": "Codes by email or SMS",
    "password_history_count": "Password reuse",
    "risk_step_up_score": "Second factor above sign-in risk",
    "risk_refuse_score": "Refuse sign-ins above risk",
}


def value_display(field: str, value: Any) -> str:
    if field == "mfa_required":
        return "Required" if value else "Not required"
    if field == "password_min_length":
        return f"{value} characters"
    if field == "password_expiry_days":
        return f"After {value} days" if value else "Never"
    if field == "session_idle_timeout_minutes":
        return f"{value} minutes"
    if field == "session_absolute_timeout_hours":
        return f"{value} hours"
    if field == "ip_allowlist":
        return ", ".join(value) or "Any address"
    if field == "allow_staff_impersonation":
        return "Allowed" if value else "Forbidden"
    if field == "allowed_second_factors":
        return ", ".join(OtpChannel(channel).label for channel in value) or "Not allowed"
    if field == "password_history_count":
        return f"Not one of the last {value}" if value else "No rule"
    if field in ("risk_step_up_score", "risk_refuse_score"):
        return "Never" if value >= 100 else f"Score above {value}"
    return ", ".join(LoginMethod(method).label for method in value) or "None: nobody can sign in"


def source_display(value: EffectiveValue, entity: Entity | None = None) -> str:
    if value.source_entity_id is None:
        return value.source_label
    if entity is None:
        return f"Set on {value.source_label}"
    if value.source_entity_id == entity.pk:
        return "Set here"
    return f"Inherited from {value.source_label}"


@dataclass(frozen=True)
class Row:
    field: str
    label: str
    value: str
    source: str
    set_here: bool


def policy_rows(policy: EffectivePolicy, entity: Entity | None = None) -> list[Row]:
    """One row per setting (a person may have several allow-lists: one per entity that sets one)."""
    rows = []
    for field in POLICY_FIELDS:
        values = [policy.get(field)]
        if field == "ip_allowlist" and entity is None:
            values = [v for v in policy.ip_allowlists if v.value] or [policy.ip_allowlists[0]]
        for value in values:
            set_here = entity is not None and value.source_entity_id == entity.pk
            rows.append(
                Row(
                    field,
                    FIELD_LABELS[field],
                    value_display(field, value.value),
                    source_display(value, entity),
                    set_here,
                )
            )
    return rows


def _may(request: HttpRequest, permission: str, entity: Entity) -> bool:
    if is_tenant_admin(request):
        return True
    try:
        from apps.access.resolver import may
    except ImportError:  # the resolver is not installed: only tenant admins
        return False
    return bool(may(request.user, permission, entity))


def viewable_entities(request: HttpRequest) -> QuerySet[Entity]:
    """Whose policy the person may look at: all for a tenant admin, else those granted to them."""
    entities = Entity.objects.order_by("path")
    if is_tenant_admin(request):
        return entities
    try:
        from apps.access.resolver import allowed_entities
    except ImportError:
        return entities.none()
    granted = Q(pk__in=allowed_entities(request.user, VIEW_PERMISSION).values("pk")) | Q(
        pk__in=allowed_entities(request.user, MANAGE_PERMISSION).values("pk")
    )
    return entities.filter(granted)


def _uuid(value: Any) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise Http404("No such entity in this organisation.") from None


class PolicyOverviewView(TenantPortalView):
    tenant_access = "member"
    template_name = "policy/overview.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        tenant = request.tenant  # type: ignore[attr-defined]
        mine = policy_effective_for_user(request.user, tenant=tenant)
        entities = viewable_entities(request)
        entity = self._chosen(request, entities)
        context: dict[str, Any] = {
            "my_rows": policy_rows(mine),
            "my_address": request.META.get("REMOTE_ADDR"),
            "my_address_allowed": mine.ip_allowed(request.META.get("REMOTE_ADDR")),
            "my_methods_empty": not mine.allowed_login_methods.value,
            "entities": entities,
            "entity": entity,
        }
        if entity is not None:
            context["entity_rows"] = policy_rows(policy_effective_for_entity(entity, tenant=tenant), entity)
            context["can_edit"] = _may(request, MANAGE_PERMISSION, entity)
        return render(request, self.template_name, context)

    @staticmethod
    def _chosen(request: HttpRequest, entities: QuerySet[Entity]) -> Entity | None:
        chosen = request.GET.get("entity")
        if not chosen:
            return entities.first()
        entity = entities.filter(uuid=_uuid(chosen)).first()
        if entity is None:  # the same 404 for "not yours" and "missing"
            raise Http404("No such entity in this organisation.")
        return entity


class PolicyEditView(TenantPortalView):
    tenant_access = "member"
    template_name = "policy/edit.html"

    def get(self, request: HttpRequest, entity_uuid: UUID) -> HttpResponse:
        entity = self._entity(request, entity_uuid)
        form = SecurityPolicyForm(policy=policy_for_entity_get(entity))
        return self._render(request, entity, form)

    def post(self, request: HttpRequest, entity_uuid: UUID) -> HttpResponse:
        entity = self._entity(request, entity_uuid)
        form = SecurityPolicyForm(request.POST, policy=policy_for_entity_get(entity))
        if form.is_valid():
            try:
                policy_set(
                    entity=entity, acting_user=request.user, acting_ip=request.META.get("REMOTE_ADDR"),
                    **form.policy_fields(),
                )  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"The security policy of {entity.name} was saved.")
                url = reverse("policy:overview")
                return HttpResponseRedirect(f"{url}?{urlencode({'entity': str(entity.uuid)})}")
        return self._render(request, entity, form, status=400)

    @staticmethod
    def _entity(request: HttpRequest, entity_uuid: UUID) -> Entity:
        entity = Entity.objects.filter(uuid=entity_uuid).first()
        if entity is None:
            raise Http404("No such entity in this organisation.")
        if not _may(request, MANAGE_PERMISSION, entity):
            raise PermissionDenied(f"You may not change the security policy of {entity.name}.")
        return entity

    def _render(
        self, request: HttpRequest, entity: Entity, form: SecurityPolicyForm, status: int = 200
    ) -> HttpResponse:
        effective = policy_effective_for_entity(entity, tenant=request.tenant)  # type: ignore[attr-defined]
        current = {row.field: row for row in policy_rows(effective, entity)}
        rows = [(inherit, value, current[value.name]) for inherit, value in form.rows()]
        context = {"entity": entity, "form": form, "rows": rows, "my_address": request.META.get("REMOTE_ADDR")}
        return render(request, self.template_name, context, status=status)

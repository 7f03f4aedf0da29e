"""Forms of the access pages: roles with their permissions and conditions, assignments, explain."""

from collections import defaultdict
from typing import Any

from django import forms
from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone

from apps.access.api.access import PRINCIPAL_KINDS
from apps.access.catalogue import CONDITION_MODELS, CataloguePermission, permission_catalogue
from apps.access.models import AssignmentStatus, PermissionCondition, Role
from apps.accounts.models import Membership, User
from apps.integrations.models import ApiKey
from apps.organisation.models import Entity, path_ids

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _model_label(model: str) -> str:
    app_label, model_name = model.split(".")
    try:
        model_class = apps.get_model(app_label, model_name)
    except LookupError:
        return model
    return f"{model_class._meta.app_config.verbose_name} · {str(model_class._meta.verbose_name).capitalize()}"


def permission_groups() -> list[tuple[str, list[CataloguePermission]]]:
    """The catalogue grouped by model (label, permissions), for the role form's checkboxes."""
    groups: dict[str, list[CataloguePermission]] = defaultdict(list)
    for permission in sorted(permission_catalogue().values(), key=lambda p: p.key):
        groups[permission.model].append(permission)
    return sorted(((_model_label(model), perms) for model, perms in groups.items()), key=lambda group: group[0])


def _permission_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(label, [(p.key, p.label) for p in perms]) for label, perms in permission_groups()]


def _condition_choices(condition: str) -> list[tuple[str, str]]:
    models = CONDITION_MODELS[condition]
    return [(p.key, p.label) for p in permission_catalogue().values() if p.model in models]


def condition_field_name(condition: str) -> str:
    return f"condition_{condition}"


def entity_label(entity: Entity) -> str:
    return f"{'— ' * (len(path_ids(entity.path)) - 1)}{entity.name} ({entity.code})"


class EntityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return entity_label(obj)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name()} <{obj.email}>" if obj.full_name else obj.email


def active_members(tenant: Any) -> QuerySet[User]:
    """The tenant's active members (users live in public; a membership links them to the tenant)."""
    return User.objects.filter(memberships__tenant=tenant, memberships__status=Membership.Status.ACTIVE).order_by(
        "full_name", "email"
    )


class RoleForm(forms.Form):
    code = forms.SlugField(max_length=50, help_text="Identifier used by the API, e.g. “area-manager”.")
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=255, required=False)
    parent = forms.ModelChoiceField(
        queryset=Role.objects.none(), required=False, empty_label="— none (a top-level role) —",
        help_text="This role also has every permission of its parent role (and the parent's parents).",
    )  # fmt: skip
    permissions = forms.MultipleChoiceField(
        choices=_permission_choices, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Unknown permission: %(value)s."},
    )  # fmt: skip

    def __init__(self, *args: Any, role: Role | None = None, **kwargs: Any) -> None:
        self.role = role
        if role is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(role)
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["parent"].queryset = Role.objects.exclude(pk=role.pk) if role else Role.objects.all()
        for condition in PermissionCondition:
            self.fields[condition_field_name(condition)] = forms.MultipleChoiceField(
                choices=_condition_choices(condition), required=False, widget=forms.CheckboxSelectMultiple,
                label=condition.label,
                error_messages={"invalid_choice": f"“{condition.label}” does not apply to %(value)s."},
            )  # fmt: skip
        if role is not None and role.is_system:
            self.fields["code"].disabled = True

    @staticmethod
    def initial_for(role: Role) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "code": role.code, "name": role.name, "description": role.description, "parent": role.parent_id,
            "permissions": [entry["permission"] for entry in role.permissions],
        }  # fmt: skip
        for condition in PermissionCondition:
            initial[condition_field_name(condition)] = [
                e["permission"] for e in role.permissions if condition in e.get("conditions", [])
            ]
        return initial

    def _taken(self, field: str, value: str) -> bool:
        others = Role.objects.exclude(pk=self.role.pk) if self.role is not None else Role.objects.all()
        return others.filter(**{f"{field}__iexact": value.strip()}).exists()

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if self._taken("name", name):
            raise forms.ValidationError("A role with this name already exists.", code="unique")
        return name

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not self.fields["code"].disabled and self._taken("code", code):
            raise forms.ValidationError("A role with this code already exists.", code="unique")
        return code

    def clean_parent(self) -> Role | None:
        parent = self.cleaned_data.get("parent")
        if parent is not None and self.role is not None and self.role.pk in path_ids(parent.path):
            raise forms.ValidationError(
                "“%(parent)s” inherits from “%(role)s”: a role cannot inherit from itself or its own descendants.",
                code="cycle", params={"parent": parent.name, "role": self.role.name},
            )  # fmt: skip
        return parent

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        granted = set(cleaned.get("permissions") or [])
        for condition in PermissionCondition:
            name = condition_field_name(condition)
            stray = sorted(set(cleaned.get(name) or []) - granted)
            if stray:
                self.add_error(name, f"“{condition.label}” is ticked for permissions the role does not carry: "
                               f"{', '.join(stray)}.")  # fmt: skip
        return cleaned

    def permissions_payload(self) -> list[dict[str, Any]]:
        """The role's permission entries as the services take them."""
        conditions: dict[str, list[str]] = defaultdict(list)
        for condition in PermissionCondition:
            for key in self.cleaned_data.get(condition_field_name(condition)) or []:
                conditions[key].append(condition.value)
        return [{"permission": key, "conditions": conditions[key]} for key in self.cleaned_data["permissions"]]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {"name": data["name"], "description": data["description"], "parent": data["parent"],
                  "permissions": self.permissions_payload()}  # fmt: skip
        if not self.fields["code"].disabled:
            fields["code"] = data["code"]
        return fields

    def permission_rows(self, inherited: dict[str, Role] | None = None) -> list[dict[str, Any]]:
        """The permission table: per model, each permission with its ticks and applicable conditions."""

        def chosen(name: str) -> set[str]:
            value = self[name].value()
            return set(value if isinstance(value, list | tuple) else [])

        granted = chosen("permissions")
        ticked = {condition: chosen(condition_field_name(condition)) for condition in PermissionCondition}
        inherited = inherited or {}

        def row(p: CataloguePermission) -> dict[str, Any]:
            conditions = [
                {"field": condition_field_name(c), "value": c.value, "label": c.label, "ticked": p.key in ticked[c]}
                for c in PermissionCondition
                if p.model in CONDITION_MODELS[c]
            ]
            return {"key": p.key, "label": p.label, "granted": p.key in granted,
                    "inherited_from": inherited.get(p.key), "conditions": conditions}  # fmt: skip

        return [{"label": label, "permissions": [row(p) for p in perms]} for label, perms in permission_groups()]


class AssignmentForm(forms.Form):
    role = forms.ModelChoiceField(queryset=Role.objects.none())
    principal_kind = forms.ChoiceField(choices=PRINCIPAL_KINDS, widget=forms.RadioSelect, initial="user",
                                       label="Give the role to")  # fmt: skip
    user = MemberChoiceField(queryset=User.objects.none(), required=False, label="Person",
                             help_text="An active member of this organisation.")  # fmt: skip
    team = EntityChoiceField(queryset=Entity.objects.none(), required=False,
                             help_text="Everyone in this entity, including people who join later.")  # fmt: skip
    api_key = forms.ModelChoiceField(queryset=ApiKey.objects.none(), required=False, label="API key")
    scope_entity = EntityChoiceField(queryset=Entity.objects.none(), label="Scope",
                                     help_text="The role applies to this entity and everything below it.")  # fmt: skip
    valid_from = forms.DateTimeField(required=False, widget=DATETIME_INPUT, help_text="Empty: from now.")
    valid_until = forms.DateTimeField(required=False, widget=DATETIME_INPUT, help_text="Empty: until revoked.")
    reason = forms.CharField(max_length=255, help_text="Why this access is given (kept in the history).")

    def __init__(self, *args: Any, tenant: Any, scopes: QuerySet[Entity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["role"].queryset = Role.objects.order_by("name")
        fields["user"].queryset = active_members(tenant)
        fields["team"].queryset = Entity.objects.filter(status=Entity.Status.ACTIVE)
        fields["api_key"].queryset = ApiKey.objects.active().order_by("name")
        fields["scope_entity"].queryset = scopes

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        kind = cleaned.get("principal_kind")
        if kind and not cleaned.get(kind):
            self.add_error(kind, "Choose whom to give the role to.")
        for other, _ in PRINCIPAL_KINDS:
            if other != kind:
                cleaned[other] = None
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_until is not None and valid_from is not None and valid_until <= valid_from:
            self.add_error("valid_until", "The assignment cannot end before it starts.")
        elif valid_until is not None and valid_until <= timezone.now():
            self.add_error("valid_until", "This assignment would already be over.")
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("role", "user", "team", "api_key", "scope_entity", "valid_from",
                                              "valid_until", "reason")}  # fmt: skip


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Why the access ends (kept in the history).")


class AssignmentFilterForm(forms.Form):
    """The list's filter bar; the filtering itself is `AssignmentFilter` (shared with the API)."""

    status = forms.ChoiceField(choices=[("", "Any status"), *AssignmentStatus.choices], required=False)
    role = forms.ChoiceField(required=False)
    principal_kind = forms.ChoiceField(choices=[("", "Anyone"), *PRINCIPAL_KINDS], required=False, label="Given to")
    expiring_soon = forms.BooleanField(
        required=False, label="Expiring within 7 days", widget=forms.CheckboxInput(attrs={"value": "true"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = Role.objects.order_by("name").values_list("uuid", "name")
        self.fields["role"].choices = [("", "Any role"), *((str(uuid), name) for uuid, name in roles)]  # type: ignore[attr-defined]


class ExplainForm(forms.Form):
    user = MemberChoiceField(queryset=User.objects.none(), label="Person")
    permission = forms.ChoiceField(required=False, help_text="Empty: everything the person may do.")
    entity = EntityChoiceField(queryset=Entity.objects.none(), required=False,
                               help_text="Empty: wherever the person may do it.")  # fmt: skip

    def __init__(self, *args: Any, tenant: Any, people: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["user"].queryset = people if people is not None else active_members(tenant)
        fields["permission"].choices = [("", "Any permission"), *_permission_choices()]
        fields["entity"].queryset = Entity.objects.all()

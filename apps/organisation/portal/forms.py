"""Forms of the organisation pages. They parse input; the services decide (their errors land on the
field they name)."""

import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.organisation.models import Entity, EntityStatus, EntityType, MemberProfile, MemberStatus
from apps.organisation.services import LANGUAGE_CODES, NOTIFICATION_CHANNELS


class EntityChoiceField(forms.ModelChoiceField):
    """Entities by public id, labelled with their place in the tree (indented by depth)."""

    def __init__(self, queryset: QuerySet[Entity], **kwargs: Any) -> None:
        super().__init__(queryset=queryset.select_related("entity_type").order_by("path"), to_field_name="uuid",
                         **kwargs)  # fmt: skip

    def label_from_instance(self, obj: Any) -> str:
        return f"{'— ' * obj.depth}{obj.name} ({obj.entity_type.name})"


class PersonChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        queryset = MemberProfile.objects.select_related("user").order_by("user__full_name", "user__email")
        super().__init__(queryset=queryset, to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.full_name or obj.user.email} <{obj.user.email}>"


def apply_errors(form: forms.Form, exc: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it."""
    fields = fields or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = fields.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


class EntityForm(forms.Form):
    name = forms.CharField(max_length=200)
    entity_type = forms.ModelChoiceField(queryset=EntityType.objects.all(), to_field_name="code", label="Type")
    status = forms.ChoiceField(choices=EntityStatus.choices, initial=EntityStatus.ACTIVE)
    manager = PersonChoiceField(required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    external_id = forms.CharField(required=False, max_length=100, label="External id",
                                  help_text="Identifier in another system, if any.")  # fmt: skip


class EntityCreateForm(EntityForm):
    field_order = ["parent", "name", "entity_type", "status", "manager", "description", "external_id"]

    def __init__(self, *args: Any, parents: QuerySet[Entity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = EntityChoiceField(parents, help_text="Where the new entity goes.")


class EntityEditForm(EntityForm):
    reason = forms.CharField(required=False, max_length=100, help_text="Kept with a status change.")


class EntityMoveForm(forms.Form):
    reason = forms.CharField(required=False, max_length=100)

    def __init__(self, *args: Any, parents: QuerySet[Entity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = EntityChoiceField(parents, label="New parent")
        self.order_fields(["parent", "reason"])


class EntityStatusForm(forms.Form):
    status = forms.ChoiceField(choices=EntityStatus.choices)
    reason = forms.CharField(required=False, max_length=100)


class EntityFilterForm(forms.Form):
    search = forms.CharField(required=False, label="Search")
    type = forms.ModelChoiceField(queryset=EntityType.objects.all(), to_field_name="code", required=False,
                                  empty_label="Any type", label="Type")  # fmt: skip
    status = forms.ChoiceField(choices=[("", "Any status"), *EntityStatus.choices], required=False)


class EntityTypeForm(forms.Form):
    code = forms.SlugField(max_length=40, help_text="Identifier, e.g. “region” (letters, digits, - and _).")
    name = forms.CharField(max_length=100)
    description = forms.CharField(required=False, max_length=255)
    position = forms.IntegerField(min_value=0, max_value=32767, initial=100, help_text="Smaller comes first.")


class PersonFilterForm(forms.Form):
    search = forms.CharField(required=False, label="Search", help_text="Name, email or employee code.")
    entity = EntityChoiceField(Entity.objects.all(), required=False, empty_label="Anywhere", label="In")
    status = forms.ChoiceField(choices=[("", "Any status"), *MemberStatus.choices], required=False)


class PersonCreateForm(forms.Form):
    member: Any = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]  # set per request in __init__
        required=False, empty_label="Choose a member…",
        help_text="An active member of the organisation without a profile yet.",
    )  # fmt: skip
    email = forms.EmailField(required=False, help_text="…or the email of an existing member.")
    job_title = forms.CharField(required=False, max_length=150)
    employee_code = forms.CharField(required=False, max_length=50)
    manager = PersonChoiceField(required=False)

    def __init__(self, *args: Any, members: QuerySet[Any], entities: QuerySet[Entity], entity_required: bool,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.queryset = members
        member_field.label_from_instance = lambda m: f"{m.user.full_name or m.user.email} <{m.user.email}>"
        self.fields["entity"] = EntityChoiceField(
            entities, required=entity_required, label="Primary entity",
            help_text="Where the person belongs." + ("" if entity_required else " Optional."),
        )  # fmt: skip
        self.order_fields(["member", "email", "entity", "job_title", "employee_code", "manager"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("member")) == bool(data.get("email")):
            raise ValidationError("Choose a member or give an email (one of the two).", code="user_or_email")
        return data


class PersonEditForm(forms.Form):
    job_title = forms.CharField(required=False, max_length=150)
    status = forms.ChoiceField(choices=MemberStatus.choices)
    manager = PersonChoiceField(required=False)
    employee_code = forms.CharField(required=False, max_length=50)
    reason = forms.CharField(required=False, max_length=100, help_text="Kept in the person's history.")


class MembershipAddForm(forms.Form):
    title = forms.CharField(required=False, max_length=150, help_text="Role in this entity, e.g. “Lead”.")
    is_primary = forms.BooleanField(required=False, label="Make this the primary entity")

    def __init__(self, *args: Any, entities: QuerySet[Entity], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"] = EntityChoiceField(entities)
        self.order_fields(["entity", "title", "is_primary"])


class SkillForm(forms.Form):
    name = forms.CharField(max_length=100)
    level = forms.TypedChoiceField(choices=[(n, str(n)) for n in range(1, 6)], coerce=int, initial=1)


class SkillLevelForm(forms.Form):
    level = forms.TypedChoiceField(choices=[(n, str(n)) for n in range(1, 6)], coerce=int)


class CertificationForm(forms.Form):
    name = forms.CharField(max_length=150)
    issuer = forms.CharField(required=False, max_length=150)
    issued_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Empty: does not expire.")  # fmt: skip


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(required=False)
    time_zone = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language: Any = self.fields["language"]
        language.choices = [("", "Organisation default"), *((c, c) for c in sorted(LANGUAGE_CODES))]
        time_zone: Any = self.fields["time_zone"]
        time_zone.choices = [("", "Organisation default"), *((z, z) for z in sorted(zoneinfo.available_timezones()))]
        for channel in NOTIFICATION_CHANNELS:
            self.fields[f"notify_{channel}"] = forms.BooleanField(
                required=False, label=f"Notify by {channel.replace('_', '-')}"
            )

    @classmethod
    def initial_from(cls, preferences: dict[str, Any]) -> dict[str, Any]:
        notifications = preferences.get("notifications") or {}
        initial = {"language": preferences.get("language", ""), "time_zone": preferences.get("time_zone", "")}
        initial.update({f"notify_{c}": notifications.get(c, True) for c in NOTIFICATION_CHANNELS})
        return initial

    @staticmethod
    def preferences_from(data: dict[str, Any]) -> dict[str, Any]:
        """The preferences the cleaned form data stands for ("default" clears a key)."""
        return {
            "language": data.get("language") or None,
            "time_zone": data.get("time_zone") or None,
            "notifications": {c: bool(data.get(f"notify_{c}")) for c in NOTIFICATION_CHANNELS},
        }

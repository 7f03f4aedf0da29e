"""Writes on the organisation: entity types, entities (create, move, rename, status, delete) and
people (profiles, entity memberships, reporting lines, skills, certifications, preferences). Run in
the tenant's schema.

Every rule is checked here first, for a clear message on the right field, and again by the database
(docs/organisation.md): orphans, cycles and duplicate sibling names cannot be written at all.
Joining or leaving an entity sends `entity_membership_added` / `entity_membership_removed`
(apps.organisation.signals), which the access app uses to extend or withdraw team assignments.
Every write keeps history (simple-history, with the acting person) and appends an audit event.
"""

import datetime
import zoneinfo
from typing import Any

from django.conf import global_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from apps.accounts.selectors import active_membership_for
from apps.audit import writes
from apps.audit.services import audit_record
from apps.tenancy.context import connection_tenant

from .models import Certification, Entity, EntityMembership, EntityType, MemberProfile, Skill
from .signals import entity_created, entity_membership_added, entity_membership_removed, entity_moved


def _tenant() -> Any:
    return connection_tenant()


def _stamp(instance: Any, acting_user: Any, reason: str = "") -> None:
    instance._history_user = writes.history_user(acting_user)
    if reason:
        instance._change_reason = reason[:100]


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- Entity types -------------------------------------------------------------------------------


ENTITY_TYPE_AUDITED = writes.Fields("code", "name", "description", "position", "is_system")


def _entity_type_unique_check(*, code: str | None, name: str | None, exclude_pk: int | None = None) -> None:
    others = EntityType.objects.exclude(pk=exclude_pk) if exclude_pk else EntityType.objects.all()
    if code is not None and others.filter(code__iexact=code).exists():
        raise _field_error("code", f"An entity type with the code “{code}” already exists.", "duplicate_code")
    if name is not None and others.filter(name__iexact=name.strip()).exists():
        raise _field_error("name", f"An entity type named “{name}” already exists.", "duplicate_name")


@transaction.atomic
def entity_type_create(
    *, code: str, name: str, acting_user: Any, description: str = "", position: int = 100
) -> EntityType:
    """A tenant's own kind of entity (e.g. “region”, “store”), next to the four system types."""
    code = code.strip().lower()
    _entity_type_unique_check(code=code, name=name)
    entity_type = EntityType(code=code, name=name.strip(), description=description, position=position)
    return writes.save_audited(
        entity_type, action="organisation.entity_type_created", fields=ENTITY_TYPE_AUDITED, before=None,
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def entity_type_update(*, entity_type: EntityType, acting_user: Any, **fields: Any) -> EntityType:
    """Rename or reorder a type. A system type keeps its code: seeds and imports refer to it."""
    allowed = {"code", "name", "description", "position"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"entity_type_update cannot change {sorted(unknown)}.")
    entity_type = EntityType.objects.select_for_update().get(pk=entity_type.pk)
    if "code" in fields:
        fields["code"] = fields["code"].strip().lower()
        if entity_type.is_system and fields["code"] != entity_type.code:
            raise _field_error("code", "The code of a system type cannot change.", "system_type")
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    _entity_type_unique_check(code=fields.get("code"), name=fields.get("name"), exclude_pk=entity_type.pk)
    return writes.update(
        entity_type, changes=fields, fields=ENTITY_TYPE_AUDITED, action="organisation.entity_type_updated",
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def entity_type_delete(*, entity_type: EntityType, acting_user: Any) -> None:
    """Remove a tenant's own type that no entity uses. System types stay."""
    entity_type = EntityType.objects.select_for_update().get(pk=entity_type.pk)
    if entity_type.is_system:
        raise _field_error(
            "entity_type", f"“{entity_type.name}” is a system type and cannot be removed.", "system_type"
        )
    in_use = entity_type.entities.count()
    if in_use:
        raise _field_error(
            "entity_type", f"{in_use} entities are of the type “{entity_type.name}”; change them first.", "in_use"
        )
    before = writes.snapshot(entity_type, ENTITY_TYPE_AUDITED)
    audit_record(
        action="organisation.entity_type_deleted", acting_user=acting_user, tenant=_tenant(), target=entity_type,
        before=before,
    )  # fmt: skip
    _stamp(entity_type, acting_user)
    entity_type.delete()


# --- Entities -----------------------------------------------------------------------------------


ENTITY_AUDITED = writes.Fields(
    "code", "name", "status", entity_type="entity_type.code", parent="parent_id", manager="manager_id"
)


def _sibling_name_check(*, name: str, parent: Entity | None, exclude_pk: int | None = None) -> None:
    siblings = Entity.objects.filter(parent=parent, name__iexact=name.strip())
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.exists():
        where = f"under {parent.name}" if parent else "at the root"
        raise ValidationError(
            {"name": ValidationError(f"An entity named “{name}” already exists {where}.", code="duplicate_sibling")}
        )


def _parent_check(*, parent: Entity | None, entity: Entity | None = None) -> None:
    if parent is None:
        roots = Entity.objects.filter(parent__isnull=True)
        if entity is not None and entity.pk is not None:
            roots = roots.exclude(pk=entity.pk)
        if roots.exists():
            raise ValidationError(
                {"parent": ValidationError("Every entity except the root needs a parent.", code="orphan")}
            )
        return
    current_parent = Entity.objects.values("path", "status").get(pk=parent.pk)
    if entity is not None and entity.pk is not None and f"/{entity.pk}/" in current_parent["path"]:
        raise ValidationError(
            {
                "parent": ValidationError(
                    f"{parent.name} is inside {entity.name}: an entity cannot move under its own subtree.",
                    code="cycle",
                )
            }
        )
    if current_parent["status"] == Entity.Status.ARCHIVED:
        raise _field_error(
            "parent", f"{parent.name} is archived: nothing new may be placed under it.", "archived_parent"
        )


def _status_check(*, entity: Entity, status: str) -> None:
    """The root stays active; an archived entity has only archived entities below it."""
    if status not in Entity.Status.values:
        raise _field_error("status", f"“{status}” is not an entity status.", "invalid_status")
    if status == entity.status:
        return
    if entity.parent_id is None and status != Entity.Status.ACTIVE:
        raise _field_error("status", "The root entity (the organisation itself) stays active.", "root_status")
    if status == Entity.Status.ARCHIVED:
        open_below = Entity.objects.subtree_of(entity, include_self=False).exclude(status=Entity.Status.ARCHIVED)
        if open_below.exists():
            raise _field_error(
                "status", f"Archive the entities below {entity.name} first (or move them).", "active_descendants"
            )
    elif Entity.objects.ancestors_of(entity).filter(status=Entity.Status.ARCHIVED).exists():
        raise _field_error(
            "status", f"An entity above {entity.name} is archived; restore it first.", "archived_ancestor"
        )


@transaction.atomic
def entity_create(
    *,
    name: str,
    entity_type: EntityType,
    parent: Entity | None,
    acting_user: Any,
    status: str = Entity.Status.ACTIVE,
    manager: MemberProfile | None = None,
    description: str = "",
    external_id: str = "",
) -> Entity:
    _parent_check(parent=parent)
    _sibling_name_check(name=name, parent=parent)
    entity = Entity(
        name=name.strip(), entity_type=entity_type, parent=parent, status=status, manager=manager,
        description=description, external_id=external_id,
    )  # fmt: skip
    entity.full_clean(exclude=["parent_path"], validate_constraints=False)
    _stamp(entity, acting_user)
    entity.save()
    audit_record(
        action="organisation.entity_created", acting_user=acting_user, tenant=_tenant(), target=entity,
        after=writes.snapshot(entity, ENTITY_AUDITED),
    )  # fmt: skip
    entity_created.send(sender=Entity, entity=entity, acting_user=acting_user)
    return entity


@transaction.atomic
def entity_update(*, entity: Entity, acting_user: Any, **fields: Any) -> Entity:
    """Change name, type, status, manager or description (moving is `entity_move`)."""
    allowed = {"name", "entity_type", "status", "manager", "description", "external_id"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"entity_update cannot change {sorted(unknown)}; use entity_move for the parent.")
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    before = writes.snapshot(entity, ENTITY_AUDITED)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        _sibling_name_check(name=fields["name"], parent=entity.parent, exclude_pk=entity.pk)
    if "status" in fields:
        _status_check(entity=entity, status=fields["status"])
    for field, value in fields.items():
        setattr(entity, field, value)
    entity.full_clean(exclude=["parent_path"], validate_constraints=False)
    _stamp(entity, acting_user)
    entity.save()
    audit_record(
        action="organisation.entity_updated", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=before, after=writes.snapshot(entity, ENTITY_AUDITED),
    )  # fmt: skip
    return entity


@transaction.atomic
def entity_status_change(*, entity: Entity, status: str, acting_user: Any, reason: str = "") -> Entity:
    """Activate, deactivate or archive an entity (the rules are in `_status_check`)."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _status_check(entity=entity, status=status)
    if status == entity.status:
        return entity
    before = writes.snapshot(entity, ENTITY_AUDITED)
    entity.status = status
    _stamp(entity, acting_user, reason)
    entity.save(update_fields=["status", "updated_at"])
    audit_record(
        action="organisation.entity_status_changed", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=before, after={**writes.snapshot(entity, ENTITY_AUDITED), "reason": reason},
    )  # fmt: skip
    return entity


@transaction.atomic
def entity_move(*, entity: Entity, new_parent: Entity, acting_user: Any, reason: str = "") -> Entity:
    """Re-parent an entity; the database rewrites the paths of its whole subtree in the same statement."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if entity.parent_id is None:
        raise ValidationError({"parent": ValidationError("The root entity cannot be moved.", code="root_move")})
    if new_parent.pk == entity.pk:
        raise ValidationError({"parent": ValidationError("An entity cannot be its own parent.", code="cycle")})
    _parent_check(parent=new_parent, entity=entity)
    _sibling_name_check(name=entity.name, parent=new_parent, exclude_pk=entity.pk)
    before = writes.snapshot(entity, ENTITY_AUDITED)
    old_path = entity.path
    entity.parent = new_parent
    _stamp(entity, acting_user, reason or "moved")
    entity.save()
    audit_record(
        action="organisation.entity_moved", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=before, after=writes.snapshot(entity, ENTITY_AUDITED),
    )  # fmt: skip
    entity_moved.send(sender=Entity, entity=entity, old_path=old_path, acting_user=acting_user)
    return entity


@transaction.atomic
def entity_delete(*, entity: Entity, acting_user: Any) -> None:
    """Delete an empty entity: not the root, no entities below it, nobody in it, nothing pointing at it."""
    entity = Entity.objects.select_for_update().select_related("entity_type").get(pk=entity.pk)
    if entity.parent_id is None:
        raise _field_error("entity", "The root entity cannot be deleted.", "root_delete")
    if entity.children.exists():
        raise _field_error("entity", f"{entity.name} has entities below it; move or delete them first.", "has_children")
    if entity.memberships.exists():
        raise _field_error("entity", f"{entity.name} still has people; move them first.", "has_members")
    audit_record(
        action="organisation.entity_deleted", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=writes.snapshot(entity, ENTITY_AUDITED),
    )  # fmt: skip
    _stamp(entity, acting_user)
    try:
        with transaction.atomic():
            entity.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise _field_error(
            "entity", f"{entity.name} is still referred to (e.g. by role assignments); remove those first.", "in_use"
        ) from exc


# --- People -------------------------------------------------------------------------------------


PROFILE_AUDITED = writes.Fields(
    "code", "employee_code", "job_title", "status", user=lambda profile: str(profile.user_id), manager="manager_id"
)


def _manager_check(*, profile: MemberProfile, manager: MemberProfile | None) -> None:
    if manager is None:
        return
    if profile.pk is not None and manager.pk == profile.pk:
        raise ValidationError({"manager": ValidationError("A person cannot be their own manager.", code="cycle")})
    if profile.pk is not None:
        manager_path = MemberProfile.objects.values_list("reporting_path", flat=True).get(pk=manager.pk)
        if f"/{profile.pk}/" in manager_path:
            raise ValidationError(
                {
                    "manager": ValidationError(
                        f"{manager} already reports to {profile}: that would be a cycle.", code="cycle"
                    )
                }
            )


def _employee_code_check(*, employee_code: str, exclude_pk: int | None = None) -> None:
    if not employee_code:
        return
    others = MemberProfile.objects.filter(employee_code=employee_code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise _field_error(
            "employee_code",
            f"Another person already has the employee code “{employee_code}”.",
            "duplicate_employee_code",
        )


@transaction.atomic
def profile_ensure(*, user: Any, acting_user: Any, **fields: Any) -> MemberProfile:
    """The user's profile in this tenant, created on first use (fields apply only when creating)."""
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    manager = fields.get("manager")
    profile = MemberProfile(user=user, **fields)
    _manager_check(profile=profile, manager=manager)
    _employee_code_check(employee_code=profile.employee_code)
    profile.full_clean(exclude=["manager_path"], validate_constraints=False)
    _stamp(profile, acting_user)
    profile.save()
    audit_record(
        action="organisation.profile_created", acting_user=acting_user, tenant=_tenant(), target=profile,
        after=writes.snapshot(profile, PROFILE_AUDITED),
    )  # fmt: skip
    return profile


@transaction.atomic
def profile_create(
    *, user: Any, acting_user: Any, entity: Entity | None = None, title: str = "", **fields: Any
) -> MemberProfile:
    """A profile for an active member of this tenant who has none yet, optionally placed in `entity`
    (as their primary entity)."""
    if active_membership_for(user=user, tenant=_tenant()) is None:
        raise _field_error("user", f"{user} is not an active member of this organisation.", "not_member")
    if MemberProfile.objects.filter(user=user).exists():
        raise _field_error("user", f"{user} already has a profile here.", "profile_exists")
    profile = profile_ensure(user=user, acting_user=acting_user, **fields)
    if entity is not None:
        entity_membership_add(profile=profile, entity=entity, acting_user=acting_user, is_primary=True, title=title)
    return profile


@transaction.atomic
def profile_update(*, profile: MemberProfile, acting_user: Any, reason: str = "", **fields: Any) -> MemberProfile:
    """Change job title, status, manager (reporting line), employee code or preferences."""
    allowed = {"job_title", "status", "manager", "employee_code", "preferences", "external_id"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"profile_update cannot change {sorted(unknown)}.")
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    before = writes.snapshot(profile, PROFILE_AUDITED)
    if "manager" in fields:
        _manager_check(profile=profile, manager=fields["manager"])
    if "employee_code" in fields:
        fields["employee_code"] = (fields["employee_code"] or "").strip()
        _employee_code_check(employee_code=fields["employee_code"], exclude_pk=profile.pk)
    if "status" in fields and fields["status"] not in MemberProfile.Status.values:
        raise _field_error("status", f"“{fields['status']}” is not a person status.", "invalid_status")
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["manager_path"], validate_constraints=False)
    _stamp(profile, acting_user, reason)
    profile.save()
    audit_record(
        action="organisation.profile_updated", acting_user=acting_user, tenant=_tenant(), target=profile,
        before=before, after=writes.snapshot(profile, PROFILE_AUDITED),
    )  # fmt: skip
    return profile


# Preferences are free-form JSON in the model; these are the keys the product knows, with their checks.
LANGUAGE_CODES = frozenset(code for code, _ in global_settings.LANGUAGES)
NOTIFICATION_CHANNELS = ("email", "in_app", "sms", "push")


def _preference_language(value: Any) -> None:
    if value not in LANGUAGE_CODES:
        raise ValidationError(f"“{value}” is not a language code (e.g. “en”, “fr”).", code="invalid_language")


def _preference_time_zone(value: Any) -> None:
    if not isinstance(value, str) or value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone.", code="invalid_time_zone")


def _preference_notifications(value: Any) -> None:
    if not isinstance(value, dict) or not all(
        channel in NOTIFICATION_CHANNELS and isinstance(on, bool) for channel, on in value.items()
    ):
        raise ValidationError(
            f"Notifications are on/off (true/false) per channel: {', '.join(NOTIFICATION_CHANNELS)}.",
            code="invalid_notifications",
        )


PREFERENCE_VALIDATORS = {
    "language": _preference_language,
    "time_zone": _preference_time_zone,
    "notifications": _preference_notifications,
}


def preferences_validate(preferences: Any) -> None:
    if not isinstance(preferences, dict):
        raise _field_error("preferences", "Preferences are an object of named settings.", "invalid_preferences")
    for key, value in preferences.items():
        if key not in PREFERENCE_VALIDATORS:
            known = ", ".join(PREFERENCE_VALIDATORS)
            raise _field_error("preferences", f"Unknown preference “{key}” (known: {known}).", "unknown_preference")
        if value is not None:
            try:
                PREFERENCE_VALIDATORS[key](value)
            except ValidationError as exc:
                raise ValidationError({"preferences": exc}) from exc


@transaction.atomic
def profile_preferences_update(
    *, profile: MemberProfile, preferences: dict[str, Any], acting_user: Any, replace: bool = False
) -> MemberProfile:
    """Merge (or with `replace`, set) a person's preferences; a key given as None is cleared."""
    preferences_validate(preferences)
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    before = dict(profile.preferences or {})
    merged = {} if replace else dict(before)
    for key, value in preferences.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if merged == before:
        return profile
    profile.preferences = merged
    _stamp(profile, acting_user, "preferences")
    profile.save(update_fields=["preferences", "updated_at"])
    audit_record(
        action="organisation.preferences_updated", acting_user=acting_user, tenant=_tenant(), target=profile,
        before={"preferences": before}, after={"preferences": merged},
    )  # fmt: skip
    return profile


# --- Entity memberships -------------------------------------------------------------------------


def _primary_clear(*, profile: MemberProfile, acting_user: Any, keep_pk: int | None = None) -> None:
    # Saved one by one (a person has a handful) so that history shows the primary entity changing.
    others = EntityMembership.objects.filter(profile=profile, is_primary=True)
    if keep_pk is not None:
        others = others.exclude(pk=keep_pk)
    for other in others:
        other.is_primary = False
        _stamp(other, acting_user, "primary entity changed")
        other.save(update_fields=["is_primary"])


@transaction.atomic
def entity_membership_add(
    *, profile: MemberProfile, entity: Entity, acting_user: Any, is_primary: bool = False, title: str = ""
) -> EntityMembership:
    """Put a person in an entity (idempotent). Team assignments of the entity now cover them too."""
    membership = EntityMembership.objects.filter(profile=profile, entity=entity).first()
    if membership is not None:
        return membership
    if Entity.objects.filter(pk=entity.pk, status=Entity.Status.ARCHIVED).exists():
        raise _field_error("entity", f"{entity.name} is archived: nobody may join it.", "archived_entity")
    if is_primary:
        _primary_clear(profile=profile, acting_user=acting_user)
    membership = EntityMembership(profile=profile, entity=entity, is_primary=is_primary, title=title)
    _stamp(membership, acting_user)
    membership.save()
    audit_record(
        action="organisation.membership_added", acting_user=acting_user, tenant=_tenant(), target=membership,
        after={"profile": profile.pk, "entity": entity.pk, "is_primary": is_primary},
    )  # fmt: skip
    entity_membership_added.send(sender=EntityMembership, membership=membership, acting_user=acting_user)
    return membership


@transaction.atomic
def entity_membership_set_primary(*, membership: EntityMembership, acting_user: Any) -> EntityMembership:
    """Make this entity the person's primary (home) entity; their previous primary stays a membership."""
    membership = EntityMembership.objects.select_for_update().get(pk=membership.pk)
    if membership.is_primary:
        return membership
    _primary_clear(profile=membership.profile, acting_user=acting_user, keep_pk=membership.pk)
    membership.is_primary = True
    _stamp(membership, acting_user, "primary entity changed")
    membership.save(update_fields=["is_primary"])
    audit_record(
        action="organisation.primary_entity_changed", acting_user=acting_user, tenant=_tenant(), target=membership,
        after={"profile": membership.profile_id, "entity": membership.entity_id},
    )  # fmt: skip
    return membership


@transaction.atomic
def entity_membership_remove(*, membership: EntityMembership, acting_user: Any, reason: str = "") -> None:
    """Take a person out of an entity; team assignments of the entity stop covering them."""
    _stamp(membership, acting_user, reason or "left")
    entity_membership_removed.send(sender=EntityMembership, membership=membership, acting_user=acting_user)
    audit_record(
        action="organisation.membership_removed", acting_user=acting_user, tenant=_tenant(), target=membership,
        before={"profile": membership.profile_id, "entity": membership.entity_id}, after={"reason": reason},
    )  # fmt: skip
    membership.delete()


# --- Skills and certifications ------------------------------------------------------------------


SKILL_AUDITED = writes.Fields("name", "level", profile="profile_id")


def _skill_checks(*, profile_id: int, name: str, level: Any, exclude_pk: int | None = None) -> None:
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 5:
        raise _field_error("level", "A skill level is from 1 (basic) to 5 (expert).", "invalid_level")
    others = Skill.objects.filter(profile_id=profile_id, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise _field_error("name", f"This person already has the skill “{name}”.", "duplicate_skill")


@transaction.atomic
def skill_add(*, profile: MemberProfile, name: str, acting_user: Any, level: int = 1) -> Skill:
    name = name.strip()
    _skill_checks(profile_id=profile.pk, name=name, level=level)
    skill = Skill(profile=profile, name=name, level=level)
    return writes.save_audited(
        skill, action="organisation.skill_added", fields=SKILL_AUDITED, before=None,
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def skill_update(*, skill: Skill, acting_user: Any, **fields: Any) -> Skill:
    unknown = set(fields) - {"name", "level"}
    if unknown:
        raise ValueError(f"skill_update cannot change {sorted(unknown)}.")
    skill = Skill.objects.select_for_update().get(pk=skill.pk)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    _skill_checks(
        profile_id=skill.profile_id, name=fields.get("name", skill.name), level=fields.get("level", skill.level),
        exclude_pk=skill.pk,
    )  # fmt: skip
    return writes.update(
        skill, changes=fields, fields=SKILL_AUDITED, action="organisation.skill_updated",
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def skill_remove(*, skill: Skill, acting_user: Any) -> None:
    audit_record(
        action="organisation.skill_removed", acting_user=acting_user, tenant=_tenant(), target=skill,
        before=writes.snapshot(skill, SKILL_AUDITED),
    )  # fmt: skip
    _stamp(skill, acting_user)
    skill.delete()


CERTIFICATION_AUDITED = writes.Fields("name", "issuer", "issued_on", "expires_on", profile="profile_id")


def _certification_dates_check(issued_on: datetime.date | None, expires_on: datetime.date | None) -> None:
    if issued_on is not None and expires_on is not None and expires_on < issued_on:
        raise _field_error("expires_on", "A certification cannot expire before it was issued.", "expires_before_issue")


@transaction.atomic
def certification_add(
    *,
    profile: MemberProfile,
    name: str,
    acting_user: Any,
    issuer: str = "",
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
) -> Certification:
    _certification_dates_check(issued_on, expires_on)
    certification = Certification(
        profile=profile, name=name.strip(), issuer=issuer.strip(), issued_on=issued_on, expires_on=expires_on
    )
    return writes.save_audited(
        certification, action="organisation.certification_added", fields=CERTIFICATION_AUDITED, before=None,
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def certification_update(*, certification: Certification, acting_user: Any, **fields: Any) -> Certification:
    unknown = set(fields) - {"name", "issuer", "issued_on", "expires_on"}
    if unknown:
        raise ValueError(f"certification_update cannot change {sorted(unknown)}.")
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    _certification_dates_check(
        fields.get("issued_on", certification.issued_on), fields.get("expires_on", certification.expires_on)
    )
    changes = {field: value.strip() if isinstance(value, str) else value for field, value in fields.items()}
    return writes.update(
        certification, changes=changes, fields=CERTIFICATION_AUDITED, action="organisation.certification_updated",
        acting_user=acting_user, tenant=_tenant(), validate_constraints=False,
    )  # fmt: skip


@transaction.atomic
def certification_remove(*, certification: Certification, acting_user: Any) -> None:
    audit_record(
        action="organisation.certification_removed", acting_user=acting_user, tenant=_tenant(),
        target=certification, before=writes.snapshot(certification, CERTIFICATION_AUDITED),
    )  # fmt: skip
    _stamp(certification, acting_user)
    certification.delete()

"""Writes on the organisation: entities (create, move, rename, status) and people (profiles,
entity memberships, reporting lines). Run in the tenant's schema.

Every rule is checked here first, for a clear message on the right field, and again by the database
(docs/organisation.md): orphans, cycles and duplicate sibling names cannot be written at all.
Joining or leaving an entity sends `entity_membership_added` / `entity_membership_removed`
(apps.organisation.signals), which the access app uses to extend or withdraw team assignments.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.audit.services import audit_record
from apps.tenancy.context import connection_tenant

from .models import Entity, EntityMembership, EntityType, MemberProfile
from .signals import entity_created, entity_membership_added, entity_membership_removed, entity_moved


def _tenant() -> Any:
    return connection_tenant()


def _entity_snapshot(entity: Entity) -> dict[str, Any]:
    return {
        "code": entity.code,
        "name": entity.name,
        "entity_type": entity.entity_type.code if entity.entity_type_id else None,
        "parent": entity.parent_id,
        "status": entity.status,
        "manager": entity.manager_id,
    }


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
    if entity is not None and entity.pk is not None:
        current_parent_path = Entity.objects.values_list("path", flat=True).get(pk=parent.pk)
        if f"/{entity.pk}/" in current_parent_path:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        f"{parent.name} is inside {entity.name}: an entity cannot move under its own subtree.",
                        code="cycle",
                    )
                }
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
    entity._history_user = acting_user  # type: ignore[attr-defined]
    entity.save()
    audit_record(
        action="organisation.entity_created", acting_user=acting_user, tenant=_tenant(), target=entity,
        after=_entity_snapshot(entity),
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
    before = _entity_snapshot(entity)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        _sibling_name_check(name=fields["name"], parent=entity.parent, exclude_pk=entity.pk)
    for field, value in fields.items():
        setattr(entity, field, value)
    entity.full_clean(exclude=["parent_path"], validate_constraints=False)
    entity._history_user = acting_user  # type: ignore[attr-defined]
    entity.save()
    audit_record(
        action="organisation.entity_updated", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=before, after=_entity_snapshot(entity),
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
    before = _entity_snapshot(entity)
    old_path = entity.path
    entity.parent = new_parent
    entity._history_user = acting_user  # type: ignore[attr-defined]
    entity._change_reason = reason or "moved"  # type: ignore[attr-defined]
    entity.save()
    audit_record(
        action="organisation.entity_moved", acting_user=acting_user, tenant=_tenant(), target=entity,
        before=before, after=_entity_snapshot(entity),
    )  # fmt: skip
    entity_moved.send(sender=Entity, entity=entity, old_path=old_path, acting_user=acting_user)
    return entity


# --- People -------------------------------------------------------------------------------------


def _profile_snapshot(profile: MemberProfile) -> dict[str, Any]:
    return {
        "code": profile.code,
        "user": str(profile.user_id),
        "employee_code": profile.employee_code,
        "job_title": profile.job_title,
        "status": profile.status,
        "manager": profile.manager_id,
    }


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


@transaction.atomic
def profile_ensure(*, user: Any, acting_user: Any, **fields: Any) -> MemberProfile:
    """The user's profile in this tenant, created on first use (fields apply only when creating)."""
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    manager = fields.get("manager")
    profile = MemberProfile(user=user, **fields)
    _manager_check(profile=profile, manager=manager)
    profile.full_clean(exclude=["manager_path"], validate_constraints=False)
    profile._history_user = acting_user  # type: ignore[attr-defined]
    profile.save()
    audit_record(
        action="organisation.profile_created", acting_user=acting_user, tenant=_tenant(), target=profile,
        after=_profile_snapshot(profile),
    )  # fmt: skip
    return profile


@transaction.atomic
def profile_update(*, profile: MemberProfile, acting_user: Any, reason: str = "", **fields: Any) -> MemberProfile:
    """Change job title, status, manager (reporting line), employee code or preferences."""
    allowed = {"job_title", "status", "manager", "employee_code", "preferences", "external_id"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"profile_update cannot change {sorted(unknown)}.")
    profile = MemberProfile.objects.select_for_update().get(pk=profile.pk)
    before = _profile_snapshot(profile)
    if "manager" in fields:
        _manager_check(profile=profile, manager=fields["manager"])
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.full_clean(exclude=["manager_path"], validate_constraints=False)
    profile._history_user = acting_user  # type: ignore[attr-defined]
    if reason:
        profile._change_reason = reason  # type: ignore[attr-defined]
    profile.save()
    audit_record(
        action="organisation.profile_updated", acting_user=acting_user, tenant=_tenant(), target=profile,
        before=before, after=_profile_snapshot(profile),
    )  # fmt: skip
    return profile


@transaction.atomic
def entity_membership_add(
    *, profile: MemberProfile, entity: Entity, acting_user: Any, is_primary: bool = False, title: str = ""
) -> EntityMembership:
    """Put a person in an entity (idempotent). Team assignments of the entity now cover them too."""
    membership = EntityMembership.objects.filter(profile=profile, entity=entity).first()
    if membership is not None:
        return membership
    if is_primary:
        EntityMembership.objects.filter(profile=profile, is_primary=True).update(is_primary=False)
    membership = EntityMembership(profile=profile, entity=entity, is_primary=is_primary, title=title)
    membership._history_user = acting_user  # type: ignore[attr-defined]
    membership.save()
    audit_record(
        action="organisation.membership_added", acting_user=acting_user, tenant=_tenant(), target=membership,
        after={"profile": profile.pk, "entity": entity.pk, "is_primary": is_primary},
    )  # fmt: skip
    entity_membership_added.send(sender=EntityMembership, membership=membership, acting_user=acting_user)
    return membership


@transaction.atomic
def entity_membership_remove(*, membership: EntityMembership, acting_user: Any, reason: str = "") -> None:
    """Take a person out of an entity; team assignments of the entity stop covering them."""
    membership._history_user = acting_user  # type: ignore[attr-defined]
    membership._change_reason = reason or "left"  # type: ignore[attr-defined]
    entity_membership_removed.send(sender=EntityMembership, membership=membership, acting_user=acting_user)
    audit_record(
        action="organisation.membership_removed", acting_user=acting_user, tenant=_tenant(), target=membership,
        before={"profile": membership.profile_id, "entity": membership.entity_id}, after={"reason": reason},
    )  # fmt: skip
    membership.delete()

"""Writing a validated import, in one transaction, through the domain services.

Order: entities (parents first), then people (account, membership of the tenant, profile, entity
memberships), then reporting lines (managers first), then role assignments. Rows the plan marks as
unchanged are not touched, so re-running a file writes no history. A refusal by a service (someone
changed the directory since validation) rolls everything back and is reported on the row.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import Membership
from apps.accounts.services import membership_create
from apps.audit.services import audit_record
from apps.core import hooks
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.services import (
    entity_create,
    entity_membership_add,
    entity_membership_set_primary,
    entity_move,
    entity_update,
    profile_ensure,
    profile_update,
)

from .progress import Progress
from .validation import (
    AssignmentPlan,
    EntityPlan,
    ImportPlan,
    PersonPlan,
    Ref,
    ReportingLinePlan,
    ReportLine,
    Status,
)

CHANGE_REASON = "directory import"


class ImportAborted(Exception):
    """A write was refused; the transaction was rolled back and the row says why."""


def _user_create(*, email: str, full_name: str, acting_user: Any) -> Any:
    """A global account with no password yet (the person sets one with “Forgot password?”)."""
    user = get_user_model()(email=email, full_name=full_name)
    user.set_unusable_password()
    user._history_user = acting_user  # type: ignore[attr-defined]
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(action="user.created", acting_user=acting_user, target=user, after={"email": email, "via": "import"})
    return user


class Applier:
    def __init__(self, *, plan: ImportPlan, tenant: Any, acting_user: Any, progress: Progress) -> None:
        self.plan, self.tenant, self.acting_user, self.progress = plan, tenant, acting_user, progress
        self.entities: dict[int, Entity] = {}
        self.entity_pks = {p.external_id: p.existing.pk for p in plan.entities if p.existing is not None}
        self.profiles: dict[str, MemberProfile] = {}
        self.types = {t.pk: t for t in EntityType.objects.all()}

    def run(self) -> None:
        self.progress.start("Importing", self.plan.write_count)
        steps: list[tuple[Any, list[Any]]] = [
            (self._entity, self.plan.entities), (self._person, self.plan.people),
            (self._reporting_line, self.plan.reporting_lines), (self._assignment, self.plan.assignments),
        ]  # fmt: skip
        for write, items in steps:
            for item in items:
                self._step(item.line, write, item)
                self.progress.advance()
        self.progress.finish()

    def _step(self, line: ReportLine, write: Any, item: Any) -> None:
        try:
            write(item)
        except ValidationError as exc:
            line.errors.append("Refused while writing: " + " ".join(exc.messages))
            raise ImportAborted from exc
        except IntegrityError as exc:
            line.errors.append(f"The database refused this row: {str(exc).splitlines()[0]}")
            raise ImportAborted from exc

    def entity(self, ref: Ref) -> Entity:
        pk = ref.pk if ref.pk is not None else self.entity_pks[ref.file_id]
        if pk not in self.entities:
            self.entities[pk] = Entity.objects.select_related("entity_type").get(pk=pk)
        return self.entities[pk]

    def profile(self, ref: Ref) -> MemberProfile:
        if ref.file_id:
            return self.profiles[ref.file_id]
        assert ref.pk is not None
        return MemberProfile.objects.select_related("user").get(pk=ref.pk)

    def _entity(self, plan: EntityPlan) -> None:
        parent = self.entity(plan.parent) if plan.parent is not None else None
        if plan.existing is None:
            assert plan.type_pk is not None and parent is not None
            created = entity_create(
                name=plan.name, entity_type=self.types[plan.type_pk], parent=parent, description=plan.description,
                external_id=plan.external_id, acting_user=self.acting_user,
            )  # fmt: skip
            self.entity_pks[plan.external_id] = created.pk
            self.entities[created.pk] = created
            return
        entity = self.entity(Ref(pk=plan.existing.pk))
        if plan.changes:
            changes = dict(plan.changes)
            if "entity_type" in changes:
                changes["entity_type"] = self.types[changes["entity_type"]]
            entity = entity_update(entity=entity, acting_user=self.acting_user, **changes)
        if plan.move and parent is not None:
            entity = entity_move(entity=entity, new_parent=parent, acting_user=self.acting_user, reason=CHANGE_REASON)
        self.entities[entity.pk] = entity

    def _person(self, plan: PersonPlan) -> None:
        User = get_user_model()
        if plan.user_pk is not None:
            user = User.objects.get(pk=plan.user_pk)
        else:
            user = _user_create(email=plan.email, full_name=plan.full_name, acting_user=self.acting_user)
        if plan.needs_membership:
            membership_create(
                user=user, tenant=self.tenant, role=Membership.Role.MEMBER,
                joined_via=Membership.JoinedVia.TRANSFER, acting_user=self.acting_user,
            )  # fmt: skip
        if plan.profile is None:
            profile = profile_ensure(
                user=user, acting_user=self.acting_user, external_id=plan.external_id, job_title=plan.job_title,
                employee_code=plan.employee_code,
            )  # fmt: skip
        else:
            profile = MemberProfile.objects.select_related("user").get(pk=plan.profile.pk)
            if plan.changes:
                profile = profile_update(
                    profile=profile, acting_user=self.acting_user, reason=CHANGE_REASON, **plan.changes
                )
        for ref, is_primary in plan.memberships_to_add:
            entity_membership_add(
                profile=profile, entity=self.entity(ref), is_primary=is_primary, acting_user=self.acting_user
            )
        if plan.primary_entity_pk is not None:
            membership = EntityMembership.objects.get(profile=profile, entity_id=plan.primary_entity_pk)
            entity_membership_set_primary(membership=membership, acting_user=self.acting_user)
        self.profiles[plan.external_id] = profile

    def _reporting_line(self, plan: ReportingLinePlan) -> None:
        if plan.action == Status.UNCHANGED:
            return
        profile = self.profile(plan.person)
        updated = profile_update(
            profile=profile, manager=self.profile(plan.manager), acting_user=self.acting_user, reason=CHANGE_REASON
        )
        if plan.person.file_id:
            self.profiles[plan.person.file_id] = updated

    def _assignment(self, plan: AssignmentPlan) -> None:
        if plan.line.action == Status.UNCHANGED:
            return
        # Role assignments belong to the access app (hook "organisation.import_assignments").
        hooks.one("organisation.import_assignments")().create(
            role_pk=plan.role_pk,
            user=self.profile(plan.person).user if plan.person is not None else None,
            team=self.entity(plan.team) if plan.team is not None else None,
            scope_entity=self.entity(plan.scope), valid_from=plan.valid_from, valid_until=plan.valid_until,
            reason=plan.reason or "Directory import", acting_user=self.acting_user,
        )  # fmt: skip


def import_apply(*, plan: ImportPlan, tenant: Any, acting_user: Any, progress: Progress, source: str = "") -> bool:
    """Write the plan in one transaction. False (and nothing written) when a write was refused."""
    counts = plan.counts()
    if not counts[Status.CREATE] and not counts[Status.UPDATE]:
        plan.committed = True  # nothing to do: an unchanged re-run leaves no trace at all
        return True
    try:
        with transaction.atomic():
            Applier(plan=plan, tenant=tenant, acting_user=acting_user, progress=progress).run()
            audit_record(
                action="organisation.directory_imported", acting_user=acting_user, tenant=tenant,
                target_type="organisation.import",
                after={"source": source, "rows": len(plan.lines), **plan.counts()},
            )  # fmt: skip
    except ImportAborted:
        progress.finish()
        plan.errors.append("A row was refused while writing; nothing was imported.")
        return False
    plan.committed = True
    return True

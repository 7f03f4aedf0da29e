"""Checking a directory import against the file itself and the tenant's current directory. No writes.

The tenant's directory is read once, in a few queries (entities, people, the file's accounts,
memberships, roles, assignments), and every rule is then checked in memory on the *final* state the
file describes: parents and managers may come later in the file, an existing entity may be moved,
and a cycle or a duplicate sibling name is found before anything is written. Each row gets one
`ReportLine`; the plan keeps what `apply.import_apply` needs, in the order it must be written
(parents before children, managers before their reports).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.models import Membership
from apps.core import hooks
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile

from .formats import KIND_COLUMNS, ImportRow, RecordKind
from .progress import Progress


def _assignments() -> Any:
    """Role assignments belong to the access app (built on the organisation): hook
    "organisation.import_assignments" (apps/access/organisation_hooks.py)."""
    return hooks.one("organisation.import_assignments")()


MAX_LENGTHS = {
    "external_id": 100, "name": 200, "job_title": 150, "employee_code": 50, "email": 254, "full_name": 200,
    "reason": 255,
}  # fmt: skip
SEAT_STATUSES = (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)


class Status:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"

    ALL = (CREATE, UPDATE, UNCHANGED, ERROR)


@dataclass
class ReportLine:
    row: int
    kind: str
    external_id: str
    action: str = Status.UNCHANGED
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return Status.ERROR if self.errors else self.action

    @property
    def messages(self) -> list[str]:
        """What went wrong, or else what the row does."""
        return self.errors or self.notes

    def changed(self, action: str = Status.UPDATE) -> None:
        if self.action == Status.UNCHANGED:
            self.action = action


@dataclass(frozen=True)
class Ref:
    """An entity or a person: a row of the file (by external id) or a row already in the tenant (by pk).

    An existing row that the file also describes is always referred to by its file id, so both ways
    of naming it (external id, ENT-/PRS- code) lead to the same node.
    """

    file_id: str = ""
    pk: int | None = None


@dataclass(frozen=True)
class ExistingEntity:
    pk: int
    code: str
    external_id: str
    name: str
    parent_id: int | None
    type_pk: int
    description: str
    status: str

    @property
    def archived(self) -> bool:
        return self.status == Entity.Status.ARCHIVED


@dataclass(frozen=True)
class ExistingProfile:
    pk: int
    code: str
    external_id: str
    user_id: Any
    email: str
    manager_id: int | None
    job_title: str
    employee_code: str


@dataclass
class EntityPlan:
    line: ReportLine
    external_id: str
    name: str
    type_pk: int | None
    description: str
    parent_value: str
    existing: ExistingEntity | None
    parent: Ref | None = None  # the final parent; None for the root (or when it could not be resolved)
    changes: dict[str, Any] = field(default_factory=dict)
    move: bool = False


@dataclass
class PersonPlan:
    line: ReportLine
    external_id: str
    email: str
    full_name: str
    job_title: str
    employee_code: str
    entity_values: list[str]
    manager_value: str
    user_pk: Any = None  # an existing account (found by the profile or by email)
    profile: ExistingProfile | None = None
    needs_membership: bool = False
    changes: dict[str, Any] = field(default_factory=dict)
    memberships_to_add: list[tuple[Ref, bool]] = field(default_factory=list)
    primary_entity_pk: int | None = None  # an existing membership that becomes the primary one


@dataclass
class ReportingLinePlan:
    line: ReportLine
    person: Ref
    manager: Ref
    action: str = Status.UNCHANGED


@dataclass
class AssignmentPlan:
    line: ReportLine
    role_pk: int
    person: Ref | None
    team: Ref | None
    scope: Ref
    valid_from: datetime | None
    valid_until: datetime | None
    reason: str


@dataclass
class ImportPlan:
    lines: list[ReportLine]
    entities: list[EntityPlan] = field(default_factory=list)  # parents first
    people: list[PersonPlan] = field(default_factory=list)
    reporting_lines: list[ReportingLinePlan] = field(default_factory=list)  # managers first
    assignments: list[AssignmentPlan] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the import as a whole
    committed: bool = False

    @property
    def error_count(self) -> int:
        return sum(1 for line in self.lines if line.errors)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or self.error_count > 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(Status.ALL, 0)
        for line in self.lines:
            counts[line.status] += 1
        return counts

    def counts_by_kind(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {kind: dict.fromkeys(Status.ALL, 0) for kind in RecordKind.ALL}
        for line in self.lines:
            if line.kind in counts:
                counts[line.kind][line.status] += 1
        return counts

    @property
    def write_count(self) -> int:
        """How many write steps committing takes (the bar of the writing phase)."""
        return len(self.entities) + len(self.people) + len(self.reporting_lines) + len(self.assignments)


def _walk(starts: Iterable[Ref], parent_of: Callable[[Ref], Ref | None]) -> tuple[dict[Ref, int], dict[Ref, list[Ref]]]:
    """Depth in the final tree of every node reachable from `starts`, and the cycle each cyclic node is in.

    Nodes below a cycle get neither a depth nor a cycle.
    """
    depth: dict[Ref, int] = {}
    cycles: dict[Ref, list[Ref]] = {}
    stuck: set[Ref] = set()
    for start in starts:
        path: list[Ref] = []
        ref: Ref | None = start
        while ref is not None and ref not in depth and ref not in cycles and ref not in stuck:
            if ref in path:
                loop = path[path.index(ref) :]
                cycles.update(dict.fromkeys(loop, loop))
                break
            path.append(ref)
            ref = parent_of(ref)
        base = -1 if ref is None else depth.get(ref)
        for node in reversed(path):
            if node in cycles:
                continue
            if base is None:
                stuck.add(node)
            else:
                base += 1
                depth[node] = base
    return depth, cycles


def _zone(tenant: Any) -> Any:
    try:
        return ZoneInfo(tenant.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _when(value: str, zone: Any, *, end_of_day: bool) -> datetime:
    """ISO 8601. A date alone is the start of that day (valid_from) or the end of it (valid_until)."""
    if len(value) == 10:
        day = date.fromisoformat(value) + timedelta(days=1 if end_of_day else 0)
        return timezone.make_aware(datetime.combine(day, time.min), zone)
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, zone)


class Validator:
    """Builds the `ImportPlan` of one file for the tenant whose schema the connection is on."""

    def __init__(self, *, rows: list[ImportRow], tenant: Any, progress: Progress) -> None:
        self.rows, self.tenant, self.progress = rows, tenant, progress
        self.plan = ImportPlan(lines=[ReportLine(row.row, row.kind, self._line_id(row)) for row in rows])
        self.entity_plans: dict[str, EntityPlan] = {}
        self.person_plans: dict[str, PersonPlan] = {}
        self.emails: dict[str, int] = {}
        self.line_plans: dict[Ref, ReportingLinePlan] = {}
        self.profile_file_ids: dict[int, str] = {}  # existing profile pk -> the file person it is

    @staticmethod
    def _line_id(row: ImportRow) -> str:
        if row.kind == RecordKind.ASSIGNMENT and not row.get("external_id"):
            return row.get("entity_external_id")
        return row.get("external_id")

    def run(self) -> ImportPlan:
        self._directory_load()
        self.progress.start("Validating", len(self.rows))
        by_kind: dict[str, list[tuple[ImportRow, ReportLine]]] = defaultdict(list)
        for row, line in zip(self.rows, self.plan.lines, strict=True):
            if self._row_shape_check(row, line):
                by_kind[row.kind].append((row, line))
            else:
                self.progress.advance()
        self._entities(by_kind[RecordKind.ENTITY])
        self._people(by_kind[RecordKind.PERSON])
        self._reporting_lines(by_kind[RecordKind.REPORTING_LINE])
        self._assignments(by_kind[RecordKind.ASSIGNMENT])
        self._seats_check()
        self.progress.finish()
        return self.plan

    # --- The tenant's directory, read once ---------------------------------------------------------

    def _directory_load(self) -> None:
        self.types = {code.lower(): pk for pk, code in EntityType.objects.values_list("pk", "code")}
        self.type_names = dict(EntityType.objects.values_list("pk", "name"))
        fields = ("pk", "code", "external_id", "name", "parent_id", "entity_type_id", "description", "status")
        self.db_entities = {row[0]: ExistingEntity(*row) for row in Entity.objects.values_list(*fields)}
        self.db_entity_by_ext = {e.external_id: e for e in self.db_entities.values() if e.external_id}
        self.db_entity_by_code = {e.code: e for e in self.db_entities.values()}
        self.root = next((e for e in self.db_entities.values() if e.parent_id is None), None)
        if self.root is None:
            self.plan.errors.append("The organisation has no root entity yet; it is created when the tenant is set up.")
        fields = (
            "pk", "code", "external_id", "user_id", "user__email", "manager_id", "job_title", "employee_code",
        )  # fmt: skip
        self.db_profiles = {row[0]: ExistingProfile(*row) for row in MemberProfile.objects.values_list(*fields)}
        self.db_profile_by_ext = {p.external_id: p for p in self.db_profiles.values() if p.external_id}
        self.db_profile_by_code = {p.code: p for p in self.db_profiles.values()}
        self.db_profile_by_user = {p.user_id: p for p in self.db_profiles.values()}

    def _accounts_load(self) -> None:
        users = get_user_model().objects.annotate(email_lower=Lower("email"))
        self.users = dict(users.filter(email_lower__in=list(self.emails)).values_list("email_lower", "pk"))
        # Every membership of the tenant (one row per member): seats, and who may be given a role.
        self.memberships = dict(Membership.objects.filter(tenant=self.tenant).values_list("user_id", "status"))

    def _entity_memberships_load(self) -> None:
        profile_ids = list(self.profile_file_ids)
        self.entity_memberships: dict[int, dict[int, bool]] = defaultdict(dict)
        rows = EntityMembership.objects.filter(profile_id__in=profile_ids).values_list(
            "profile_id", "entity_id", "is_primary"
        )
        for profile_id, entity_id, is_primary in rows:
            self.entity_memberships[profile_id][entity_id] = is_primary

    # --- Rows in general ---------------------------------------------------------------------------

    def _row_shape_check(self, row: ImportRow, line: ReportLine) -> bool:
        """Problems found while reading, and the record kind; False when the row cannot be read further."""
        line.errors += row.problems
        if row.kind not in RecordKind.ALL:
            kinds = ", ".join(RecordKind.ALL)
            line.errors.append(
                f"Unknown record “{row.kind}”; use one of {kinds}."
                if row.kind
                else f"No record kind; use one of {kinds}."
            )
            return False
        ignored = [column for column, value in row.values.items() if value and column not in KIND_COLUMNS[row.kind]]
        if ignored:
            line.notes.append(f"Ignored for {row.kind} rows: {', '.join(ignored)}.")
        return True

    @staticmethod
    def _required(row: ImportRow, line: ReportLine, *columns: str) -> bool:
        missing = [column for column in columns if not row.get(column)]
        for column in missing:
            line.errors.append(f"“{column}” is required for {row.kind} rows.")
        return not missing

    @staticmethod
    def _lengths(line: ReportLine, **values: str) -> None:
        for column, value in values.items():
            limit = MAX_LENGTHS[column]
            if len(value) > limit:
                line.errors.append(f"“{column}” is too long ({len(value)} characters; at most {limit}).")

    # --- References --------------------------------------------------------------------------------

    def _entity_canonical(self, pk: int) -> Ref:
        external_id = self.db_entities[pk].external_id
        return Ref(file_id=external_id) if external_id in self.entity_plans else Ref(pk=pk)

    def entity_ref(self, value: str) -> Ref | None:
        """An entity of the file (external id), or an existing one (external id or ENT- code)."""
        if value in self.entity_plans:
            return Ref(file_id=value)
        existing = self.db_entity_by_ext.get(value) or self.db_entity_by_code.get(value.upper())
        return self._entity_canonical(existing.pk) if existing else None

    def _entity_pk(self, ref: Ref) -> int | None:
        if ref.pk is not None:
            return ref.pk
        existing = self.entity_plans[ref.file_id].existing
        return existing.pk if existing else None

    def entity_label(self, ref: Ref | None) -> str:
        if ref is None:
            return "(nothing)"
        if ref.file_id:
            return f"“{self.entity_plans[ref.file_id].name or ref.file_id}”"
        return f"“{self.db_entities[ref.pk].name}”" if ref.pk is not None else "?"

    def _profile_canonical(self, pk: int) -> Ref:
        file_id = self.profile_file_ids.get(pk)
        return Ref(file_id=file_id) if file_id else Ref(pk=pk)

    def person_ref(self, value: str) -> Ref | None:
        """A person of the file (external id), or an existing one (external id or PRS- code)."""
        if value in self.person_plans:
            return Ref(file_id=value)
        existing = self.db_profile_by_ext.get(value) or self.db_profile_by_code.get(value.upper())
        return self._profile_canonical(existing.pk) if existing else None

    def _person_profile(self, ref: Ref) -> ExistingProfile | None:
        return self.db_profiles[ref.pk] if ref.pk is not None else self.person_plans[ref.file_id].profile

    def person_label(self, ref: Ref) -> str:
        if ref.file_id:
            person = self.person_plans[ref.file_id]
            return person.full_name or person.email or ref.file_id
        return self.db_profiles[ref.pk].email if ref.pk is not None else "?"

    # --- Entities ----------------------------------------------------------------------------------

    def _entities(self, rows: list[tuple[ImportRow, ReportLine]]) -> None:
        for row, line in rows:
            self._entity_register(row, line)
            self.progress.advance()
        plans = list(self.entity_plans.values())
        for plan in plans:
            self._entity_parent_resolve(plan)
        depth, cycles = _walk([Ref(file_id=p.external_id) for p in plans], self._entity_parent_of)
        for plan in plans:
            self._entity_place_check(plan, depth, cycles)
        self._sibling_names_check(plans, cycles)
        for plan in plans:
            self._entity_action(plan)
        self.plan.entities = sorted(plans, key=lambda p: depth.get(Ref(file_id=p.external_id), 0))

    def _entity_register(self, row: ImportRow, line: ReportLine) -> None:
        external_id, name, type_code = row.get("external_id"), row.get("name"), row.get("type")
        self._required(row, line, "external_id", "name")
        self._lengths(line, external_id=external_id, name=name)
        type_pk = self.types.get(type_code.lower()) if type_code else None
        if type_code and type_pk is None:
            line.errors.append(f"Unknown entity type “{type_code}”; the types are: {', '.join(self.types)}.")
        existing = self.db_entity_by_ext.get(external_id) if external_id else None
        if existing is None and not type_code:
            line.errors.append("“type” is required for a new entity.")
        if not external_id:
            return
        if external_id in self.entity_plans:
            first = self.entity_plans[external_id].line.row
            line.errors.append(f"External id “{external_id}” is already used by the entity on row {first}.")
            return
        self.entity_plans[external_id] = EntityPlan(
            line=line, external_id=external_id, name=name, type_pk=type_pk, description=row.get("description"),
            parent_value=row.get("parent_external_id"), existing=existing,
        )  # fmt: skip

    def _entity_parent_resolve(self, plan: EntityPlan) -> None:
        existing, value = plan.existing, plan.parent_value
        if existing is not None and existing.parent_id is None:
            if value:
                plan.line.errors.append(f"{self.entity_label(Ref(pk=existing.pk))} is the root; it has no parent.")
            return
        if not value:
            # New entities go under the root; an existing one stays where it is.
            parent_pk = existing.parent_id if existing is not None else (self.root.pk if self.root else None)
            plan.parent = self._entity_canonical(parent_pk) if parent_pk is not None else None
            return
        ref = self.entity_ref(value)
        if ref is None:
            plan.line.errors.append(
                f"Parent “{value}” is neither an entity of this file nor an existing entity (external id or ENT- code)."
            )
        elif ref == Ref(file_id=plan.external_id):
            plan.line.errors.append("An entity cannot be its own parent.")
        else:
            plan.parent = ref

    def _entity_parent_of(self, ref: Ref) -> Ref | None:
        if ref.file_id:
            return self.entity_plans[ref.file_id].parent
        parent_id = self.db_entities[ref.pk].parent_id if ref.pk is not None else None
        return self._entity_canonical(parent_id) if parent_id is not None else None

    def _entity_place_check(self, plan: EntityPlan, depth: dict[Ref, int], cycles: dict[Ref, list[Ref]]) -> None:
        ref = Ref(file_id=plan.external_id)
        parent_pk = self._entity_pk(plan.parent) if plan.parent is not None else None
        placed_now = plan.existing is None or plan.existing.parent_id != parent_pk
        if parent_pk is not None and placed_now and self.db_entities[parent_pk].archived:
            plan.line.errors.append(
                f"{self.entity_label(plan.parent)} is archived: nothing new may be placed under it."
            )
        if ref in cycles:
            loop = [*cycles[ref], cycles[ref][0]]
            path = " → ".join(self.entity_label(node) for node in loop)
            plan.line.errors.append(f"Parent cycle: {path} (each would be inside the other).")
        elif ref not in depth:
            plan.line.errors.append("An entity above this one is in a parent cycle, so it cannot be placed.")

    def _sibling_names_check(self, plans: list[EntityPlan], cycles: dict[Ref, list[Ref]]) -> None:
        seen: dict[tuple[Ref | None, str], list[str]] = defaultdict(list)
        for entity in self.db_entities.values():
            if self._entity_canonical(entity.pk).file_id:
                continue  # the file says where it goes and what it is called
            parent = self._entity_canonical(entity.parent_id) if entity.parent_id is not None else None
            seen[(parent, entity.name.strip().lower())].append(f"existing {entity.code}")
        placed = [p for p in plans if p.parent is not None and p.name and Ref(file_id=p.external_id) not in cycles]
        for plan in placed:
            seen[(plan.parent, plan.name.strip().lower())].append(f"row {plan.line.row}")
        for plan in placed:
            others = [n for n in seen[(plan.parent, plan.name.strip().lower())] if n != f"row {plan.line.row}"]
            if others:
                plan.line.errors.append(
                    f"Another entity named “{plan.name}” would be under {self.entity_label(plan.parent)} "
                    f"({', '.join(others)}); sibling names must differ."
                )

    def _entity_action(self, plan: EntityPlan) -> None:
        line, existing = plan.line, plan.existing
        if existing is None:
            line.action = Status.CREATE
            kind = self.type_names.get(plan.type_pk, "entity") if plan.type_pk else "entity"
            line.notes.append(f"New {kind.lower()} “{plan.name}” under {self.entity_label(plan.parent)}.")
            return
        if plan.name and plan.name.strip() != existing.name:
            plan.changes["name"] = plan.name.strip()
            line.notes.append(f"Renamed “{existing.name}” → “{plan.name.strip()}”.")
        if plan.type_pk and plan.type_pk != existing.type_pk:
            plan.changes["entity_type"] = plan.type_pk
            line.notes.append(f"Type {self.type_names[existing.type_pk]} → {self.type_names[plan.type_pk]}.")
        if plan.description and plan.description != existing.description:
            plan.changes["description"] = plan.description
            line.notes.append("New description.")
        if existing.parent_id is not None and plan.parent is not None:
            current = self._entity_canonical(existing.parent_id)
            if plan.parent != current:
                plan.move = True
                line.notes.append(f"Moves from {self.entity_label(current)} to {self.entity_label(plan.parent)}.")
        if plan.changes or plan.move:
            line.action = Status.UPDATE

    # --- People ------------------------------------------------------------------------------------

    def _people(self, rows: list[tuple[ImportRow, ReportLine]]) -> None:
        for row, line in rows:
            self._person_register(row, line)
            self.progress.advance()
        self._accounts_load()
        people = list(self.person_plans.values())
        for plan in people:
            self._person_match(plan)
        self._entity_memberships_load()
        for plan in people:
            self._person_membership(plan)
            self._person_changes(plan)
            self._person_entities(plan)
        self._employee_codes_check()
        self.plan.people = people

    def _person_register(self, row: ImportRow, line: ReportLine) -> None:
        external_id, email = row.get("external_id"), row.get("email").lower()
        full_name = f"{row.get('first_name')} {row.get('last_name')}".strip()
        self._required(row, line, "external_id", "email")
        self._lengths(
            line, external_id=external_id, email=email, full_name=full_name, job_title=row.get("job_title"),
            employee_code=row.get("employee_code"),
        )  # fmt: skip
        if email:
            try:
                validate_email(email)
            except ValidationError:
                line.errors.append(f"“{row.get('email')}” is not a valid email address.")
            if email in self.emails:
                line.errors.append(f"{email} is already the email of the person on row {self.emails[email]}.")
            self.emails.setdefault(email, row.row)
        if not external_id:
            return
        if external_id in self.person_plans:
            first = self.person_plans[external_id].line.row
            line.errors.append(f"External id “{external_id}” is already used by the person on row {first}.")
            return
        entity_values = list(dict.fromkeys(v.strip() for v in row.get("entity_external_id").split(";") if v.strip()))
        self.person_plans[external_id] = PersonPlan(
            line=line, external_id=external_id, email=email, full_name=full_name, job_title=row.get("job_title"),
            employee_code=row.get("employee_code"), entity_values=entity_values,
            manager_value=row.get("manager_external_id"),
        )  # fmt: skip

    def _person_match(self, plan: PersonPlan) -> None:
        """Find the person's profile (external id, else the account's email) and membership of the tenant."""
        line = plan.line
        profile = self.db_profile_by_ext.get(plan.external_id)
        if profile is not None and plan.email and profile.email.lower() != plan.email:
            line.errors.append(
                f"External id “{plan.external_id}” belongs to {profile.email} in this organisation, not {plan.email}; "
                "an import does not change email addresses."
            )
        if profile is None and plan.email in self.users:
            profile = self.db_profile_by_user.get(self.users[plan.email])
            if profile is not None and profile.external_id:
                line.errors.append(
                    f"{plan.email} is already in the organisation with external id “{profile.external_id}”."
                )
            elif profile is None:
                line.notes.append(f"Uses the existing account {plan.email}.")
        plan.profile = profile
        plan.user_pk = profile.user_id if profile is not None else self.users.get(plan.email)
        if profile is not None:
            self.profile_file_ids[profile.pk] = plan.external_id

    def _person_membership(self, plan: PersonPlan) -> None:
        status = self.memberships.get(plan.user_pk) if plan.user_pk is not None else None
        if status == Membership.Status.SUSPENDED:
            plan.line.notes.append("Their membership of the organisation is suspended; the import leaves it so.")
        if status in SEAT_STATUSES:
            return
        plan.needs_membership = True
        plan.line.changed()
        if plan.user_pk is None:
            plan.line.notes.append(f"New account {plan.email} (no password yet: they use “Forgot password?”).")
        plan.line.notes.append(f"Joins {self.tenant.name} as a member.")

    def _person_changes(self, plan: PersonPlan) -> None:
        line, profile = plan.line, plan.profile
        if profile is None:
            line.action = Status.CREATE
            return
        if not profile.external_id:
            plan.changes["external_id"] = plan.external_id
            line.notes.append(
                f"Links {profile.email}, already in the organisation, to external id “{plan.external_id}”."
            )
        for column in ("job_title", "employee_code"):
            new, old = getattr(plan, column), getattr(profile, column)
            if new and new != old:
                plan.changes[column] = new
                line.notes.append(f"{column.replace('_', ' ').capitalize()}: “{old}” → “{new}”.")
        if plan.changes:
            line.changed()

    def _person_entities(self, plan: PersonPlan) -> None:
        """The person's entities: the first is their primary one. Existing memberships are kept."""
        current = self.entity_memberships.get(plan.profile.pk, {}) if plan.profile is not None else {}
        for position, value in enumerate(plan.entity_values):
            ref = self.entity_ref(value)
            if ref is None:
                plan.line.errors.append(f"Entity “{value}” is neither in this file nor in the organisation.")
                continue
            pk = self._entity_pk(ref)
            primary = position == 0
            if pk is not None and pk in current:
                if primary and not current[pk]:
                    plan.primary_entity_pk = pk
                    plan.line.notes.append(f"{self.entity_label(ref)} becomes their primary entity.")
                    plan.line.changed()
                continue
            if pk is not None and self.db_entities[pk].archived:
                plan.line.errors.append(f"{self.entity_label(ref)} is archived: nobody may join it.")
                continue
            plan.memberships_to_add.append((ref, primary))
            plan.line.notes.append(f"Joins {self.entity_label(ref)}{' (primary)' if primary else ''}.")
            plan.line.changed()

    def _employee_codes_check(self) -> None:
        taken: dict[str, str] = {}
        in_file = {p.profile.pk for p in self.person_plans.values() if p.profile is not None}
        for profile in self.db_profiles.values():
            if profile.employee_code and profile.pk not in in_file:
                taken[profile.employee_code] = profile.email
        for plan in self.person_plans.values():
            code = plan.employee_code or (plan.profile.employee_code if plan.profile else "")
            if not code:
                continue
            if code in taken:
                plan.line.errors.append(f"Employee code “{code}” already belongs to {taken[code]}.")
            else:
                taken[code] = f"the person on row {plan.line.row}"

    def _seats_check(self) -> None:
        joining = [p for p in self.plan.people if p.needs_membership]
        used = sum(1 for status in self.memberships.values() if status in SEAT_STATUSES)
        limit = self.tenant.max_users
        if not joining or used + len(joining) <= limit:
            return
        message = (
            f"{self.tenant.name} may have {limit} users and has {used}; this import would add {len(joining)}. "
            "Import fewer people or raise the plan's user limit."
        )
        self.plan.errors.append(message)
        for plan in joining:
            plan.line.errors.append(f"Over the user limit: {limit - used} seat(s) left for {len(joining)} new members.")

    # --- Reporting lines ---------------------------------------------------------------------------

    def _reporting_lines(self, rows: list[tuple[ImportRow, ReportLine]]) -> None:
        for person in self.person_plans.values():
            if person.manager_value:
                self._reporting_line_add(person.line, Ref(file_id=person.external_id), person.manager_value)
        for row, line in rows:
            if self._required(row, line, "external_id", "manager_external_id"):
                subject = self.person_ref(row.get("external_id"))
                if subject is None:
                    line.errors.append(
                        f"Person “{row.get('external_id')}” is neither in this file nor in the organisation."
                    )
                else:
                    self._reporting_line_add(line, subject, row.get("manager_external_id"))
            self.progress.advance()
        plans = list(self.line_plans.values())
        depth, cycles = _walk([p.person for p in plans], self._manager_of)
        for plan in plans:
            self._reporting_line_action(plan, depth, cycles)
        self.plan.reporting_lines = sorted(plans, key=lambda p: depth.get(p.person, 0))

    def _reporting_line_add(self, line: ReportLine, person: Ref, manager_value: str) -> None:
        manager = self.person_ref(manager_value)
        if manager is None:
            line.errors.append(f"Manager “{manager_value}” is neither in this file nor in the organisation.")
            return
        if manager == person:
            line.errors.append("A person cannot be their own manager.")
            return
        earlier = self.line_plans.get(person)
        if earlier is not None and earlier.manager == manager:
            line.notes.append(f"Same reporting line as row {earlier.line.row}.")
        elif earlier is not None:
            line.errors.append(
                f"Row {earlier.line.row} already gives {self.person_label(person)} "
                f"another manager ({self.person_label(earlier.manager)})."
            )
        else:
            self.line_plans[person] = ReportingLinePlan(line=line, person=person, manager=manager)

    def _manager_of(self, ref: Ref) -> Ref | None:
        if ref in self.line_plans:
            return self.line_plans[ref].manager
        profile = self._person_profile(ref)
        manager_id = profile.manager_id if profile is not None else None
        return self._profile_canonical(manager_id) if manager_id is not None else None

    def _reporting_line_action(
        self, plan: ReportingLinePlan, depth: dict[Ref, int], cycles: dict[Ref, list[Ref]]
    ) -> None:
        line = plan.line
        if plan.person in cycles:
            loop = [*cycles[plan.person], cycles[plan.person][0]]
            line.errors.append(f"Manager cycle: {' reports to '.join(self.person_label(r) for r in loop)}.")
            return
        if plan.person not in depth:
            line.errors.append("A manager above this person is in a manager cycle.")
            return
        profile = self._person_profile(plan.person)
        current = self._profile_canonical(profile.manager_id) if profile and profile.manager_id else None
        if current == plan.manager:
            return
        plan.action = Status.UPDATE if current is not None else Status.CREATE
        was = f" (was {self.person_label(current)})" if current is not None else ""
        line.notes.append(f"Reports to {self.person_label(plan.manager)}{was}.")
        if line.kind == RecordKind.REPORTING_LINE:
            line.action = plan.action
        else:
            line.changed()  # the person's own row: a new person stays "create"

    # --- Role assignments --------------------------------------------------------------------------

    def _assignments(self, rows: list[tuple[ImportRow, ReportLine]]) -> None:
        self.roles = {code: pk for pk, code in self._roles()}
        self.existing_assignments = _assignments().active_scoped()
        seen: dict[tuple[Any, ...], int] = {}
        zone = _zone(self.tenant)
        for row, line in rows:
            plan = self._assignment_plan(row, line, zone)
            if plan is not None:
                key = (plan.role_pk, plan.person, plan.team, plan.scope, plan.valid_from, plan.valid_until)
                if key in seen:
                    line.errors.append(f"The same assignment is already on row {seen[key]}.")
                else:
                    seen[key] = line.row
                    self._assignment_action(plan)
                    self.plan.assignments.append(plan)
            self.progress.advance()

    @staticmethod
    def _roles() -> list[tuple[int, str]]:
        return _assignments().roles()

    def _assignment_plan(self, row: ImportRow, line: ReportLine, zone: Any) -> AssignmentPlan | None:
        role_code = row.get("role")
        self._required(row, line, "role")
        self._lengths(line, reason=row.get("reason"))
        role_pk = self.roles.get(role_code)
        if role_code and role_pk is None:
            line.errors.append(f"Unknown role “{role_code}”; the roles are: {', '.join(self.roles) or 'none yet'}.")
        person, team = self._assignment_principal(row, line)
        scope = self._assignment_scope(row, line)
        valid_from, valid_until = self._assignment_dates(row, line, zone)
        if line.errors or role_pk is None or scope is None:
            return None
        return AssignmentPlan(
            line=line, role_pk=role_pk, person=person, team=team, scope=scope, valid_from=valid_from,
            valid_until=valid_until, reason=row.get("reason"),
        )  # fmt: skip

    def _assignment_principal(self, row: ImportRow, line: ReportLine) -> tuple[Ref | None, Ref | None]:
        person_value, team_value = row.get("external_id"), row.get("entity_external_id")
        if bool(person_value) == bool(team_value):
            line.errors.append(
                "Give the role to one principal: a person (external_id) or a team (entity_external_id), not both."
            )
            return None, None
        if person_value:
            person = self.person_ref(person_value)
            if person is None:
                line.errors.append(f"Person “{person_value}” is neither in this file nor in the organisation.")
            return person, None
        team = self.entity_ref(team_value)
        if team is None:
            line.errors.append(f"Team “{team_value}” is neither an entity of this file nor an existing entity.")
        return None, team

    def _assignment_scope(self, row: ImportRow, line: ReportLine) -> Ref | None:
        value = row.get("scope_external_id")
        if not value:
            return self._entity_canonical(self.root.pk) if self.root else None
        scope = self.entity_ref(value)
        if scope is None:
            line.errors.append(f"Scope “{value}” is neither an entity of this file nor an existing entity.")
        return scope

    def _assignment_dates(self, row: ImportRow, line: ReportLine, zone: Any) -> tuple[datetime | None, datetime | None]:
        moments: dict[str, datetime | None] = {"valid_from": None, "valid_until": None}
        for column in moments:
            value = row.get(column)
            if not value:
                continue
            try:
                moments[column] = _when(value, zone, end_of_day=column == "valid_until")
            except ValueError:
                line.errors.append(f"{column} “{value}” is not a date (2025-07-01) or date-time (2025-07-01T09:00).")
        start, end = moments["valid_from"], moments["valid_until"]
        if end is not None and start is not None and end <= start:
            line.errors.append("valid_until must be after valid_from.")
        elif end is not None and end <= timezone.now():
            line.errors.append("valid_until has passed: the assignment would be over already.")
        return start, end

    def _assignment_member_check(self, plan: AssignmentPlan, user_id: Any) -> None:
        """Roles go to active members: those already active, and those this import adds."""
        assert plan.person is not None
        joining = bool(plan.person.file_id) and self.person_plans[plan.person.file_id].needs_membership
        status = self.memberships.get(user_id) if user_id is not None else None
        if not joining and status != Membership.Status.ACTIVE:
            state = f"their membership is {status}" if status else "they are not a member"
            plan.line.errors.append(f"{self.person_label(plan.person)} cannot be given a role: {state}.")

    def _assignment_action(self, plan: AssignmentPlan) -> None:
        user_id = None
        if plan.person is not None:
            profile = self._person_profile(plan.person)
            user_id = profile.user_id if profile else self.person_plans[plan.person.file_id].user_pk
            self._assignment_member_check(plan, user_id)
        team_id = self._entity_pk(plan.team) if plan.team is not None else None
        scope_id = self._entity_pk(plan.scope)
        known = (user_id if plan.person is not None else team_id) is not None and scope_id is not None
        for existing in self.existing_assignments if known else []:
            if (
                existing["role_id"] == plan.role_pk and existing["user_id"] == user_id
                and existing["team_id"] == team_id and existing["scope_entity_id"] == scope_id
                and existing["valid_until"] == plan.valid_until
                and (plan.valid_from is None or existing["valid_from"] == plan.valid_from)
            ):  # fmt: skip
                plan.line.notes.append("Already assigned.")
                return
        principal = self.person_label(plan.person) if plan.person else f"team {self.entity_label(plan.team)}"
        until = f" until {plan.valid_until:%Y-%m-%d %H:%M}" if plan.valid_until else ""
        plan.line.action = Status.CREATE
        role = next(code for code, pk in self.roles.items() if pk == plan.role_pk)
        plan.line.notes.append(f"Gives {principal} the role “{role}” within {self.entity_label(plan.scope)}{until}.")


def import_validate(*, rows: list[ImportRow], tenant: Any, progress: Progress | None = None) -> ImportPlan:
    """Every row checked, nothing written: the report and the plan of what committing would write."""
    return Validator(rows=rows, tenant=tenant, progress=progress or Progress()).run()

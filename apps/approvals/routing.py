"""Who approves a step: the step's candidates, then delegation and availability, each decision with why.

`step_routes(spec, ...)` turns one step of a workflow snapshot into `Route`s (the people to ask,
on whose behalf, and the reason) and `Note`s (routing decisions that ask nobody: the requester
skipped, someone away with nobody to stand in). A constant number of queries per step whatever
its size: the candidates in one or two, the day's delegations in one, availability in one call
per provider per round of substitutes, the managers of the people away in one.

Rules (docs/approvals.md):
- the requester is never asked, not even as someone's delegate or manager;
- only active members of the tenant are asked;
- an active delegation (for the kind, covering the day) sends the person's step to the delegate,
  following a chain of delegations up to `MAX_HOPS`, never back to someone already in it;
- someone away (an `AvailabilityProvider` says so) with no delegate goes to their own manager.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q

from apps.access.models import AssignmentStatus as RoleAssignmentStatus
from apps.access.models import RoleAssignment
from apps.accounts.models import Membership, User
from apps.accounts.selectors import tenant_admins
from apps.organisation.models import Entity, EntityMembership, MemberProfile, path_ids
from apps.organisation.selectors import reporting_chain

from .kinds import people_away
from .models import ApproverType, Delegation

MAX_HOPS = 5


def uid(value: Any) -> uuid.UUID:
    """A user id (users are keyed by UUID) from a UUID, its string, or a user."""
    value = getattr(value, "pk", value)
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


@dataclass
class Route:
    approver_id: uuid.UUID
    reason: str
    on_behalf_of_id: uuid.UUID | None = None


@dataclass
class Note:
    """A routing decision that asks nobody (recorded as a `routed` or `skipped` event)."""

    text: str
    user_id: uuid.UUID | None = None


@dataclass
class Routing:
    routes: list[Route] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def approver_ids(self) -> list[uuid.UUID]:
        return [route.approver_id for route in self.routes]


class Names:
    """Display names of users, fetched in one query per batch of new ids."""

    def __init__(self) -> None:
        self._names: dict[uuid.UUID, str] = {}

    def load(self, ids: Any) -> None:
        missing = {uid(pk) for pk in ids if pk is not None} - set(self._names)
        for pk, full_name, email in User.objects.filter(pk__in=missing).values_list("pk", "full_name", "email"):
            self._names[pk] = full_name or email

    def __getitem__(self, pk: Any) -> str:
        pk = uid(pk)
        if pk not in self._names:
            self.load([pk])
        return self._names.get(pk, f"user {pk}")


def _schema() -> str:
    return str(getattr(connection, "schema_name", ""))


def active_member_ids(user_ids: Any) -> set[uuid.UUID]:
    """Those of `user_ids` who are active members of the current tenant (one query)."""
    ids = {uid(pk) for pk in user_ids if pk is not None}
    if not ids:
        return set()
    return set(
        Membership.objects.filter(
            user_id__in=ids, tenant__schema_name=_schema(), status=Membership.Status.ACTIVE
        ).values_list("user_id", flat=True)
    )


def tenant_admin_ids() -> list[uuid.UUID]:
    return list(tenant_admins(schema_name=_schema()).order_by("pk").values_list("user_id", flat=True))


def managers_of(user_ids: Any) -> dict[uuid.UUID, uuid.UUID]:
    """Each user's direct manager (user id to user id), one query."""
    rows = MemberProfile.objects.filter(user_id__in=list(user_ids), manager__isnull=False)
    return dict(rows.values_list("user_id", "manager__user_id"))


def manager_chain_ids(user_id: Any) -> list[uuid.UUID]:
    """The user's managers as user ids, direct manager first (one or two queries)."""
    profile = MemberProfile.objects.filter(user_id=user_id).first()
    return [manager.user_id for manager in reporting_chain(profile)] if profile else []


# --- Candidates per approver type ------------------------------------------------------------------


def _manager_candidates(spec: dict[str, Any], requester_id: Any, names: Names) -> list[Route]:
    chain = manager_chain_ids(requester_id)
    levels = int(spec.get("manager_levels") or 1)
    if not chain:
        return []
    names.load([requester_id, *chain])
    if len(chain) >= levels:
        manager = chain[levels - 1]
        where = "their manager" if levels == 1 else f"their manager {levels} levels up"
        return [Route(manager, f"{names[manager]} is {names[requester_id]}'s {where.removeprefix('their ')}.")]
    top = chain[-1]
    return [Route(top, f"{names[top]} is the top of {names[requester_id]}'s reporting line "
                       f"(there is no manager {levels} levels up).")]  # fmt: skip


def _requester_scope_ids(requester_id: Any) -> set[int]:
    """The requester's entities and every entity above them."""
    paths = EntityMembership.objects.filter(profile__user_id=requester_id).values_list("entity__path", flat=True)
    return {pk for path in paths for pk in path_ids(path)}


def _role_candidates(spec: dict[str, Any], requester_id: Any, names: Names) -> list[Route]:
    scope_ids = _requester_scope_ids(requester_id)
    if not scope_ids:
        return []
    assignments = RoleAssignment.objects.filter(
        role_id=spec["role_id"], status=RoleAssignmentStatus.ACTIVE, scope_entity_id__in=scope_ids
    ).values_list("user_id", "team_id", "scope_entity_id", "role__name")
    rows = list(assignments)
    team_ids = {team_id for _, team_id, _, _ in rows if team_id}
    team_members: dict[int, list[Any]] = {}
    for entity_id, user_id in EntityMembership.objects.filter(entity_id__in=team_ids).values_list(
        "entity_id", "profile__user_id"
    ):
        team_members.setdefault(entity_id, []).append(user_id)
    entities = dict(Entity.objects.filter(pk__in={row[2] for row in rows} | team_ids).values_list("pk", "name"))
    routes: list[Route] = []
    for user_id, team_id, scope_id, role_name in rows:
        holders = [user_id] if user_id else team_members.get(team_id, [])
        via = f" through the team {entities.get(team_id)}" if team_id else ""
        routes += [Route(pk, f"holds the role {role_name} over {entities.get(scope_id)}{via}") for pk in holders]
    names.load(route.approver_id for route in routes)
    for route in routes:
        route.reason = f"{names[route.approver_id]} {route.reason}."
    return routes


def _team_candidates(spec: dict[str, Any], names: Names) -> list[Route]:
    members = EntityMembership.objects.filter(entity_id=spec["team_id"]).values_list("profile__user_id", "entity__name")
    rows = list(members)
    names.load(user_id for user_id, _ in rows)
    return [Route(user_id, f"{names[user_id]} is a member of the team {team}.") for user_id, team in rows]


def _people_candidates(spec: dict[str, Any], names: Names) -> list[Route]:
    people = [uid(pk) for pk in spec.get("people") or []]
    names.load(people)
    return [Route(pk, f"{names[pk]} is named in the workflow.") for pk in people]


def step_candidates(spec: dict[str, Any], requester_id: Any, names: Names) -> list[Route]:
    approver_type = spec["approver_type"]
    if approver_type == ApproverType.MANAGER:
        routes = _manager_candidates(spec, requester_id, names)
    elif approver_type == ApproverType.ROLE:
        routes = _role_candidates(spec, requester_id, names)
    elif approver_type == ApproverType.TEAM:
        routes = _team_candidates(spec, names)
    else:
        routes = _people_candidates(spec, names)
    unique: dict[Any, Route] = {}
    for route in routes:
        unique.setdefault(route.approver_id, route)
    return list(unique.values())


# --- Delegation and availability -------------------------------------------------------------------


def delegations_on(day: datetime.date, kind: str) -> dict[uuid.UUID, uuid.UUID]:
    """delegator -> delegate for the delegations active on `day` for `kind` (one query; the newest wins)."""
    rows = (
        Delegation.objects.filter(revoked_at__isnull=True, starts_on__lte=day, ends_on__gte=day)
        .filter(Q(kinds=[]) | Q(kinds__contains=[kind]))
        .order_by("created_at", "id")
        .values_list("delegator_id", "delegate_id")
    )
    return dict(rows)


class Substitution:
    """Follows delegations and absences from a candidate to the person who really gets the step."""

    def __init__(self, *, kind: str, day: datetime.date, requester_id: Any, names: Names) -> None:
        self.day, self.requester_id, self.names = day, uid(requester_id), names
        self.delegates = delegations_on(day, kind)
        self.away: set[uuid.UUID] = set()
        self.checked: set[uuid.UUID] = set()
        self.managers: dict[uuid.UUID, uuid.UUID] = {}

    def prepare(self, user_ids: set[uuid.UUID]) -> None:
        """Ask availability (once per provider) and fetch managers for everyone a route may reach."""
        reach = set(user_ids)
        for _ in range(MAX_HOPS):  # the delegation closure
            more = {self.delegates[pk] for pk in reach if pk in self.delegates} - reach
            if not more:
                break
            reach |= more
        new = reach - self.checked
        if new:
            self.away |= people_away(new, self.day)
            self.checked |= new
            away_new = (self.away & new) - set(self.managers)
            self.managers.update(managers_of(away_new))
            self.names.load(new | set(self.managers.values()))

    def follow(self, route: Route) -> tuple[Route | None, list[str]]:
        """The route after delegations and absences (None: nobody can stand in), and what happened."""
        current, seen, steps = route.approver_id, {route.approver_id}, []
        for _ in range(MAX_HOPS):
            delegate = self.delegates.get(current)
            if delegate is not None and delegate not in seen and delegate != self.requester_id:
                steps.append(f"{self.names[current]} delegated their approvals to {self.names[delegate]}")
                current = delegate
                seen.add(current)
                self.prepare({current})
                continue
            if delegate == self.requester_id:
                steps.append(f"{self.names[current]}'s delegate is the requester, who cannot approve their own request")
            if current not in self.away:
                break
            manager = self.managers.get(current)
            if manager is None or manager in seen or manager == self.requester_id:
                steps.append(f"{self.names[current]} is away and nobody can stand in for them")
                return None, steps
            steps.append(f"{self.names[current]} is away → their manager {self.names[manager]}")
            current = manager
            seen.add(current)
            self.prepare({current})
        if current == route.approver_id:
            return route, steps
        reason = f"{route.reason} " + "; ".join(steps) + "."
        return Route(current, reason, on_behalf_of_id=route.approver_id), steps


def routes_resolve(
    candidates: list[Route], *, kind: str, requester_id: Any, day: datetime.date, names: Names
) -> Routing:
    """Candidates → the people to ask: members only, never the requester, after delegation and absence."""
    routing, requester_id = Routing(), uid(requester_id)
    members = active_member_ids(route.approver_id for route in candidates)
    usable = []
    for route in candidates:
        if route.approver_id == requester_id:
            routing.notes.append(Note(f"{names[requester_id]} is the requester and cannot approve their own request.",
                                      requester_id))  # fmt: skip
        elif route.approver_id not in members:
            routing.notes.append(Note(f"{names[route.approver_id]} is not an active member of the organisation.",
                                      route.approver_id))  # fmt: skip
        else:
            usable.append(route)
    substitution = Substitution(kind=kind, day=day, requester_id=requester_id, names=names)
    substitution.prepare({route.approver_id for route in usable})
    seen: set[uuid.UUID] = set()
    followed = []
    for route in usable:
        final, steps = substitution.follow(route)
        if final is None:
            routing.notes.append(Note("; ".join(steps) + ".", route.approver_id))
        elif final.approver_id not in seen:
            followed.append(final)
            seen.add(final.approver_id)
    final_members = active_member_ids(route.approver_id for route in followed)
    for route in followed:
        if route.approver_id in final_members:
            routing.routes.append(route)
        else:
            routing.notes.append(Note(f"{route.reason} {names[route.approver_id]} is not an active member.",
                                      route.approver_id))  # fmt: skip
    return routing


def escalation_targets(
    spec: dict[str, Any], *, requester_id: Any, exclude: set[Any], names: Names, after: list[Any] | None = None
) -> tuple[list[Route], str]:
    """Who takes a step nobody else can (or whose time ran out): the step's fallback approver, else the
    next manager up (of `after`'s people, or above the requester's levels), else the tenant admins.
    Returns the routes and a sentence saying which."""
    refused = {uid(pk) for pk in exclude} | {uid(requester_id)}
    fallback = uid(spec["fallback_approver_id"]) if spec.get("fallback_approver_id") else None
    if fallback and fallback not in refused and active_member_ids([fallback]):
        return [Route(fallback, f"{names[fallback]} is the step's fallback approver.")], "the fallback approver"
    managers: list[uuid.UUID] = []
    if after:
        managers = [pk for pk in managers_of(after).values() if pk not in refused]
    else:
        chain = manager_chain_ids(requester_id)
        tried = int(spec.get("manager_levels") or 1) if spec.get("approver_type") == ApproverType.MANAGER else 0
        managers = [pk for pk in chain[tried:] if pk not in refused][:1]
        if not managers:
            managers = [pk for pk in chain if pk not in refused][:1]
    members = active_member_ids(managers)
    managers = [pk for pk in dict.fromkeys(managers) if pk in members]
    if managers:
        names.load(managers)
        return [Route(pk, f"{names[pk]} is the next manager up.") for pk in managers], "the next manager up"
    admins = [pk for pk in tenant_admin_ids() if pk not in refused]
    names.load(admins)
    return [Route(pk, f"{names[pk]} is an administrator of the organisation.") for pk in admins], "the administrators"

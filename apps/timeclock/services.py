"""Writes of the time clock: record a punch (idempotent on the client's id), review it, replace a
person's punches (attendance corrections), close sessions left open, detect missing punches.

`punch_record` is the hot path of a clock-in storm; it takes a per-person transaction-scoped advisory
lock so that two requests of one person (a retry racing its original, or two devices) are judged one
after the other: the second sees the first's punch (same `client_id`: the idempotent answer; another
one: the sequence rules). The unique (user, client_id) constraint stays the last word: an
IntegrityError there (another process without the lock) is answered like a retry.
"""

import datetime
import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.cache import VersionedCache
from apps.core.events import publish, publish_many
from apps.solutions.selectors import user_solutions
from apps.tenancy.context import connection_tenant
from apps.workplaces import geofence
from apps.workplaces.models import Workplace

from .models import MissingPunch, Punch, PunchFlag, PunchKind, PunchPolicy, PunchSource, PunchVerdict
from .payloads import punch_payload
from .selectors import (
    current_shift_place,
    missing_punches_found,
    policy_for,
    previous_punch,
    sessions_to_close,
    shift_workplace,
)

SOLUTION = "attendance"
PUNCH_FUTURE_TOLERANCE = datetime.timedelta(minutes=2)
OFFLINE_AFTER = datetime.timedelta(minutes=5)
MAX_SPEED_KMH = 250.0
MAX_ACCURACY_M = 100_000.0
# Flags that put a punch in the review queue; "offline" only says how it travelled.
REVIEW_FLAGS = frozenset({
    PunchFlag.OUTSIDE_FENCE, PunchFlag.UNCERTAIN_LOCATION, PunchFlag.MOCK_LOCATION, PunchFlag.IMPOSSIBLE_JUMP,
    PunchFlag.AUTO_CLOCK_OUT, PunchFlag.MISSING_PUNCH,
})  # fmt: skip
# What each kind needs the person's state to be before it (their last effective punch's kind).
ALLOWED_AFTER: dict[str, tuple[set[str | None], str]] = {
    PunchKind.IN: ({None, PunchKind.OUT}, "already_clocked_in"),
    PunchKind.OUT: ({PunchKind.IN, PunchKind.BREAK_END, PunchKind.BREAK_START}, "not_clocked_in"),
    PunchKind.BREAK_START: ({PunchKind.IN, PunchKind.BREAK_END}, "not_working"),
    PunchKind.BREAK_END: ({PunchKind.BREAK_START}, "not_on_break"),
}
SEQUENCE_MESSAGES = {
    "already_clocked_in": "You are already clocked in; clock out first.",
    "not_clocked_in": "You are not clocked in.",
    "not_working": "A break starts while you are clocked in and not already on a break.",
    "not_on_break": "You are not on a break.",
}


class PunchRefused(Exception):
    """A punch refused by a rule: `code` names it, `status` is the HTTP status the API answers with."""

    def __init__(self, message: str, *, code: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.message, self.code, self.status, self.extra = message, code, status, extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, **self.extra}


@dataclass
class Position:
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    flags: list[str] = field(default_factory=list)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PunchRefused("Coordinates must be numbers.", code="invalid_coordinates") from None
    if not math.isfinite(number):
        raise PunchRefused("Coordinates must be finite numbers.", code="invalid_coordinates")
    return number


def position_check(lat: Any, lng: Any, accuracy_m: Any) -> Position:
    """Valid coordinates (both or neither; accuracy only with them, 0 to 100 km), or `invalid_coordinates`."""
    lat, lng, accuracy = _number(lat), _number(lng), _number(accuracy_m)
    if (lat is None) != (lng is None) or (lat is None and accuracy is not None):
        raise PunchRefused("Send both lat and lng (and accuracy_m only with them).", code="invalid_coordinates")
    if lat is not None and lng is not None and not geofence.coordinates_valid(lat, lng):
        raise PunchRefused("Latitude must be within [-90, 90] and longitude within [-180, 180].",
                           code="invalid_coordinates")  # fmt: skip
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_M:
        raise PunchRefused("accuracy_m must be a distance from 0 to 100,000 metres.", code="invalid_coordinates")
    return Position(lat, lng, accuracy)


def device_time_check(device_at: datetime.datetime, now: datetime.datetime, policy: PunchPolicy) -> bool:
    """Refuse a device time too far ahead or too old; True when the punch travelled offline (late)."""
    if timezone.is_naive(device_at):
        raise PunchRefused("The device time needs a UTC offset, e.g. 2026-12-06T08:59:00+11:00.",
                           code="invalid_device_time")  # fmt: skip
    if device_at > now + PUNCH_FUTURE_TOLERANCE:
        raise PunchRefused("The device's clock is ahead of the server's by more than 2 minutes.",
                           code="device_time_future")  # fmt: skip
    tolerance = datetime.timedelta(hours=policy.offline_tolerance_hours)
    if device_at < now - tolerance:
        raise PunchRefused(f"Punches older than {policy.offline_tolerance_hours} hours are not accepted; "
                           "ask a manager for a correction.", code="device_time_too_old")  # fmt: skip
    return device_at < now - OFFLINE_AFTER


def workplace_resolve(*, workplace: Any, default_id: int | None = None) -> Workplace:
    """The site of the punch: the one given (a Workplace, id or code: an active site of this tenant),
    else `default_id` (the site of the open session or of the current shift); `unknown_workplace`
    (404) / `workplace_required`."""
    if isinstance(workplace, Workplace):
        key: Any = workplace.pk
    elif workplace in (None, ""):
        found = shift_workplace(workplace_id=default_id)
        if found is None:
            raise PunchRefused("Say where you are: no open session or shift of yours names a workplace now.",
                               code="workplace_required")  # fmt: skip
        return found
    else:
        key = workplace
    text = str(key).strip()
    lookup = Q(pk=int(text)) if text.isdigit() else Q(code=text.upper())
    site = Workplace.objects.select_related("geofence").filter(lookup, kind=Workplace.Kind.SITE, is_active=True).first()
    if site is None:
        raise PunchRefused("No such active site in this organisation.", code="unknown_workplace", status=404)
    return site


SITES: VersionedCache[tuple[Workplace | None, PunchPolicy]] = VersionedCache("timeclock:sites")


def punch_site(*, workplace: Any, default_id: int | None = None) -> tuple[Workplace, PunchPolicy]:
    """`workplace_resolve` and the site's `policy_for`, cached per tenant until a workplace, geofence or
    punch policy changes (apps.timeclock.apps): the storm of a shift start asks no query for them."""
    if isinstance(workplace, Workplace) or (workplace in (None, "") and default_id is None):
        site = workplace_resolve(workplace=workplace, default_id=default_id)
        return site, policy_for(site)
    text = str(workplace).strip().upper() if workplace not in (None, "") else f"#{default_id}"

    def compute() -> tuple[Workplace | None, PunchPolicy]:
        try:
            found = workplace_resolve(workplace=workplace, default_id=default_id)
        except PunchRefused:
            return None, PunchPolicy()
        return found, policy_for(found)

    cached, policy = SITES.get(text, compute)
    if cached is None:  # refused again, with the message of the moment
        return workplace_resolve(workplace=workplace, default_id=default_id), policy
    return cached, policy


def fence_judge(site: Workplace, position: Position, source: str, policy: PunchPolicy) -> tuple[str, float | None]:
    """The geofence verdict and distance; flags what needs a look; refuses an outside punch the policy rejects."""
    fence = getattr(site, "geofence", None)
    if fence is None:
        return PunchVerdict.UNKNOWN, None
    if position.lat is None or position.lng is None:
        if source == PunchSource.MOBILE:  # a phone that sends no position at a fenced site
            position.flags.append(PunchFlag.UNCERTAIN_LOCATION)
        return PunchVerdict.UNKNOWN, None
    found = geofence.verdict(fence.fence(), position.lat, position.lng, position.accuracy_m or 0.0)
    if found.status == "outside":
        if policy.outside == PunchPolicy.Outside.REJECT:
            raise PunchRefused(f"You are {found.distance_m:.0f} m outside the geofence of {site.name}.",
                               code="outside_geofence", status=422, distance_m=found.distance_m)  # fmt: skip
        position.flags.append(PunchFlag.OUTSIDE_FENCE)
    elif found.status == "uncertain":
        position.flags.append(PunchFlag.UNCERTAIN_LOCATION)
    return found.status, found.distance_m


def jump_impossible(previous: Punch | None, position: Position, at: datetime.datetime) -> bool:
    """Faster than MAX_SPEED_KMH from the previous located punch, after both accuracy circles' slack."""
    if previous is None or previous.lat is None or previous.lng is None or position.lat is None:
        return False
    assert position.lng is not None
    metres = geofence.haversine_m(previous.lat, previous.lng, position.lat, position.lng)
    metres = max(0.0, metres - (previous.accuracy_m or 0.0) - (position.accuracy_m or 0.0))
    seconds = abs((at - previous.at).total_seconds())
    if metres == 0:
        return False
    return seconds == 0 or (metres / 1000) / (seconds / 3600) > MAX_SPEED_KMH


def _user_lock(user: Any) -> None:
    """Serialise one person's punches in this schema until the transaction ends."""
    with connection.cursor() as cursor:
        schema = connection.schema_name  # type: ignore[attr-defined]
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"timeclock:{schema}:{user.pk}"])


def _same_request(punch: Punch, kind: str, device_at: datetime.datetime, site: Any, position: Position) -> bool:
    workplace_same = (
        site in (None, "")
        or getattr(site, "pk", None) == punch.workplace_id
        or str(site) == str(punch.workplace_id)
        or (punch.workplace is not None and str(site).upper() == punch.workplace.code)
    )
    return (
        punch.kind == kind
        and punch.device_at == device_at
        and workplace_same
        and (position.lat is None or (punch.lat, punch.lng) == (position.lat, position.lng))
    )


def _retried(punch: Punch, kind: str, device_at: datetime.datetime, site: Any, position: Position) -> Punch:
    """The punch a retry gets back, or 409 `client_id_reused` when the body differs."""
    if not _same_request(punch, kind, device_at, site, position):
        raise PunchRefused("This client_id was already used for a different punch; generate a new one.",
                           code="client_id_reused", status=409, punch=punch.pk)  # fmt: skip
    return punch


def _existing(*, user: Any, client_id: uuid.UUID, kind: str, device_at: datetime.datetime, workplace: Any,
              position: Position) -> Punch | None:  # fmt: skip
    punch = Punch.objects.select_related("workplace").filter(user=user, client_id=client_id).first()
    return _retried(punch, kind, device_at, workplace, position) if punch is not None else None


def _sequence_check(previous: Punch | None, kind: str, at: datetime.datetime) -> None:
    if previous is not None and previous.at > at:
        raise PunchRefused("A later punch is already recorded; ask a manager for a correction.",
                           code="punch_out_of_order", status=409)  # fmt: skip
    allowed, code = ALLOWED_AFTER[kind]
    if (previous.kind if previous else None) not in allowed:
        raise PunchRefused(SEQUENCE_MESSAGES[code], code=code, status=409)


def _publish(punch: Punch) -> None:
    tenant = connection_tenant()
    payload = punch_payload(punch)
    if punch.kind in (PunchKind.IN, PunchKind.OUT):
        publish("attendance.clocked_in" if punch.kind == PunchKind.IN else "attendance.clocked_out", payload,
                tenant=tenant)  # fmt: skip
    if punch.needs_review:
        publish("attendance.punch_flagged", payload, tenant=tenant)


def _session_context(user: Any, kind: str, previous: Punch | None, at: datetime.datetime) -> tuple[Any, Any]:
    """(shift id, default site id) of the punch: an out or a break belongs to the open session (no
    query); an in to the person's current or imminent shift (one query)."""
    if kind != PunchKind.IN and previous is not None:
        return previous.shift_id, previous.workplace_id
    found = current_shift_place(user=user, at=at)
    return found if found is not None else (None, None)


def access_check(user: Any) -> None:
    """The person punched for must be allowed to use the attendance solution (403 otherwise)."""
    if SOLUTION not in user_solutions(user, connection_tenant()):
        raise PunchRefused("This person may not use Attendance (no solution access).",
                           code="solution_access_required", status=403)  # fmt: skip


def punch_record(
    *,
    user: Any,
    client_id: uuid.UUID,
    kind: str,
    device_at: datetime.datetime,
    lat: float | None = None,
    lng: float | None = None,
    accuracy_m: float | None = None,
    source: str = PunchSource.MOBILE,
    workplace: Any = None,
    mock_location: bool = False,
    actor: Any = None,
    received_at: datetime.datetime | None = None,
    note: str = "",
    access_checked: bool = False,
) -> tuple[Punch, bool]:
    """Record one punch; `(punch, created)`. A retry (same user and client_id, same body) returns the
    first punch with created False; refusals raise PunchRefused and write nothing."""
    now = received_at or timezone.now()
    if kind not in PunchKind.values:
        raise PunchRefused(f"kind must be one of {', '.join(PunchKind.values)}.", code="invalid_kind")
    if source not in PunchSource.values:
        raise PunchRefused(f"source must be one of {', '.join(PunchSource.values)}.", code="invalid_source")
    position = position_check(lat, lng, accuracy_m)
    if not access_checked:
        access_check(user)
    try:
        return _punch_write(user=user, client_id=client_id, kind=kind, device_at=device_at, position=position,
                            source=source, workplace=workplace, mock_location=mock_location, actor=actor, now=now,
                            note=note)  # fmt: skip
    except IntegrityError:
        # Another writer without our lock inserted this client_id first (the transaction is rolled back,
        # so no savepoint is needed on the usual path): answer like a retry.
        again = _existing(user=user, client_id=client_id, kind=kind, device_at=device_at, workplace=workplace,
                          position=position)  # fmt: skip
        if again is None:
            raise
        return again, False


def _punch_write(*, user: Any, client_id: uuid.UUID, kind: str, device_at: datetime.datetime, position: Position,
                 source: str, workplace: Any, mock_location: bool, actor: Any, now: datetime.datetime,
                 note: str) -> tuple[Punch, bool]:  # fmt: skip
    with transaction.atomic():
        _user_lock(user)
        # A retry is nearly always of the person's latest punch; one that is not is found when a rule
        # refuses it (below) or when its insert meets the client id's unique constraint (punch_record).
        previous = previous_punch(user=user)
        if previous is not None and previous.client_id == client_id:
            return _retried(previous, kind, device_at, workplace, position), False
        try:
            _sequence_check(previous, kind, device_at)
            shift_id, default_site = _session_context(user, kind, previous, device_at)
            site, policy = punch_site(workplace=workplace, default_id=default_site)
            offline = device_time_check(device_at, now, policy)
            verdict, distance = fence_judge(site, position, source, policy)
        except PunchRefused:
            earlier = Punch.objects.filter(user=user, client_id=client_id).first()
            if earlier is None:
                raise
            return _retried(earlier, kind, device_at, workplace, position), False
        if mock_location:
            position.flags.append(PunchFlag.MOCK_LOCATION)
        located = previous if previous is None or previous.lat is not None else previous_punch(user=user, located=True)
        if jump_impossible(located, position, device_at):
            position.flags.append(PunchFlag.IMPOSSIBLE_JUMP)
        if offline:
            position.flags.append(PunchFlag.OFFLINE)
        punch = Punch(
            client_id=client_id, user=user, kind=kind, at=device_at, device_at=device_at, received_at=now,
            offline=offline, workplace=site, shift_id=shift_id, lat=position.lat, lng=position.lng,
            accuracy_m=position.accuracy_m,
            source=source, verdict=verdict, distance_m=distance, flags=position.flags,
            needs_review=bool(REVIEW_FLAGS.intersection(position.flags)), note=note,
            recorded_by=actor if actor is not None and getattr(actor, "pk", None) != user.pk else None,
        )  # fmt: skip
        punch._history_user = actor or user  # type: ignore[attr-defined]
        punch.save(force_insert=True)
        _publish(punch)
    return punch, True


@transaction.atomic
def punch_review(*, punch: Punch, actor: Any, note: str = "") -> Punch:
    """Mark a flagged punch reviewed (idempotent: a reviewed punch stays as it was)."""
    punch = Punch.objects.select_for_update().get(pk=punch.pk)
    if not punch.needs_review:
        return punch
    punch.needs_review, punch.reviewed_at, punch.reviewed_by = False, timezone.now(), actor
    punch.review_note = note[:500]
    punch._history_user = actor  # type: ignore[attr-defined]
    punch.save(update_fields=["needs_review", "reviewed_at", "reviewed_by", "review_note"])
    return punch


def _workplace_of(value: Any) -> Workplace | None:
    if value is None or isinstance(value, Workplace):
        return value
    return workplace_resolve(workplace=value)


@transaction.atomic
def punches_replace(*, user: Any, start: datetime.datetime, end: datetime.datetime, punches: list[dict[str, Any]],
                    actor: Any, reason: str) -> list[Punch]:  # fmt: skip
    """Replace the person's effective punches in [start, end) by `punches` (each: kind, at, workplace):
    nothing is deleted. The originals point at the first replacement through `superseded_by` (with no
    replacement, at themselves: withdrawn); the new punches are source "correction". Used by attendance
    corrections once approved."""
    _user_lock(user)
    originals = list(
        Punch.objects.select_for_update().filter(user=user, superseded_by__isnull=True, at__gte=start, at__lt=end)
    )
    now = timezone.now()
    # Withdraw the originals first: a replacement may keep an original's exact time, which the rule "one
    # effective punch per person per instant" would otherwise refuse. They point at their replacement below.
    Punch.objects.filter(pk__in=[original.pk for original in originals]).update(superseded_by=F("id"))
    created: list[Punch] = []
    for item in sorted(punches, key=lambda p: p["at"]):
        if item.get("kind") not in PunchKind.values or not start <= item["at"] < end:
            raise PunchRefused("Each replacement punch needs a kind and a time inside the corrected span.",
                               code="invalid_correction")  # fmt: skip
        punch = Punch(client_id=uuid.uuid4(), user=user, kind=item["kind"], at=item["at"], device_at=item["at"],
                      received_at=now, workplace=_workplace_of(item.get("workplace")), source=PunchSource.CORRECTION,
                      note=reason[:500], recorded_by=actor)  # fmt: skip
        punch._history_user = actor  # type: ignore[attr-defined]
        punch.save(force_insert=True)
        created.append(punch)
    for original in originals:
        original.superseded_by = created[0] if created else original
        original._history_user = actor  # type: ignore[attr-defined]
        original.save(update_fields=["superseded_by"])
    for punch in created:
        _publish(punch)
    return created


def _auto_out(open_punch: Punch, at: datetime.datetime, now: datetime.datetime) -> Punch | None:
    """Close one open session with an "out" at `at` (flagged), unless it was closed meanwhile."""
    with transaction.atomic():
        _user_lock(open_punch.user)
        latest = previous_punch(user=open_punch.user)
        if latest is None or latest.pk != open_punch.pk:
            return None
        flags = [PunchFlag.AUTO_CLOCK_OUT]
        punch = Punch.objects.create(
            client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"timeclock:auto:{open_punch.pk}"), user=open_punch.user,
            kind=PunchKind.OUT, at=at, device_at=at, received_at=now, workplace=open_punch.workplace,
            shift=open_punch.shift,
            source=PunchSource.AUTO, verdict=PunchVerdict.UNKNOWN, flags=flags, needs_review=True,
            note="Closed automatically: the session was open past the policy's limit.",
        )  # fmt: skip
        _publish(punch)
    return punch


def auto_clock_out(*, now: datetime.datetime | None = None, limit: int = 1000) -> list[Punch]:
    """Close the sessions left open (current schema): open longer than the policy's maximum shift, or past
    their shift's scheduled end plus the policy's overrun. Each gets an "out" punch, source "auto", flagged."""
    now = now or timezone.now()
    closed = [_auto_out(open_punch, at, now) for open_punch, at in sessions_to_close(now=now, limit=limit)]
    return [punch for punch in closed if punch is not None]


def missing_punches_detect(*, now: datetime.datetime | None = None) -> list[MissingPunch]:
    """Record each shift that ended with no "in" or no "out" once, and tell the person once
    (`attendance.missing_punch`); a second run finds the same rows and tells nobody."""
    now = now or timezone.now()
    found = missing_punches_found(now=now)
    if not found:
        return []
    known = set(MissingPunch.objects.filter(shift_id__in={shift.pk for shift, _ in found})
                .values_list("shift_id", "kind"))  # fmt: skip
    new = [MissingPunch(user_id=shift.user_id, shift=shift, kind=kind, detected_at=now)
           for shift, kind in found if (shift.pk, kind) not in known]  # fmt: skip
    with transaction.atomic():
        created = MissingPunch.objects.bulk_create(new, ignore_conflicts=True)
        tenant = connection_tenant()
        publish_many("attendance.missing_punch", [(tenant, {
            "user": str(row.user_id), "shift": row.shift.pk, "kind": row.kind,
            "workplace": row.shift.workplace.code, "starts_at": row.shift.starts_at.isoformat(),
            "ends_at": row.shift.ends_at.isoformat(),
        }) for row in created])  # fmt: skip
    return created

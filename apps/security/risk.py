"""Risk-based sign-in: every sign-in (portal, admin, API token) is scored before it completes.

The score (0-100) is the sum of the weights (settings SIGNIN_RISK_WEIGHTS) of the reasons found:

- new_device: a device fingerprint the person never signed in from, while they have signed in before;
- new_country: a country they never signed in from, while they have signed in from a known one;
- impossible_travel: the last sign-in was too far away for the time since (SIGNIN_RISK_TRAVEL_KMH);
- many_failures: SIGNIN_RISK_FAILURES failed attempts or more within the last window;
- unusual_hour: no sign-in of theirs within an hour of this one's hour (their time zone), among their
  last SIGNIN_RISK_HISTORY sign-ins, once they have SIGNIN_RISK_HOUR_MIN_HISTORY of them;
- location_unknown: the address has no location (private, loopback, unknown): never taken as safe.

The device fingerprint is an HMAC (SIGNIN_RISK_FINGERPRINT_KEY) of the user agent, the client hints
(Sec-CH-UA*), Accept-Language and the browser's device cookie. Every input comes from the client, so
a forged or replayed fingerprint can only change the score: it never skips the password or a factor.

Cost: one query whatever the length of the history: known devices and countries are sets (one row
each, unique indexes); failures and the last sign-ins are read within a time window and a limit.
bench/signin_risk.py measures it.
"""

from __future__ import annotations

import json
import re
import secrets
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.core import hooks
from apps.core.events import publish

from .devices import device_from_user_agent
from .geo import Location, distance_km, locate
from .models import AuthEvent
from .risk_models import KnownDevice, KnownSignInCountry

SIGN_IN_KINDS = (AuthEvent.Kind.LOGIN_SUCCEEDED, AuthEvent.Kind.TOKEN_ISSUED)

REASONS = {
    "new_device": "a device never used before",
    "new_country": "a country never signed in from before",
    "impossible_travel": "too far from the previous sign-in for the time between them",
    "many_failures": "several failed sign-in attempts just before",
    "unusual_hour": "an hour this person does not usually sign in at",
    "location_unknown": "a location that cannot be determined",
}
FLAG_LABELS = {
    "new_device": "New device",
    "new_country": "New country",
    "impossible_travel": "Impossible travel",
    "many_failures": "Many failures",
    "unusual_hour": "Unusual hour",
    "location_unknown": "Unknown location",
}
# Reasons that tell the person "someone signed in from somewhere new" (the notification).
NOTIFY_FLAGS = frozenset({"new_device", "new_country", "impossible_travel"})

# Request headers the fingerprint is made of (the device cookie is added to them).
FINGERPRINT_HEADERS = (
    "HTTP_USER_AGENT",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_MOBILE",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_CH_UA_MODEL",
    "HTTP_ACCEPT_LANGUAGE",
)
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


# --- Fingerprint ---------------------------------------------------------------------------------


def device_id_valid(value: str | None) -> str:
    """The browser's device cookie if well-formed, else "" (a forged value is just another device)."""
    return value if value and _DEVICE_ID.match(value) else ""


def device_id_new() -> str:
    return secrets.token_urlsafe(16)


def device_fingerprint(meta: Mapping[str, Any], device_id: str = "") -> str:
    """HMAC-SHA256 (hex) of the fingerprint headers and the device cookie; the raw values are not kept."""
    parts = [str(meta.get(name) or "").strip()[:512] for name in FINGERPRINT_HEADERS]
    secret = settings.SIGNIN_RISK_FINGERPRINT_KEY or None  # None: Django's SECRET_KEY
    value = "\x1f".join([*parts, device_id])
    return salted_hmac("security.sign_in_fingerprint", value, secret=secret, algorithm="sha256").hexdigest()


# --- Assessment ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInRisk:
    score: int
    flags: tuple[str, ...]
    fingerprint: str
    location: Location
    device_name: str
    first_sign_in: bool = False  # nothing to compare with yet: no device is "new"
    detail: dict[str, Any] = field(default_factory=dict)  # the figures behind the flags (travel speed ...)

    @property
    def labels(self) -> list[str]:
        return [FLAG_LABELS[flag] for flag in self.flags]

    @property
    def reasons(self) -> list[str]:
        return [REASONS[flag] for flag in self.flags]

    def event_fields(self) -> dict[str, Any]:
        """The AuthEvent columns of this assessment."""
        return {
            "risk_score": self.score, "risk_flags": list(self.flags), "device_fingerprint": self.fingerprint,
            "country": self.location.country, "city": self.location.city,
        }  # fmt: skip

    def to_session(self) -> dict[str, Any]:
        """A JSON-able copy, kept in the session between the password and the second factor."""
        where = self.location
        return {
            "score": self.score, "flags": list(self.flags), "fingerprint": self.fingerprint,
            "location": [where.country, where.city, where.latitude, where.longitude],
            "device_name": self.device_name, "first_sign_in": self.first_sign_in, "detail": self.detail,
        }  # fmt: skip

    @classmethod
    def from_session(cls, data: Any) -> SignInRisk | None:
        try:
            return cls(
                score=int(data["score"]), flags=tuple(data["flags"]), fingerprint=str(data["fingerprint"]),
                location=Location(*data["location"]), device_name=str(data["device_name"]),
                first_sign_in=bool(data["first_sign_in"]), detail=dict(data.get("detail") or {}),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class _History:
    known_device: bool
    any_device: bool
    known_country: bool
    any_country: bool
    failures: int
    recent: list[tuple[datetime, str | None]]  # (when, ip) of the last sign-ins, newest first


_HISTORY_SQL = """
SELECT EXISTS (SELECT 1 FROM {device} WHERE user_id = %(user)s AND fingerprint = %(fingerprint)s),
       EXISTS (SELECT 1 FROM {device} WHERE user_id = %(user)s),
       EXISTS (SELECT 1 FROM {country} WHERE user_id = %(user)s AND country = %(country)s),
       EXISTS (SELECT 1 FROM {country} WHERE user_id = %(user)s),
       (SELECT count(*) FROM (SELECT 1 FROM {event} WHERE user_id = %(user)s AND kind = %(failed)s
                              AND created_at >= %(failures_since)s AND created_at <= %(now)s LIMIT 100) AS f),
       (SELECT json_agg(json_build_array(extract(epoch FROM r.created_at), host(r.ip_address)))
          FROM (SELECT created_at, ip_address FROM {event}
                 WHERE user_id = %(user)s AND kind = ANY(%(kinds)s) AND created_at >= %(history_since)s
                   AND created_at <= %(now)s
                 ORDER BY created_at DESC LIMIT %(limit)s) AS r)
"""


def _history(user: Any, *, fingerprint: str, country: str, now: datetime) -> _History:
    """One round trip, written in SQL because it runs at every sign-in: the known sets (unique indexes),
    the failures of the window and the last sign-ins (partial index security_authevent_signins), each
    bounded by time and a limit, whatever the length of the person's history."""
    sql = _HISTORY_SQL.format(
        device=KnownDevice._meta.db_table, country=KnownSignInCountry._meta.db_table, event=AuthEvent._meta.db_table
    )
    params = {
        "user": user.pk, "fingerprint": fingerprint, "country": country, "now": now,
        "failed": AuthEvent.Kind.LOGIN_FAILED.value, "kinds": [kind.value for kind in SIGN_IN_KINDS],
        "failures_since": now - timedelta(minutes=settings.SIGNIN_RISK_FAILURE_WINDOW_MINUTES),
        "history_since": now - timedelta(days=settings.SIGNIN_RISK_HISTORY_DAYS), "limit": settings.SIGNIN_RISK_HISTORY,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        known_device, any_device, known_country, any_country, failures, recent = cursor.fetchone()
    if isinstance(recent, str):  # a driver that does not decode json
        recent = json.loads(recent)
    return _History(
        known_device=known_device, any_device=any_device, known_country=known_country, any_country=any_country,
        failures=failures, recent=[(datetime.fromtimestamp(float(at), tz=UTC), ip) for at, ip in recent or []],
    )  # fmt: skip


def _travel_kmh(location: Location, recent: list[tuple[datetime, str | None]], now: datetime) -> float | None:
    """Speed needed from the previous sign-in's place to this one, when that is far enough to matter."""
    if not recent:
        return None
    previous_at, previous_ip = recent[0]
    km = distance_km(locate(previous_ip), location)
    if km is None or km < settings.SIGNIN_RISK_TRAVEL_MIN_KM:
        return None
    hours = max((now - previous_at).total_seconds() / 3600, 1 / 60)  # a minute at least
    return km / hours


def _user_zone(user: Any) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _unusual_hour(user: Any, recent: list[tuple[datetime, str | None]], now: datetime) -> bool:
    if len(recent) < settings.SIGNIN_RISK_HOUR_MIN_HISTORY:
        return False  # no habit yet
    zone = _user_zone(user)
    hour = now.astimezone(zone).hour
    hours = {at.astimezone(zone).hour for at, _ in recent}
    return not any(min((hour - h) % 24, (h - hour) % 24) <= 1 for h in hours)


def sign_in_risk_assess(
    *, user: Any, ip_address: str | None, meta: Mapping[str, Any], device_id: str = "", now: datetime | None = None
) -> SignInRisk:
    """Score one sign-in of `user` from this address and these request headers (META-style keys)."""
    now = now or timezone.now()
    fingerprint = device_fingerprint(meta, device_id)
    location = locate(ip_address)
    history = _history(user, fingerprint=fingerprint, country=location.country, now=now)
    flags, detail = [], {}
    if history.any_device and not history.known_device:
        flags.append("new_device")
    if location.is_known and history.any_country and not history.known_country:
        flags.append("new_country")
    speed = _travel_kmh(location, history.recent, now) if location.has_coordinates else None
    if speed is not None and speed > settings.SIGNIN_RISK_TRAVEL_KMH:
        flags.append("impossible_travel")
        detail["travel_kmh"] = round(speed)
    if history.failures >= settings.SIGNIN_RISK_FAILURES:
        flags.append("many_failures")
        detail["failures"] = history.failures
    if _unusual_hour(user, history.recent, now):
        flags.append("unusual_hour")
    if not location.is_known:
        flags.append("location_unknown")
    weights = settings.SIGNIN_RISK_WEIGHTS
    return SignInRisk(
        score=min(100, sum(weights.get(flag, 0) for flag in flags)), flags=tuple(flags), fingerprint=fingerprint,
        location=location, device_name=device_from_user_agent(str(meta.get("HTTP_USER_AGENT") or "")).name,
        first_sign_in=not history.any_device, detail=detail,
    )  # fmt: skip


# --- Decision ------------------------------------------------------------------------------------


def sign_in_thresholds(*, user: Any, tenant: Any) -> tuple[int, int]:
    """(step-up, refuse) scores: the tenant's security policy on a tenant domain (hook
    "security.sign_in_risk_thresholds": `fn(*, user, tenant) -> (step_up, refuse)`, answered by
    apps.policy), the platform's settings for staff and on the platform domain."""
    platform = (settings.SIGNIN_RISK_STAFF_STEP_UP_SCORE, settings.SIGNIN_RISK_STAFF_REFUSE_SCORE)
    if tenant is None:
        return platform
    answers = [answer(user=user, tenant=tenant) for answer in hooks.all("security.sign_in_risk_thresholds")]
    if not answers:
        return platform
    return min(a[0] for a in answers), min(a[1] for a in answers)


class Outcome:
    ALLOW = "allow"
    STEP_UP = "step_up"  # a second factor is asked (the person has one)
    STEP_UP_UNAVAILABLE = "step_up_unavailable"  # a second factor is needed and the person has none: refused
    REFUSE = "refuse"


REFUSED_MESSAGE = (
    "This sign-in was refused because it looks unusual for your account (for example a new device, a new "
    "country, or a place too far from your last sign-in). If it was you, sign in again from a device and "
    "network you have used before, or ask {helper} to help. If it was not you, change your password."
)
STEP_UP_UNAVAILABLE_MESSAGE = (
    "This sign-in looks unusual for your account, so a second factor is needed to confirm it is you, and "
    "your account has none yet. Sign in from a device you have used before and set up an authenticator "
    "app, a security key or (where your organisation allows them) codes by email or text message on your "
    "account page, or ask {helper} to help."
)


def sign_in_outcome(risk: SignInRisk, *, step_up: int, refuse: int, has_factor: bool) -> str:
    if risk.score > refuse:
        return Outcome.REFUSE
    if risk.score > step_up:
        return Outcome.STEP_UP if has_factor else Outcome.STEP_UP_UNAVAILABLE
    return Outcome.ALLOW


def outcome_message(outcome: str, *, tenant: Any) -> str:
    helper = f"{tenant.name}'s administrator" if tenant is not None else "platform support"
    template = REFUSED_MESSAGE if outcome == Outcome.REFUSE else STEP_UP_UNAVAILABLE_MESSAGE
    return template.format(helper=helper)


# --- After the sign-in ---------------------------------------------------------------------------


def _remember(model: type[Any], *, lookup: dict[str, Any], now: datetime, **created: Any) -> bool:
    """Move the last seen of the person's set member, or add it; True when it was added. A set's rows are
    unique per person, so a concurrent sign-in that added it first only moves it."""
    touch: dict[str, Any] = {"last_seen_at": now}
    if model is KnownDevice:
        touch["sign_ins"] = F("sign_ins") + 1
    if model.objects.filter(**lookup).update(**touch):
        return False
    try:
        with transaction.atomic():
            model.objects.create(**lookup, first_seen_at=now, last_seen_at=now, **created)
    except IntegrityError:
        model.objects.filter(**lookup).update(**touch)
        return False
    return True


def sign_in_remember(*, user: Any, risk: SignInRisk, tenant: Any, event: AuthEvent | None = None) -> None:
    """After a sign-in succeeded: the device and the country join the person's known sets, and the
    person is told when it came from somewhere new (security.new_sign_in, after commit)."""
    now = event.created_at if event is not None else timezone.now()
    device = {"user_id": user.pk, "fingerprint": risk.fingerprint}
    _remember(KnownDevice, lookup=device, now=now, device_name=risk.device_name[:120])
    if risk.location.is_known:
        _remember(KnownSignInCountry, lookup={"user_id": user.pk, "country": risk.location.country}, now=now)
    if NOTIFY_FLAGS.intersection(risk.flags):
        publish("security.new_sign_in", sign_in_payload(user, risk, event=event, outcome="signed_in"), tenant=tenant)


def sign_in_refused_notify(*, user: Any, risk: SignInRisk, tenant: Any, event: AuthEvent) -> None:
    publish("security.new_sign_in", sign_in_payload(user, risk, event=event, outcome="refused"), tenant=tenant)


def sign_in_payload(user: Any, risk: SignInRisk, *, event: AuthEvent | None, outcome: str) -> dict[str, Any]:
    """security.new_sign_in: a sign-in from a new device or place (or one refused for its risk)."""
    at = event.created_at if event is not None else timezone.now()
    return {
        "event_id": f"security.new_sign_in:{event.pk if event is not None else risk.fingerprint}:{at.isoformat()}",
        "user_id": str(user.pk),
        "outcome": outcome,
        "device": risk.device_name or "Unknown device",
        "location": risk.location.label(),
        "ip_address": (event.ip_address if event is not None else "") or "",
        "score": risk.score,
        "flags": list(risk.flags),
        "reasons": "; ".join(risk.reasons),
        "at": at.isoformat(),
        "at_display": f"{at.astimezone(zoneinfo.ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC",
    }

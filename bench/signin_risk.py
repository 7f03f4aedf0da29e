"""Benchmark risk-based sign-in: the scoring overhead of one sign-in for a person with 5 years of history.

Run from the repository root, with the services' environment:

    set -a; source .data/services.env; set +a
    .venv/bin/python bench/signin_risk.py [--years 5] [--per-day 8] [--others 300000] [--signins 1000] [--drop]

It uses its own database (`nf_bench_signin_risk` on the server of DATABASE_URL; BENCH_DATABASE_NAME
overrides), created and migrated (shared apps only) with the test settings on the first run. The
history is loaded with set-based SQL (INSERT ... SELECT generate_series), reused by later runs with the
same figures (--rebuild reloads it): for the benched person, --per-day sign-ins a day over --years years
from 5 addresses in 4 countries (a web sign-in or an API token), one failed attempt for every eight
sign-ins, 40 known devices and 4 known countries; and --others auth events of 1,000 other people, so
the person's rows are a small part of a large table, as in production.

Then it scores --signins sign-ins of that person (apps.security.risk.sign_in_risk_assess, the whole
assessment: fingerprint, offline IP location, the two indexed queries, the flags), each from one of 60
public addresses (first use of an address reads the location database cold) and one of 50 devices (40
known), and reports the p50/p95/p99 and the queries of one assessment; then the same with the writes
after a successful sign-in (the auth event and the known sets). Progress goes to stderr; the last line on
stdout is one JSON object: `{"signins", "p95_ms", ...}`; the goal is p95 <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from benchdb import BenchDatabase, log  # noqa: E402

BENCH = BenchDatabase("nf_bench_signin_risk")
BENCH.ensure()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.security.geo import public_ip  # noqa: E402
from apps.security.models import AuthEvent, KnownDevice, KnownSignInCountry  # noqa: E402
from apps.security.risk import device_fingerprint, sign_in_remember, sign_in_risk_assess  # noqa: E402
from apps.security.services import auth_event_record  # noqa: E402

EMAIL = "bench.signin.risk@bench.test"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
HOME_ADDRESSES = ("81.2.69.142", "1.1.1.1", "133.242.0.1", "8.8.8.8", "81.2.69.160")  # GB, AU, JP, US, GB
HOME_COUNTRIES = ("GB", "AU", "JP", "US")
KNOWN_DEVICES, DEVICES = 40, 50
GOAL_MS = 10.0


def device_meta(n: int) -> dict[str, str]:
    return {
        "HTTP_USER_AGENT": f"Mozilla/5.0 (X11; Linux x86_64; rv:{100 + n}.0) Gecko/20100101 Firefox/{100 + n}.0",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
    }


def platform_ensure() -> None:
    started = time.perf_counter()
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    log(f"Database ready in {time.perf_counter() - started:.1f} s.")


def _person() -> User:
    user = User.objects.filter(email=EMAIL).first()
    return user or User.objects.create_user(email=EMAIL, password=None, full_name="Bench person")


def _history_size(user: User) -> int:
    return AuthEvent.objects.filter(user_id=user.pk).count()


def build(user: User, *, years: int, per_day: int, others: int) -> None:
    started = time.perf_counter()
    days = int(years * 365.25)
    signins = days * per_day
    span = days * 24 * 3600
    now = f"'{NOW.isoformat()}'::timestamptz"
    addresses = "ARRAY[" + ", ".join(f"'{ip}'" for ip in HOME_ADDRESSES) + "]::inet[]"
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE security_authevent")
        KnownDevice.objects.filter(user=user).delete()
        KnownSignInCountry.objects.filter(user=user).delete()
        # The person: sign-ins every day of the span (hours spread over the working day), and failures.
        cursor.execute(
            f"""INSERT INTO security_authevent (uuid, kind, user_id, email, ip_address, user_agent, correlation_id,
                    detail, risk_score, risk_flags, device_fingerprint, country, city, created_at)
                SELECT gen_random_uuid(),
                       CASE WHEN g % 8 = 7 THEN 'login_failed' WHEN g % 3 = 0 THEN 'token_issued'
                            ELSE 'login_succeeded' END,
                       '{user.pk}'::uuid, '{EMAIL}', ({addresses})[1 + g % {len(HOME_ADDRESSES)}], '',
                       'bench-' || g, '{{}}'::jsonb,
                       (g % 40), ARRAY[]::varchar[], md5('d' || (g % {KNOWN_DEVICES})) || md5('x'), 'GB', '',
                       {now} - ((g::bigint * {span}) / {signins}) * interval '1 second'
                       - ((g * 7919) % 28800) * interval '1 second'
                FROM generate_series(0, {signins - 1}) AS g"""
        )
        # Everybody else: a large table around the person's rows.
        cursor.execute(
            f"""INSERT INTO security_authevent (uuid, kind, user_id, email, ip_address, user_agent, correlation_id,
                    detail, risk_flags, device_fingerprint, country, city, created_at)
                SELECT gen_random_uuid(), CASE WHEN g % 5 = 0 THEN 'login_failed' ELSE 'login_succeeded' END,
                       u.ids[1 + g % array_length(u.ids, 1)], '', '10.0.0.1', '', 'bench-o-' || g, '{{}}'::jsonb,
                       ARRAY[]::varchar[], '', '', '', {now} - ((g::bigint * 104729) % {span}) * interval '1 second'
                FROM generate_series(0, {others - 1}) AS g
                CROSS JOIN (SELECT array_agg(gen_random_uuid()) AS ids FROM generate_series(1, 1000)) AS u"""
        )
    KnownDevice.objects.bulk_create(
        KnownDevice(user=user, fingerprint=device_fingerprint(device_meta(n)), device_name=f"Bench device {n}",
                    first_seen_at=NOW - timedelta(days=days), last_seen_at=NOW - timedelta(days=1))
        for n in range(KNOWN_DEVICES)
    )  # fmt: skip
    KnownSignInCountry.objects.bulk_create(
        KnownSignInCountry(user=user, country=country, first_seen_at=NOW - timedelta(days=days), last_seen_at=NOW)
        for country in HOME_COUNTRIES
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE security_authevent")
    log(f"Loaded {signins} events of the person and {others} of others in {time.perf_counter() - started:.1f} s.")


def addresses(count: int, rng: random.Random) -> list[str]:
    found: list[str] = list(HOME_ADDRESSES)
    while len(found) < count:
        ip = public_ip(".".join(str(rng.randint(1, 223 if i == 0 else 254)) for i in range(4)))
        if ip is not None:
            found.append(ip)
    return found


def percentiles(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100)
    return {"p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=8)
    parser.add_argument("--others", type=int, default=300_000)
    parser.add_argument("--signins", type=int, default=1000)
    parser.add_argument("--rebuild", action="store_true", help="reload the history even if it is there")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    args = parser.parse_args(argv)
    platform_ensure()
    user = _person()
    expected = int(args.years * 365.25) * args.per_day
    if args.rebuild or _history_size(user) < expected:  # the runs add their own sign-ins
        build(user, years=args.years, per_day=args.per_day, others=args.others)
    rng = random.Random(19)
    pool = addresses(60, rng)
    plan = [(rng.choice(pool), rng.randrange(DEVICES), NOW + timedelta(minutes=i)) for i in range(args.signins)]
    sign_in_risk_assess(user=user, ip_address=pool[0], meta=device_meta(0), now=NOW)  # imports, connection
    timings, flagged = [], 0
    for ip, device, at in plan:
        started = time.perf_counter()
        risk = sign_in_risk_assess(user=user, ip_address=ip, meta=device_meta(device), now=at)
        timings.append((time.perf_counter() - started) * 1000)
        flagged += bool(risk.flags)
    with CaptureQueriesContext(connection) as captured:
        sign_in_risk_assess(user=user, ip_address=pool[1], meta=device_meta(1), now=NOW)
    scoring = percentiles(timings)
    log(f"Scoring: p50 {scoring['p50']} ms, p95 {scoring['p95']} ms, p99 {scoring['p99']} ms "
        f"({len(captured.captured_queries)} queries, {flagged} of {args.signins} sign-ins flagged).")  # fmt: skip
    # The whole overhead of a successful sign-in: scoring, its auth event and the known sets (100 of them).
    full = []
    for ip, device, _ in plan[:100]:
        started = time.perf_counter()
        risk = sign_in_risk_assess(user=user, ip_address=ip, meta=device_meta(device))
        event = auth_event_record(
            kind=AuthEvent.Kind.LOGIN_SUCCEEDED, user=user, ip_address=ip, risk_fields=risk.event_fields()
        )
        sign_in_remember(user=user, risk=risk, tenant=None, event=event)
        full.append((time.perf_counter() - started) * 1000)
    with_writes = percentiles(full)
    log(f"Scoring and recording: p50 {with_writes['p50']} ms, p95 {with_writes['p95']} ms.")
    result = {
        "signins": args.signins,
        "p95_ms": scoring["p95"],
        "p50_ms": scoring["p50"],
        "p99_ms": scoring["p99"],
        "queries": len(captured.captured_queries),
        "history_signins": expected,
        "history_years": args.years,
        "other_events": args.others,
        "with_writes_p95_ms": with_writes["p95"],
        "addresses": len(pool),
        "goal_ms": GOAL_MS,
        "within_goal": scoring["p95"] <= GOAL_MS,
    }
    if args.drop:
        connection.close()
        BENCH.drop()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

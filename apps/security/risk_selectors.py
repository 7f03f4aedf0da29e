"""Reads over scored sign-ins: a tenant's risky sign-ins (portal) and the platform's risk trend (staff
dashboard). Both are bounded by time and use the auth events' time indexes."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate

from .models import AuthEvent

SCORED_KINDS = (AuthEvent.Kind.LOGIN_SUCCEEDED, AuthEvent.Kind.TOKEN_ISSUED, AuthEvent.Kind.LOGIN_FAILED)
# (band, label, lowest score): a score falls in the last band whose lowest score it reaches.
BANDS = (("low", "Low (under 25)", 0), ("medium", "Medium (25-49)", 25), ("high", "High (50+)", 50))


def risky_sign_ins(*, tenant: Any, min_score: int, since: datetime) -> QuerySet[AuthEvent]:
    """The tenant's scored sign-ins (and sign-ins refused for their risk) at or above `min_score`, newest
    first, with the person. Staff sign-ins on the tenant's domain are the platform's, not listed."""
    return (
        AuthEvent.objects.filter(
            tenant_id=tenant.pk, created_at__gte=since, kind__in=SCORED_KINDS, risk_score__gte=min_score
        )
        .exclude(user__is_staff=True)
        .select_related("user")
        .defer("detail", "user_agent")
        .order_by("-created_at", "-id")
    )


def _band() -> Case:
    high, medium = BANDS[2][2], BANDS[1][2]
    return Case(
        When(risk_score__gte=high, then=Value(2)),
        When(risk_score__gte=medium, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def sign_in_risk_trend(*, today: date, days: int = 14) -> list[dict[str, Any]]:
    """Scored sign-ins per day by risk band over the last `days` days (UTC), all tenants and the platform:
    one grouped query. Each day: {"day", "low", "medium", "high", "refused", "total"}."""
    since = today - timedelta(days=days - 1)
    start, end = (datetime.combine(d, time.min, tzinfo=UTC) for d in (since, today + timedelta(days=1)))
    rows = (
        AuthEvent.objects.filter(
            created_at__gte=start, created_at__lt=end, kind__in=SCORED_KINDS, risk_score__isnull=False
        )
        .annotate(day=TruncDate("created_at", tzinfo=UTC), band=_band())
        .values("day", "band")
        .annotate(n=Count("pk"), refused=Count("pk", filter=Q(kind=AuthEvent.Kind.LOGIN_FAILED)))
        .order_by()
    )
    trend = {since + timedelta(days=offset): {"low": 0, "medium": 0, "high": 0, "refused": 0} for offset in range(days)}
    for row in rows:
        counts = trend.get(row["day"])
        if counts is not None:
            counts[BANDS[row["band"]][0]] += row["n"]
            counts["refused"] += row["refused"]
    return [
        {"day": day, **counts, "total": counts["low"] + counts["medium"] + counts["high"]}
        for day, counts in trend.items()
    ]


def high_risk_score() -> int:
    return int(settings.SIGNIN_RISK_HIGH_SCORE)

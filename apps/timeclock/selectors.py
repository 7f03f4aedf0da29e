"""Reads on punches, in the tenant's schema."""

import datetime
import uuid
from collections.abc import Iterable

from django.db.models import QuerySet

from .models import Punch, PunchKind

OPEN_KINDS = {PunchKind.IN, PunchKind.BREAK_START, PunchKind.BREAK_END}


def punches_between(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    user_ids: Iterable[uuid.UUID] | None = None,
    include_superseded: bool = False,
) -> QuerySet[Punch]:
    """Punches with `start <= at < end`, ordered by person then time (effective ones unless asked)."""
    punches = Punch.objects.filter(at__gte=start, at__lt=end).select_related("workplace")
    if user_ids is not None:
        punches = punches.filter(user_id__in=list(user_ids))
    if not include_superseded:
        punches = punches.filter(superseded_by__isnull=True)
    return punches.order_by("user_id", "at", "id")


def last_punches(*, user_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Punch]:
    """Each person's latest effective punch (one query: DISTINCT ON user)."""
    punches = Punch.objects.filter(superseded_by__isnull=True).select_related("workplace")
    if user_ids is not None:
        punches = punches.filter(user_id__in=list(user_ids))
    latest = punches.order_by("user_id", "-at", "-id").distinct("user_id")
    return {punch.user_id: punch for punch in latest}


def clocked_in_now(*, user_ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, Punch]:
    """The people whose latest effective punch leaves them in (or on a break), with that punch."""
    return {user_id: punch for user_id, punch in last_punches(user_ids=user_ids).items() if punch.kind in OPEN_KINDS}

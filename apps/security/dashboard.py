"""The staff dashboard's sign-in risk block: scored sign-ins per day by risk band, last 14 days."""

from datetime import datetime
from typing import Any

from .risk_selectors import BANDS, sign_in_risk_trend

DAYS = 14


def sign_in_risk_block(user: Any, now: datetime) -> dict[str, Any] | None:
    """For staff who may read auth events (one grouped query); None hides the block from the others."""
    if not (user.is_superuser or user.has_perm("security.view_authevent")):
        return None
    trend = sign_in_risk_trend(today=now.date(), days=DAYS)
    peak = max((day["total"] for day in trend), default=0) or 1
    for day in trend:  # bar widths in percent of the busiest day, per band
        day["widths"] = {band: round(100 * day[band] / peak, 1) for band, _, _ in BANDS}
    return {
        "days": trend,
        "bands": BANDS,
        "totals": {band: sum(day[band] for day in trend) for band, _, _ in BANDS},
        "refused": sum(day["refused"] for day in trend),
    }

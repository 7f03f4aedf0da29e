"""Portal: the organisation's risky sign-ins (tenant admins): scored sign-ins of its people at or above
a score, and the ones refused for their risk, over the last days."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.pagination import CappedCountPaginator
from apps.security.risk import FLAG_LABELS
from apps.security.risk_selectors import high_risk_score, risky_sign_ins
from apps.surfaces.portal import TenantPortalView

PAGE = 50
PERIODS = (7, 30, 90)


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value)))
    except (TypeError, ValueError):
        return default


class RiskySignInsView(TenantPortalView):
    tenant_access = "admin"
    template_name = "security/risky_sign_ins.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        min_score = _int(request.GET.get("min_score"), high_risk_score(), 0, 100)
        days = _int(request.GET.get("days"), 30, 1, max(PERIODS))
        since = timezone.now() - timedelta(days=days)
        rows = risky_sign_ins(tenant=request.tenant, min_score=min_score, since=since)  # type: ignore[attr-defined]
        # Auth events are one table for every tenant: the count stops at a cap (90 days of a big tenant).
        page = CappedCountPaginator(rows, PAGE).get_page(request.GET.get("page"))
        context = {
            "page_obj": page,
            "rows": [(event, [FLAG_LABELS.get(flag, flag) for flag in event.risk_flags]) for event in page],
            "min_score": min_score,
            "days": days,
            "periods": PERIODS,
        }
        return render(request, self.template_name, context)

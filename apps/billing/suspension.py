"""What a tenant suspended by dunning may still open: its billing pages (and sign-in), so a tenant
admin can add a card and pay the overdue invoice, which lifts the suspension at once.

Answers the `tenancy.suspension_exits` hook (apps.tenancy.status_middleware): only billing's own
suspension (reason "Payment overdue: invoice …"); a suspension by staff keeps everything closed.
"""

from typing import Any

from django.urls import reverse

from .dunning import SUSPENSION_PREFIX


def suspension_exits(tenant: Any) -> list[tuple[str, str]]:
    if not (tenant.suspension_reason or "").startswith(SUSPENSION_PREFIX):
        return []
    return [(reverse("billing:overview", urlconf="config.urls.tenant"), "Pay the overdue invoice")]

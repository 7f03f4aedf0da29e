"""SLA targets and clocks.

Targets come from SlaPolicy: the row of the tenant's plan and the priority, else the default row
(plan empty) of the priority, else DEFAULT_TARGETS. A clock's due time is
created_at + target + paused_seconds; pausing (waiting on the customer) freezes the remaining time and
resuming shifts the due times by the pause. The breach sweep flags every breached ticket in one UPDATE.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, F, Q, When
from django.utils import timezone

from apps.audit import writes

from .models import SlaPolicy, Ticket, TicketQuerySet

# priority -> (first response, resolution) in minutes.
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    "urgent": (60, 4 * 60),
    "high": (4 * 60, 24 * 60),
    "medium": (8 * 60, 72 * 60),
    "low": (24 * 60, 120 * 60),
}
ENTERPRISE_TARGETS: dict[str, tuple[int, int]] = {
    "urgent": (30, 2 * 60),
    "high": (2 * 60, 12 * 60),
    "medium": (4 * 60, 48 * 60),
    "low": (12 * 60, 72 * 60),
}
PLAN_TARGETS = {"enterprise": ENTERPRISE_TARGETS}


def sla_policies_seed(*, policy_model: Any = SlaPolicy, plan_model: Any = None) -> int:
    """Create the default policies, and those of the plans in PLAN_TARGETS that exist. Idempotent;
    existing rows (maybe edited by staff) are left alone. Returns how many rows were created."""
    if plan_model is None:
        from apps.tenancy.models import Plan as plan_model
    created = 0
    for priority, (first, resolution) in DEFAULT_TARGETS.items():
        _, made = policy_model.objects.get_or_create(
            plan=None, priority=priority, defaults={"first_response_minutes": first, "resolution_minutes": resolution}
        )
        created += made
    for plan in plan_model.objects.filter(name__in=PLAN_TARGETS):
        for priority, (first, resolution) in PLAN_TARGETS[plan.name].items():
            _, made = policy_model.objects.get_or_create(
                plan=plan,
                priority=priority,
                defaults={"first_response_minutes": first, "resolution_minutes": resolution},
            )
            created += made
    return created


def sla_targets(*, plan_id: int | None, priority: str) -> tuple[int, int]:
    """(first response, resolution) minutes for a plan and priority."""
    rows = {
        row.plan_id: row
        for row in SlaPolicy.objects.filter(Q(plan_id=plan_id) | Q(plan__isnull=True), priority=priority)
    }
    row = rows.get(plan_id) if plan_id is not None else None
    row = row or rows.get(None)
    if row is None:
        return DEFAULT_TARGETS[priority]
    return row.first_response_minutes, row.resolution_minutes


def sla_clocks_set(ticket: Ticket) -> None:
    """(Re)compute the targets and due times from the tenant's plan and the priority (on open and on a
    priority change). Time already spent waiting on the customer still counts as paused."""
    first, resolution = sla_targets(plan_id=ticket.tenant.plan_id, priority=ticket.priority)
    ticket.first_response_target_minutes, ticket.resolution_target_minutes = first, resolution
    paused = timedelta(seconds=ticket.paused_seconds)
    ticket.first_response_due_at = ticket.created_at + timedelta(minutes=first) + paused
    ticket.resolution_due_at = ticket.created_at + timedelta(minutes=resolution) + paused


def sla_pause(ticket: Ticket, *, now: datetime) -> None:
    if ticket.paused_at is None:
        ticket.paused_at = now


def sla_resume(ticket: Ticket, *, now: datetime) -> None:
    """End a pause: add it to paused_seconds and shift the due times by it."""
    if ticket.paused_at is None:
        return
    pause = max(now - ticket.paused_at, timedelta(0))
    ticket.paused_seconds += int(pause.total_seconds())
    if ticket.first_response_due_at is not None and ticket.first_responded_at is None:
        ticket.first_response_due_at += pause
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at += pause
    ticket.paused_at = None


def sla_flags_refresh(ticket: Ticket, *, now: datetime) -> None:
    """Set the breach flags of one ticket in memory (used by the services; flags never go back)."""
    if ticket.status not in ("open", "in_progress"):
        return
    if ticket.first_responded_at is None and ticket.first_response_due_at and ticket.first_response_due_at < now:
        ticket.first_response_breached = True
    if ticket.resolution_due_at and ticket.resolution_due_at < now:
        ticket.resolution_breached = True


def sla_breaches_flag(*, now: datetime | None = None) -> int:
    """Flag every newly breached ticket in one UPDATE (no per-ticket loop). Returns the rows changed."""
    now = now or timezone.now()
    qs: TicketQuerySet = Ticket.objects.all()
    first = qs.first_response_breached_now(now) & Q(first_response_breached=False)
    resolution = qs.resolution_breached_now(now) & Q(resolution_breached=False)
    return Ticket.objects.filter(first | resolution).update(
        first_response_breached=Case(When(first, then=True), default=F("first_response_breached")),
        resolution_breached=Case(When(resolution, then=True), default=F("resolution_breached")),
    )


# --- Policies (edited by staff in the admin) ------------------------------------------------------


def sla_policy_create(*, acting_user: Any, **fields: Any) -> SlaPolicy:
    return writes.create(SlaPolicy, action="support.sla_policy_created", acting_user=acting_user, tenant=None,
                         **fields)  # fmt: skip


def sla_policy_update(*, policy: SlaPolicy, acting_user: Any, **changes: Any) -> SlaPolicy:
    return writes.update(policy, lock=True, changes=changes, action="support.sla_policy_updated",
                         acting_user=acting_user, tenant=None)  # fmt: skip

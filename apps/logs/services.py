"""Operational alerts and the nightly audit chain verification."""

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.checkpoints import CheckpointProblem, audit_checkpoints_verify
from apps.audit.selectors import audit_chain_verify, audit_chains
from apps.audit.services import audit_record
from apps.core.correlation import get_correlation_id

from .errors import application_error_record
from .models import AlertKind, AlertSeverity, ApplicationErrorSource, OperationalAlert

logger = logging.getLogger(__name__)


class AuditChainBrokenError(Exception):
    """Stands for a broken audit chain in the application error log (never raised)."""


def _alert_recipients() -> list[str]:
    from apps.accounts.models import User
    from apps.accounts.staff_roles import SUPER_ADMIN

    people = User.objects.filter(Q(is_superuser=True) | Q(groups__name=SUPER_ADMIN), is_active=True, is_staff=True)
    return sorted(set(people.values_list("email", flat=True)))


def _alert_email(alert: OperationalAlert) -> None:
    from apps.emails.services import email_send

    for email in _alert_recipients():
        email_send(template="operational_alert", to=email, context={"alert": alert})


@transaction.atomic
def operational_alert_raise(
    *, kind: str, key: str, message: str, severity: str = AlertSeverity.CRITICAL
) -> OperationalAlert | None:
    """Open an alert, log it as an application error and email the super admins (after commit).

    While an alert for the same (kind, key) is open nothing new is raised: one email per incident.
    """
    if OperationalAlert.objects.filter(kind=kind, key=key, resolved_at__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            alert = OperationalAlert.objects.create(
                kind=kind, key=key, severity=severity, message=message, correlation_id=get_correlation_id()
            )
    except IntegrityError:  # raised concurrently by another run
        return None
    application_error_record(
        exc=AuditChainBrokenError(message), source=ApplicationErrorSource.ALERT, path=f"alert:{kind}:{key}"
    )
    logger.error("Operational alert %s (%s): %s", kind, key, message)
    transaction.on_commit(lambda: _alert_email(alert))
    return alert


@transaction.atomic
def operational_alert_resolve(*, alert: OperationalAlert, acting_user: Any) -> OperationalAlert:
    alert = OperationalAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved_at is None:
        alert.resolved_at = timezone.now()
        alert.save(update_fields=["resolved_at"])
        audit_record(
            action="logs.alert_resolved", acting_user=acting_user, tenant=None, target=alert, after={"key": alert.key}
        )
    return alert


def audit_verify_nightly() -> dict[str, int]:
    """Verify every audit chain (same check as `manage.py audit_verify`); alert on each broken one."""
    chains = audit_chains()
    events = broken_count = raised = 0
    for chain in chains:
        checked, broken = audit_chain_verify(chain)
        events += checked
        if broken is None:
            continue
        broken_count += 1
        message = (
            f"Audit chain {broken.chain} is broken at event id={broken.event_id} "
            f"sequence={broken.sequence}: {broken.reason}."
        )
        if operational_alert_raise(kind=AlertKind.AUDIT_CHAIN_BROKEN, key=f"audit:{chain}", message=message):
            raised += 1
    # Rows deleted at the end of a chain leave it intact: only its signed checkpoint shows them (docs/hardening.md).
    try:
        _, problems = audit_checkpoints_verify()
    except ValueError as exc:  # an unreadable checkpoint file is itself a finding
        problems = [CheckpointProblem("checkpoints", "checkpoint file", str(exc))]
    for problem in problems:
        message = f"Audit chain {problem.chain} ({problem.source}): {problem.reason}."
        broken_count += 1
        if operational_alert_raise(kind=AlertKind.AUDIT_CHAIN_BROKEN, key=f"audit:{problem.chain}", message=message):
            raised += 1
    return {"chains": len(chains), "events": events, "broken": broken_count, "alerts": raised}

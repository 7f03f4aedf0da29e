"""Tenant lifecycle: request (and provision), suspend, reactivate, archive, delete, change plan.

requested → provisioning → active ⇄ suspended → archived → deleted, plus provisioning → failed →
provisioning (retry). An archived tenant may be reactivated until it is deleted (undo within the
grace period). Every transition locks the tenant row, writes history and an audit event.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.accounts.services import SEAT_STATUSES
from apps.audit import writes
from apps.audit.services import audit_record
from apps.core.events import publish

from .models import Domain, IsolationLevel, Plan, ProvisioningJob, ProvisioningStep, Tenant, schema_name_for_slug
from .payloads import tenant_status_event

S = Tenant.Status
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.PROVISIONING, S.FAILED}),
    S.PROVISIONING: frozenset({S.ACTIVE, S.FAILED}),
    S.FAILED: frozenset({S.PROVISIONING}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.ARCHIVED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.ACTIVE, S.DELETED}),
    S.DELETED: frozenset(),
}
AUDIT_ACTIONS: dict[str, str] = {
    S.PROVISIONING: "tenant.provisioning_started",
    S.ACTIVE: "tenant.activated",
    S.FAILED: "tenant.provisioning_failed",
    S.SUSPENDED: "tenant.suspended",
    S.ARCHIVED: "tenant.archived",
    S.DELETED: "tenant.deleted",
}


TENANT_AUDITED = writes.Fields(
    "status", "max_users", "suspension_reason", "archive_reason", "failed_step", plan="plan.name"
)


def _invalid(tenant: Tenant, to: str) -> ValidationError:
    return ValidationError(
        "%(name)s is %(current)s; it cannot become %(to)s.",
        code="invalid_transition",
        params={"name": tenant.name, "current": tenant.get_status_display().lower(), "to": S(to).label.lower()},
    )


def transition_check(tenant: Tenant, to: str) -> None:
    if to not in ALLOWED_TRANSITIONS.get(tenant.status, frozenset()):
        raise _invalid(tenant, to)


@transaction.atomic
def tenant_transition(*, tenant: Tenant, to: str, acting_user: Any, changes: dict[str, Any] | None = None) -> Tenant:
    """Move the tenant to `to` (checked against ALLOWED_TRANSITIONS), set `changes`, audit it."""
    locked = writes.locked(tenant, "plan")
    transition_check(locked, to)
    writes.update(locked, changes={"status": to, **(changes or {})}, fields=TENANT_AUDITED, action=AUDIT_ACTIONS[to],
                  acting_user=acting_user, tenant=locked)  # fmt: skip
    if (event := tenant_status_event(locked)) is not None:  # tenant.activated / tenant.suspended, after commit
        publish(event[0], event[1], tenant=locked)
    tenant.refresh_from_db()
    return locked


# --- Request and provisioning ---------------------------------------------------------------------


def _enqueue_provisioning(job_id: int) -> None:
    from .tasks import provision_tenant

    # Tasks are sent from the public schema (tenant-schemas-celery runs them where they were sent).
    with schema_context("public"):
        provision_tenant.delay(job_id)


def _limits_from(plan: Plan | None) -> dict[str, Any]:
    if plan is None:
        return {}
    return {"max_users": plan.max_users, "max_storage_gb": plan.max_storage_gb,
            "api_calls_per_day": plan.api_calls_per_day}  # fmt: skip


def _refuse_taken_domain(slug: str) -> None:
    hostname = f"{slug}.{settings.PLATFORM_DOMAIN}".lower()
    if Domain.objects.filter(domain=hostname).exists():
        raise ValidationError(f"The address {hostname} is already used by another tenant.", code="domain_taken")


@transaction.atomic
def tenant_request(
    *, name: str, slug: str, plan: Plan | None = None, admin_email: str = "", billing_email: str = "",
    country: str = "", time_zone: str = "UTC", isolation_level: str = IsolationLevel.SCHEMA, acting_user: Any,
) -> ProvisioningJob:  # fmt: skip
    """Register a tenant (status requested) and its provisioning job; the job is enqueued after commit."""
    if isolation_level == IsolationLevel.DEDICATED_DATABASE:
        raise ValidationError("Dedicated databases are not available yet.", code="isolation_not_available")
    tenant = Tenant(
        name=name, slug=slug, schema_name=schema_name_for_slug(slug), status=S.REQUESTED, plan=plan,
        billing_email=billing_email, country=country, time_zone=time_zone, isolation_level=isolation_level,
        **_limits_from(plan),
    )  # fmt: skip
    writes.save(tenant, acting_user=acting_user)
    _refuse_taken_domain(slug)
    job = ProvisioningJob(tenant=tenant, admin_email=admin_email.strip().lower(),
                          requested_by=writes.history_user(acting_user))  # fmt: skip
    job.full_clean()
    job.save()
    audit_record(action="tenant.requested", acting_user=acting_user, tenant=tenant, target=tenant,
                 after=writes.snapshot(tenant, TENANT_AUDITED))  # fmt: skip
    transaction.on_commit(lambda: _enqueue_provisioning(job.pk))
    return job


@transaction.atomic
def provisioning_job_retry(*, job: ProvisioningJob, acting_user: Any) -> ProvisioningJob:
    """Run a failed job again: its failed steps are reset; succeeded steps are not repeated."""
    job = ProvisioningJob.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=job.pk)
    if job.status != ProvisioningJob.Status.FAILED:
        raise ValidationError(
            f"Only a failed provisioning job can be retried; this one is {job.get_status_display().lower()}.",
            code="invalid_transition",
        )
    tenant_transition(tenant=job.tenant, to=S.PROVISIONING, acting_user=acting_user,
                      changes={"failed_step": "", "failure_error": ""})  # fmt: skip
    job.steps.exclude(status=ProvisioningStep.Status.SUCCEEDED).update(
        status=ProvisioningStep.Status.PENDING, error="", started_at=None, finished_at=None
    )
    job.status, job.error, job.finished_at = ProvisioningJob.Status.PENDING, "", None
    job.save(update_fields=["status", "error", "finished_at"])
    audit_record(action="tenant.provisioning_retried", acting_user=acting_user, tenant=job.tenant,
                 target=job, after={"attempts": job.attempts})  # fmt: skip
    transaction.on_commit(lambda: _enqueue_provisioning(job.pk))
    return job


# --- Suspend, reactivate, archive, delete ---------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason; it is shown to staff and kept in the audit log.", code="reason_required")
    return reason[:255]


@transaction.atomic
def tenant_suspend(*, tenant: Tenant, acting_user: Any, reason: str) -> Tenant:
    changes = {"suspended_at": timezone.now(), "suspension_reason": _reason(reason)}
    return tenant_transition(tenant=tenant, to=S.SUSPENDED, acting_user=acting_user, changes=changes)


@transaction.atomic
def tenant_reactivate(*, tenant: Tenant, acting_user: Any) -> Tenant:
    """Suspended or archived (within the grace period) back to active."""
    locked = writes.locked(tenant, "plan")
    if locked.status not in (S.SUSPENDED, S.ARCHIVED):  # provisioning → active is the job's, not staff's
        raise _invalid(locked, S.ACTIVE)
    changes = {"suspended_at": None, "suspension_reason": "", "archived_at": None, "archive_reason": "",
               "delete_after": None}  # fmt: skip
    return tenant_transition(tenant=tenant, to=S.ACTIVE, acting_user=acting_user, changes=changes)


@transaction.atomic
def tenant_archive(*, tenant: Tenant, acting_user: Any, reason: str) -> Tenant:
    now = timezone.now()
    changes = {"archived_at": now, "archive_reason": _reason(reason),
               "delete_after": now + timedelta(days=settings.TENANT_DELETE_GRACE_DAYS)}  # fmt: skip
    return tenant_transition(tenant=tenant, to=S.ARCHIVED, acting_user=acting_user, changes=changes)


@transaction.atomic
def tenant_delete(*, tenant: Tenant, acting_user: Any) -> Tenant:
    """Second step of deletion: an archived tenant past `delete_after`. The schema is dropped by a task;
    the row, its domains and the audit trail stay."""
    locked = writes.locked(tenant, "plan")
    transition_check(locked, S.DELETED)
    if locked.delete_after is None or locked.delete_after > timezone.now():
        raise ValidationError(
            "%(name)s can be deleted from %(when)s, when its grace period ends.",
            code="grace_period", params={"name": locked.name, "when": f"{locked.delete_after:%Y-%m-%d %H:%M} UTC"},
        )  # fmt: skip
    deleted = tenant_transition(tenant=locked, to=S.DELETED, acting_user=acting_user,
                                changes={"deleted_at": timezone.now()})  # fmt: skip
    transaction.on_commit(lambda: _enqueue_schema_drop(str(deleted.pk)))
    return deleted


def _enqueue_schema_drop(tenant_id: str) -> None:
    from .tasks import drop_tenant_schema

    with schema_context("public"):
        drop_tenant_schema.delay(tenant_id)


@transaction.atomic
def tenant_plan_change(*, tenant: Tenant, plan: Plan, acting_user: Any) -> Tenant:
    """Move the tenant to `plan` and copy its limits; refused when members already exceed them."""
    locked = writes.locked(tenant, "plan")
    used = Membership.objects.filter(tenant=locked, status__in=SEAT_STATUSES).count()
    if used > plan.max_users:
        raise ValidationError(
            f"{locked.name} has {used} members; the {plan} plan allows {plan.max_users}. "
            "Remove members before moving to this plan.",
            code="plan_too_small",
        )
    writes.update(locked, changes={"plan": plan, **_limits_from(plan)}, fields=TENANT_AUDITED,
                  action="tenant.plan_changed", acting_user=acting_user, tenant=locked)  # fmt: skip
    tenant.refresh_from_db()
    return locked

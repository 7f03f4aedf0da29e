"""Provisioning: an ordered registry of idempotent steps that apps contribute, and the job runner.

Apps register steps with `@provisioning_step(name, position)` in their own `provisioning.py`
module (autodiscovered on first use), so later apps add steps without touching tenancy. Each step
receives the job and its tenant, runs with the connection on the public schema, and must be safe to
run again: a step's work and its "succeeded" mark commit in one transaction, and a step left
"running" by a killed worker is simply run again.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.contributions import Registry
from apps.core.correlation import get_correlation_id

from .models import Domain, ProvisioningJob, ProvisioningStep, Tenant
from .schemas import schema_clone, schema_drop

logger = logging.getLogger(__name__)

StepFunction = Callable[..., None]


@dataclass(frozen=True)
class Step:
    name: str
    position: int
    run: StepFunction


_REGISTRY: dict[str, Step] = {}
# Discovery (lazy, once, thread-safe) is apps.core.contributions' Registry; steps are kept by name here.
_DISCOVERY = Registry("provisioning")


def register_step(name: str, position: int, function: StepFunction) -> None:
    existing = _REGISTRY.get(name)
    if existing is not None and existing.run is not function:
        # Reloading a module re-registers the same function under a new identity: keep the latest.
        logger.debug("Provisioning step %s registered again", name)
    _REGISTRY[name] = Step(name=name, position=position, run=function)


def provisioning_step(name: str, position: int) -> Callable[[StepFunction], StepFunction]:
    """Decorator: `@provisioning_step("create_root_entity", 40)` on `def step(*, job, tenant)`."""

    def decorator(function: StepFunction) -> StepFunction:
        register_step(name, position, function)
        return function

    return decorator


def provisioning_steps() -> list[Step]:
    _DISCOVERY.discover()
    return sorted(_REGISTRY.values(), key=lambda step: (step.position, step.name))


# --- The runner -----------------------------------------------------------------------------------


class JobLocked(Exception):
    """Another worker holds this job's lock."""


@contextmanager
def _job_lock(job_id: int) -> Any:
    """A session-level advisory lock: released when the worker's connection dies (kill -9)."""
    key = f"tenancy.provision:{job_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        if not cursor.fetchone()[0]:
            raise JobLocked(job_id)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def job_steps_ensure(job: ProvisioningJob) -> list[ProvisioningStep]:
    """One ProvisioningStep row per registered step (existing rows keep their status)."""
    rows = [ProvisioningStep(job=job, name=s.name, position=s.position) for s in provisioning_steps()]
    ProvisioningStep.objects.bulk_create(rows, ignore_conflicts=True)
    return list(job.steps.order_by("position", "name"))


def _job_start(job_id: int) -> ProvisioningJob | None:
    from .lifecycle import tenant_transition

    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=job_id)
        if job.status == ProvisioningJob.Status.SUCCEEDED:
            return None
        job.status, job.attempts, job.error = ProvisioningJob.Status.RUNNING, job.attempts + 1, ""
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "error", "started_at"])
        if job.tenant.status != Tenant.Status.PROVISIONING:
            tenant_transition(tenant=job.tenant, to=Tenant.Status.PROVISIONING, acting_user=job.requested_by)
    return job


def _step_run(job: ProvisioningJob, row: ProvisioningStep, step: Step) -> None:
    row.status, row.started_at, row.finished_at, row.error = ProvisioningStep.Status.RUNNING, timezone.now(), None, ""
    row.correlation_id = get_correlation_id() or row.correlation_id  # a retry's steps show under the retry
    row.save(update_fields=["status", "started_at", "finished_at", "error", "correlation_id"])  # visible progress
    with transaction.atomic():
        step.run(job=job, tenant=job.tenant)
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        row.status, row.finished_at = ProvisioningStep.Status.SUCCEEDED, timezone.now()
        row.save(update_fields=["status", "finished_at"])


def _job_fail(job: ProvisioningJob, row: ProvisioningStep, exc: Exception) -> None:
    from .lifecycle import tenant_transition

    connection.set_schema_to_public()  # type: ignore[attr-defined]
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    with transaction.atomic():
        row.status, row.finished_at, row.error = ProvisioningStep.Status.FAILED, now, error
        row.save(update_fields=["status", "finished_at", "error"])
        job.status, job.finished_at, job.error = ProvisioningJob.Status.FAILED, now, f"{row.name}: {error}"
        job.save(update_fields=["status", "finished_at", "error"])
        tenant_transition(
            tenant=job.tenant, to=Tenant.Status.FAILED, acting_user=job.requested_by,
            changes={"failed_step": row.name, "failure_error": error},
        )  # fmt: skip


def provisioning_job_run(*, job: ProvisioningJob) -> ProvisioningJob:
    """Run the job's steps in order, skipping those already succeeded. Raises JobLocked when another
    worker runs the same job; a step's exception marks the step, the job and the tenant failed."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with _job_lock(job.pk):
        started = _job_start(job.pk)
        if started is None:
            return ProvisioningJob.objects.get(pk=job.pk)
        job = started
        registry = {step.name: step for step in provisioning_steps()}
        for row in job_steps_ensure(job):
            if row.status == ProvisioningStep.Status.SUCCEEDED or row.name not in registry:
                continue
            try:
                _step_run(job, row, registry[row.name])
            except Exception as exc:
                logger.exception("Provisioning job %s failed at step %s", job.pk, row.name)
                _job_fail(job, row, exc)
                return job
        job.status, job.finished_at = ProvisioningJob.Status.SUCCEEDED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
    return job


def provisioning_job_give_up(*, job_id: int, error: str) -> bool:
    """The sweeper's last word (apps.core.jobs): the job's worker kept dying, so the job, its
    unfinished step and the tenant become failed, for a person to look at and retry. False when the
    job had finished meanwhile."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with transaction.atomic():
        job = ProvisioningJob.objects.select_for_update(of=("self",)).select_related("tenant").filter(pk=job_id).first()
        if job is None or job.status in (ProvisioningJob.Status.SUCCEEDED, ProvisioningJob.Status.FAILED):
            return False
        row = job.steps.exclude(status=ProvisioningStep.Status.SUCCEEDED).order_by("position", "name").first()
        if row is None:
            row = job_steps_ensure(job)[-1]
        _job_fail(job, row, RuntimeError(error))
    return True


# --- Tenancy's own steps --------------------------------------------------------------------------


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


def _migrations(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        return {(app, name) for app, name in cursor.fetchall()}


def schema_matches_template(*, schema: str, template: str) -> bool:
    tables = _tables(schema)
    if not tables or tables != _tables(template):
        return False
    return _migrations(schema) == _migrations(template)


@provisioning_step("clone_schema", 10)
def clone_schema(*, job: ProvisioningJob, tenant: Tenant) -> None:
    """Clone the template; a complete schema is kept, a half-made one is dropped and cloned again."""
    template = settings.TENANT_TEMPLATE_SCHEMA
    if schema_matches_template(schema=tenant.schema_name, template=template):
        return
    schema_drop(tenant.schema_name)
    schema_clone(source=template, target=tenant.schema_name)


@provisioning_step("primary_domain", 20)
def primary_domain(*, job: ProvisioningJob, tenant: Tenant) -> None:
    """`<slug>.<platform domain>`, verified by construction (the platform owns the parent domain)."""
    hostname = f"{tenant.slug}.{settings.PLATFORM_DOMAIN}".lower()
    if Domain.objects.filter(domain=hostname, tenant=tenant).exists():
        return
    domain = Domain(
        domain=hostname, tenant=tenant, is_primary=not tenant.domains.filter(is_primary=True).exists(),
        verification_status=Domain.VerificationStatus.VERIFIED, verified_at=timezone.now(),
    )  # fmt: skip
    domain.full_clean()
    domain._history_user = job.requested_by  # type: ignore[attr-defined]
    domain.save()


@provisioning_step("security_policy", 30)
def security_policy(*, job: ProvisioningJob, tenant: Tenant) -> None:
    """Tenant-level MFA from the plan's `features.flags.mfa_required`, when the plan sets it."""
    flags = (tenant.plan.features.get("flags") or {}) if tenant.plan else {}
    if "mfa_required" not in flags or tenant.mfa_required == bool(flags["mfa_required"]):
        return
    tenant.mfa_required = bool(flags["mfa_required"])
    tenant._history_user = job.requested_by  # type: ignore[attr-defined]
    tenant.save(update_fields=["mfa_required", "updated_at"])


@provisioning_step("mark_active", 1000)
def mark_active(*, job: ProvisioningJob, tenant: Tenant) -> None:
    from .lifecycle import tenant_transition

    tenant.refresh_from_db()
    if tenant.status != Tenant.Status.ACTIVE:
        tenant_transition(tenant=tenant, to=Tenant.Status.ACTIVE, acting_user=job.requested_by)

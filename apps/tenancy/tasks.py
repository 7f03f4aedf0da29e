"""Celery entry points of tenancy: thin wrappers around the provisioning runner and lifecycle."""

import logging
from typing import Any

from celery import shared_task
from django_tenants.utils import schema_context

from apps.core.jobs import heartbeat_job
from apps.core.tasks import sender_may_touch

from .models import ProvisioningJob, Tenant
from .provisioning import JobLocked, provisioning_job_give_up, provisioning_job_run
from .schemas import schema_drop

logger = logging.getLogger(__name__)


LOCKED_RETRY_SECONDS, LOCKED_RETRIES = 5, 60


@shared_task(name="tenancy.provision_tenant", bind=True, time_limit=600, soft_time_limit=540)
@heartbeat_job
def provision_tenant(self: Any, job_id: int) -> str:
    """Run (or finish) a provisioning job. Safe to receive twice (acks_late redelivery after a
    worker died, or the jobs sweeper re-sending it): finished steps are skipped, a half-made schema
    is dropped and cloned again (clone_schema), and a second copy running at the same moment finds
    the job's lease (apps.core.jobs) or, failing that, its advisory lock taken and stops."""
    job = ProvisioningJob.objects.filter(pk=job_id).first()  # a public table, read from any schema
    if job is None or not sender_may_touch(job.tenant_id):
        return "missing"
    with schema_context("public"):
        try:
            return provisioning_job_run(job=job).status
        except JobLocked:
            logger.info("Provisioning job %s is already running in another worker", job_id)
            if self.request.called_directly or self.request.is_eager:
                return "locked"
            # The lease said its last runner is gone, yet its database session still holds the lock
            # (a killed worker's query still finishing): try again shortly rather than drop the job.
            raise self.retry(countdown=LOCKED_RETRY_SECONDS, max_retries=LOCKED_RETRIES) from None


def provision_tenant_gave_up(*, args: list, kwargs: dict, schema_name: str, error: str) -> None:
    """Hook `jobs.gave_up:tenancy.provision_tenant`: the sweeper stopped re-sending this job."""
    job_id = kwargs.get("job_id", args[0] if args else None)
    if job_id is not None:
        provisioning_job_give_up(job_id=int(job_id), error=error)


@shared_task(name="tenancy.drop_tenant_schema")
def drop_tenant_schema(tenant_id: str) -> bool:
    """Drop a deleted tenant's schema (idempotent); the tenant row and its audit trail stay."""
    if not sender_may_touch(tenant_id):
        return False
    with schema_context("public"):
        tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.DELETED).first()
        if tenant is None or tenant.is_template or tenant.is_public:
            return False
        schema_drop(tenant.schema_name)
        return True


# Maintenance beat tasks (usage aggregation, domain re-verification) live in maintenance.py; importing
# them here is what makes Celery's autodiscovery (which imports `<app>.tasks`) register them.
from .maintenance import aggregate_usage, reverify_domains  # noqa: E402, F401

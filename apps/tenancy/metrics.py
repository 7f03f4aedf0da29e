"""Provisioning job durations for /metrics (nidia_job_duration_seconds{job="provisioning"}).

Observed when a job finishes: the save that sets `finished_at` with a final status (see
provisioning.py). A signal is the bridge here on purpose: metrics are infrastructure, and the
provisioning code stays free of them.
"""

from typing import Any

from apps.core.metrics import JOB_DURATION

from .models import ProvisioningJob

_FINAL = {ProvisioningJob.Status.SUCCEEDED, ProvisioningJob.Status.FAILED}


def observe_finished_job(sender: Any, instance: ProvisioningJob, update_fields: Any = None, **kwargs: Any) -> None:
    """post_save of ProvisioningJob: a save that writes `finished_at` on a finished job is its end."""
    if update_fields is None or "finished_at" not in update_fields or instance.status not in _FINAL:
        return
    if instance.started_at and instance.finished_at:
        seconds = (instance.finished_at - instance.started_at).total_seconds()
        JOB_DURATION.labels("provisioning", str(instance.status)).observe(max(seconds, 0.0))

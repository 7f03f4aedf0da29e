"""Long tasks that survive a killed worker: a lease with a heartbeat, and a sweeper that sends again.

With `acks_late`, the Redis broker hands a task whose worker died to another worker only after its
visibility timeout (which must exceed the longest hard time limit, so tens of minutes), and
nothing else notices the job. So a long task wrapped in `@heartbeat_job`:

1. takes a lease (a `JobLease` row keyed by task name, arguments and schema) when it starts: a
   compare-and-set that refuses while another copy of the same job holds a fresh lease, so a
   re-sent copy and a late broker redelivery of the original never run side by side;
2. refreshes the lease's `heartbeat_at` from a thread every `JOBS_HEARTBEAT_SECONDS` while it runs;
3. deletes the lease when it ends (success or error: the task's own error handling applies).

`jobs_sweep` (beat, every minute) finds leases whose heartbeat is older than `JOBS_STALE_SECONDS`
and sends their task again, up to `JOBS_MAX_ATTEMPTS` runs; after the last it deletes the lease
and calls the hooks `jobs.gave_up:<task name>` (the owning app marks its job failed). Before
re-sending, the hooks `jobs.requeue:<task name>` let the owning app release what the dead copy had
claimed (e.g. a report run left `running`): the lease proves that copy no longer runs. A re-sent
job must be idempotent: each wrapped task says in its docstring why it is.

Hooks are called as `hook(args=[...], kwargs={...}, schema_name="...")` (gave_up also `error=`),
inside the sweeper's transaction for that lease.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from celery import current_app, current_task
from django.conf import settings
from django.core import checks
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from . import hooks
from .models import JobLease

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
DUPLICATE = "duplicate"  # what a copy returns when another copy of the same job holds the lease


def lease_key(task: str, args: Any, kwargs: Any, schema_name: str) -> str:
    payload = json.dumps([task, list(args or []), dict(kwargs or {}), schema_name], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.JOBS_STALE_SECONDS)


def _token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease_take(*, task: str, args: Any, kwargs: Any, schema_name: str) -> tuple[str, str] | None:
    """(key, owner token) when this copy may run; None while another copy holds a fresh lease."""
    key, token, now = lease_key(task, args, kwargs, schema_name), _token(), timezone.now()
    with transaction.atomic():
        lease = JobLease.objects.select_for_update().filter(key=key).first()
        if lease is None:
            try:
                with transaction.atomic():
                    JobLease.objects.create(
                        key=key, task=task, args=list(args or []), kwargs=dict(kwargs or {}),
                        schema_name=schema_name, owner=token, heartbeat_at=now, started_at=now,
                    )  # fmt: skip
            except IntegrityError:  # another copy inserted it a moment ago: it is alive
                return None
            return key, token
        if lease.status == JobLease.Status.RUNNING and lease.heartbeat_at >= _stale_before(now):
            return None
        if lease.status == JobLease.Status.RUNNING:  # its owner died and no sweep came yet: a redelivery
            lease.attempts += 1
        lease.status, lease.owner, lease.heartbeat_at = JobLease.Status.RUNNING, token, now
        lease.save(update_fields=["status", "owner", "heartbeat_at", "attempts"])
    return key, token


def lease_release(key: str, token: str) -> None:
    JobLease.objects.filter(key=key, owner=token).delete()


class Heartbeat(threading.Thread):
    """Moves the lease's heartbeat on while the task runs, on a connection of its own."""

    def __init__(self, key: str, token: str) -> None:
        super().__init__(name=f"heartbeat-{key[:8]}", daemon=True)
        self.key, self.token = key, token
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(settings.JOBS_HEARTBEAT_SECONDS):
                if not self.beat():
                    logger.warning("Job lease %s was taken over: another copy now runs this job", self.key)
                    return
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> bool:
        try:
            return bool(JobLease.objects.filter(key=self.key, owner=self.token).update(heartbeat_at=timezone.now()))
        except Exception:  # a database blip must not end the heartbeat; the next beat tries again
            logger.exception("Job heartbeat %s failed", self.key)
            connection.close()
            return True

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=settings.JOBS_HEARTBEAT_SECONDS + 5)


def heartbeat_job(function: F) -> F:
    """Decorator for a task function (under `@shared_task`): lease, heartbeat, release. Called
    directly or eagerly (tests, benchmarks) the function simply runs."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        task = current_task
        if task is None or task.request.called_directly or task.request.is_eager:
            return function(*args, **kwargs)
        schema_name = getattr(connection, "schema_name", "public")
        taken = lease_take(task=task.name, args=task.request.args, kwargs=task.request.kwargs, schema_name=schema_name)
        if taken is None:
            logger.info("Job %s%s is running in another worker; this copy stops", task.name, task.request.args)
            return DUPLICATE
        heartbeat = Heartbeat(*taken)
        heartbeat.start()
        try:
            return function(*args, **kwargs)
        finally:
            heartbeat.stop()
            lease_release(*taken)

    return wrapper  # type: ignore[return-value]


# --- The sweeper ----------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    pickup_before = now - timedelta(seconds=settings.JOBS_PICKUP_SECONDS)
    return Q(status=JobLease.Status.RUNNING, heartbeat_at__lt=_stale_before(now)) | Q(
        status=JobLease.Status.REQUEUED, heartbeat_at__lt=pickup_before
    )


def _give_up(lease: JobLease) -> None:
    error = f"The worker running it stopped {lease.attempts} times (no heartbeat for {settings.JOBS_STALE_SECONDS} s)."
    lease.delete()
    for gave_up in hooks.all(f"jobs.gave_up:{lease.task}"):
        gave_up(args=lease.args, kwargs=lease.kwargs, schema_name=lease.schema_name, error=error)
    logger.error("Job %s%s given up: %s", lease.task, lease.args, error)


def _requeue(lease: JobLease, now: datetime) -> None:
    lease.status, lease.owner, lease.attempts, lease.heartbeat_at = (
        JobLease.Status.REQUEUED,
        "",
        lease.attempts + 1,
        now,
    )
    lease.save(update_fields=["status", "owner", "attempts", "heartbeat_at"])
    for reset in hooks.all(f"jobs.requeue:{lease.task}"):  # the app releases the dead copy's claims
        reset(args=lease.args, kwargs=lease.kwargs, schema_name=lease.schema_name)
    # Sent inside the transaction: a broker that is down rolls the requeue back for the next sweep.
    # A copy that starts before the commit waits on this row's lock, then sees it requeued.
    current_app.send_task(lease.task, args=lease.args, kwargs=lease.kwargs, headers={"_schema_name": lease.schema_name})
    logger.warning("Job %s%s re-sent (attempt %s): its worker stopped", lease.task, lease.args, lease.attempts)


def _sweep_one(pk: int, now: datetime) -> str:
    with transaction.atomic():
        lease = JobLease.objects.select_for_update(skip_locked=True).filter(_due(now), pk=pk).first()
        if lease is None:  # finished, taken over or swept by another sweeper meanwhile
            return "skipped"
        if lease.attempts >= settings.JOBS_MAX_ATTEMPTS:
            _give_up(lease)
            return "gave_up"
        _requeue(lease, now)
        return "requeued"


def jobs_sweep(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Re-send the jobs whose worker stopped (see the module docstring); {"requeued", "gave_up", ...}."""
    now = now or timezone.now()
    counts = {"requeued": 0, "gave_up": 0, "skipped": 0, "errors": 0}
    for pk in JobLease.objects.filter(_due(now)).values_list("pk", flat=True)[:limit]:
        try:
            counts[_sweep_one(pk, now)] += 1
        except Exception:  # one job's failure (a broker down, a hook raising) must not stop the others
            logger.exception("Job sweep failed for lease %s", pk)
            counts["errors"] += 1
    return counts


# --- Time limits and the visibility timeout -------------------------------------------------------


def project_tasks() -> dict[str, Any]:
    """The registered tasks of this project (Celery's own `celery.*` tasks excluded)."""
    # Django's autodiscovery, not Celery's loader: the loader's import signal runs Django's checks,
    # which would call this again.
    autodiscover_modules("tasks")
    return {name: task for name, task in current_app.tasks.items() if not name.startswith("celery.")}


def task_limits(task: Any) -> tuple[float | None, float | None]:
    """(soft, hard) in seconds: the task's own, else the global defaults."""
    conf = current_app.conf
    return (task.soft_time_limit or conf.task_soft_time_limit, task.time_limit or conf.task_time_limit)


def time_limit_problems() -> list[str]:
    """Why the limits are unsafe: a task without a hard limit, a soft limit not below the hard one,
    or a broker visibility timeout not above the longest hard limit (Redis would then hand a task
    that is still running to a second worker)."""
    problems, longest = [], 0.0
    for name, task in sorted(project_tasks().items()):
        soft, hard = task_limits(task)
        if not hard:
            problems.append(f"Task {name} has no hard time limit (time_limit, or CELERY_TASK_TIME_LIMIT).")
            continue
        if not soft or soft >= hard:
            problems.append(f"Task {name}: its soft time limit ({soft}) must be set and below its hard one ({hard}).")
        longest = max(longest, float(hard))
    visibility = (current_app.conf.broker_transport_options or {}).get("visibility_timeout")
    if visibility is None or float(visibility) <= longest:
        problems.append(
            f"CELERY_BROKER_TRANSPORT_OPTIONS visibility_timeout ({visibility}) must exceed the longest hard "
            f"time limit ({longest:g} s)."
        )
    return problems


@checks.register(checks.Tags.compatibility)
def check_time_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [checks.Error(problem, id="core.E101") for problem in time_limit_problems()]

"""kill -9 of the worker while 20 tenants are provisioned; Redis restarted mid-run.

After a restart every tenant is active within 2 minutes, each job ran to its end once (one domain,
one first-admin invitation per tenant), and every schema matches the template: nothing lost,
nothing duplicated, no half-made schema.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_exists

from apps.core.jobs import jobs_sweep
from apps.core.models import JobLease
from apps.tenancy import lifecycle
from apps.tenancy.models import Domain, ProvisioningJob, Tenant, schema_name_for_slug
from apps.tenancy.provisioning import schema_matches_template
from apps.tenancy.schemas import schema_drop

from .conftest import references_delete, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.chaos]
TENANTS = 20


@pytest.fixture
def slug_prefix(committed: None) -> Iterator[str]:
    prefix = f"chaos-{secrets.token_hex(3)}-"
    yield prefix
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    for schema in Tenant.objects.filter(slug__startswith=prefix).values_list("schema_name", flat=True):
        if schema_exists(schema):
            schema_drop(schema)
    references_delete(Tenant._meta.db_table, "starts_with(slug, %s)", [prefix])
    JobLease.objects.filter(task="tenancy.provision_tenant").delete()


def _request(prefix: str) -> list[int]:
    jobs = [
        lifecycle.tenant_request(
            name=f"Chaos {prefix}{i}", slug=f"{prefix}{i}", admin_email=f"a{i}@chaos.test", acting_user=None
        )
        for i in range(TENANTS)
    ]  # each enqueued on commit (autocommit here), to the private broker
    return [job.pk for job in jobs]


def _succeeded(ids: list[int]) -> int:
    return ProvisioningJob.objects.filter(pk__in=ids, status=ProvisioningJob.Status.SUCCEEDED).count()


def _sweep() -> None:
    jobs_sweep()


def _assert_all_provisioned_once(prefix: str, ids: list[int]) -> None:
    tenants = list(Tenant.objects.filter(slug__startswith=prefix))
    assert len(tenants) == TENANTS
    assert {t.status for t in tenants} == {Tenant.Status.ACTIVE}
    assert _succeeded(ids) == TENANTS
    for tenant in tenants:
        assert schema_matches_template(schema=tenant.schema_name, template=settings.TENANT_TEMPLATE_SCHEMA)
        assert Domain.objects.filter(tenant=tenant).count() == 1
    assert not JobLease.objects.filter(task="tenancy.provision_tenant").exists()


def _no_half_made_schemas(prefix: str) -> None:
    """Every schema of this run either matches the template or is absent."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [schema_name_for_slug(prefix)]
        )
        for (schema,) in cursor.fetchall():
            assert schema_matches_template(schema=schema, template=settings.TENANT_TEMPLATE_SCHEMA), schema


def test_worker_killed_mid_provisioning(slug_prefix: str, worker: Any) -> None:
    ids = _request(slug_prefix)
    worker.start()
    assert wait_until(lambda: _succeeded(ids) >= 3, timeout=90), "the worker provisioned nothing"
    worker.kill()
    assert _succeeded(ids) < TENANTS, "every job finished before the kill: nothing was interrupted"
    interrupted = JobLease.objects.filter(task="tenancy.provision_tenant").count()
    worker.start()
    finished = wait_until(lambda: _succeeded(ids) == TENANTS, timeout=120, step=_sweep)
    _no_half_made_schemas(slug_prefix)
    assert finished, (
        f"{TENANTS - _succeeded(ids)} jobs unfinished 2 minutes after the restart ({interrupted} interrupted)"
    )
    _assert_all_provisioned_once(slug_prefix, ids)


def test_redis_restarted_mid_provisioning(slug_prefix: str, worker: Any, redis_broker: Any) -> None:
    ids = _request(slug_prefix)
    worker.start()
    assert wait_until(lambda: _succeeded(ids) >= 3, timeout=90), "the worker provisioned nothing"
    redis_broker.kill()
    redis_broker.start()
    finished = wait_until(lambda: _succeeded(ids) == TENANTS, timeout=120, step=_sweep)
    _no_half_made_schemas(slug_prefix)
    assert finished, f"{TENANTS - _succeeded(ids)} jobs unfinished 2 minutes after Redis restarted"
    _assert_all_provisioned_once(slug_prefix, ids)

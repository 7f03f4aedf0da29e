from decimal import Decimal

import pytest

from apps.tenancy.models import Plan


@pytest.fixture
def starter(db) -> Plan:
    plan, _ = Plan.objects.get_or_create(
        name="starter",
        defaults={
            "display_name": "Starter", "max_users": 25, "max_storage_gb": Decimal("10"), "api_calls_per_day": 10000,
            "features": {"solutions": ["attendance", "tasks"], "flags": {"api_access": True}},
        },
    )  # fmt: skip
    return plan


@pytest.fixture
def tiny_plan(db) -> Plan:
    return Plan.objects.create(name="tiny-test", display_name="Tiny", max_users=1,
                               features={"flags": {"mfa_required": True}})  # fmt: skip


@pytest.fixture
def no_enqueue(monkeypatch):
    """Record what would be sent to Celery instead of sending it (tests run the task function)."""
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_provisioning", lambda job_id: sent.append(("job", job_id)))
    monkeypatch.setattr("apps.tenancy.lifecycle._enqueue_schema_drop", lambda tid: sent.append(("drop", tid)))
    return sent

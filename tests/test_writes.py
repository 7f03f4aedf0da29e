"""apps.audit.writes: the one audited-write mechanism (lock, snapshot, set, full_clean, save with the
history user, audit before/after in the same transaction)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from apps.audit import writes
from apps.audit.models import AuditEvent
from apps.tenancy.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan() -> Plan:
    return Plan.objects.create(name="writes-test", display_name="Writes test", currency="AUD",
                               price_monthly=Decimal("10.00"), max_users=5)  # fmt: skip


def _events(target) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)))


def test_history_user_is_a_person_never_the_system_or_an_api_key(platform_superuser):
    assert writes.history_user(platform_superuser) is platform_superuser
    assert writes.history_user(None) is None
    assert writes.history_user(SimpleNamespace(pk=None, is_authenticated=True)) is None  # an API key principal
    assert writes.history_user(SimpleNamespace(pk=1, is_service_principal=True)) is None


def test_fields_read_names_paths_and_functions_and_copy_lists(acme):
    fields = writes.Fields("name", "slug", plan="plan.name", upper=lambda tenant: tenant.name.upper())
    acme.plan = None
    assert writes.snapshot(acme, fields) == {"name": "Acme", "slug": "acme", "plan": None, "upper": "ACME"}
    row = SimpleNamespace(items=[1], owner=acme)
    copied = writes.Fields("items", "owner").of(row)  # type: ignore[arg-type]
    row.items.append(2)
    assert copied == {"items": [1], "owner": acme.pk}  # a related row by its key; the list did not follow


def test_update_locks_sets_saves_with_history_and_audits_before_and_after(plan, platform_superuser):
    updated = writes.update(plan, lock=True, changes={"max_users": 7}, extra={"reason": "test"},
                            action="plan.updated", acting_user=platform_superuser, tenant=None)  # fmt: skip
    assert updated is not plan and Plan.objects.get(pk=plan.pk).max_users == 7
    (event,) = _events(plan)
    assert (event.action, event.before, event.after) == ("plan.updated", {"max_users": 5},
                                                         {"max_users": 7, "reason": "test"})  # fmt: skip
    assert event.actor_id == platform_superuser.pk and event.chain == "platform"
    assert plan.history.latest().history_user_id == platform_superuser.pk


def test_an_invalid_change_writes_nothing(plan, platform_superuser):
    with pytest.raises(ValidationError):
        writes.update(plan, lock=True, changes={"currency": "not-a-currency-code"}, action="plan.updated",
                      acting_user=platform_superuser, tenant=None)  # fmt: skip
    assert Plan.objects.get(pk=plan.pk).currency == "AUD" and _events(plan) == []


def test_audited_block_that_raises_saves_and_audits_nothing(plan, platform_superuser):
    with pytest.raises(RuntimeError), writes.audited(plan, action="plan.updated", acting_user=platform_superuser,
                                                     tenant=None, fields=["max_users"]):  # fmt: skip
        plan.max_users = 9
        raise RuntimeError
    assert Plan.objects.get(pk=plan.pk).max_users == 5 and _events(plan) == []


def test_create_audits_the_given_fields(platform_superuser):
    plan = writes.create(Plan, action="plan.created", acting_user=platform_superuser, tenant=None, name="created",
                         display_name="Created", currency="AUD", max_users=3)  # fmt: skip
    (event,) = _events(plan)
    assert event.before is None and event.after == {"name": "created", "display_name": "Created", "currency": "AUD",
                                                    "max_users": 3}  # fmt: skip

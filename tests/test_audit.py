"""The audit log: hash-chained per tenant, append-only in the database, verified by a command."""

import threading
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.audit.hashing import GENESIS_HASH
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_record
from apps.core.correlation import reset_correlation_id, set_correlation_id

from .utils import subprocess_env

pytestmark = pytest.mark.django_db


def _fresh_tenant():
    # A chain of its own, so tests do not depend on events other tests wrote.
    return SimpleNamespace(pk=uuid.uuid4())


def test_events_link_into_a_chain_per_tenant(acme_admin):
    tenant = _fresh_tenant()
    first = audit_record(action="member.invited", acting_user=acme_admin, tenant=tenant, after={"email": "x@y.z"})
    second = audit_record(action="member.removed", acting_user=acme_admin, tenant=tenant, before={"role": "member"})
    other = audit_record(action="tenant.suspended", tenant=_fresh_tenant())
    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.hash)
    assert other.sequence == 1
    assert first.actor_label == acme_admin.code  # a pseudonymous id is hashed, not the email
    assert audit_chain_verify(str(tenant.pk)) == (2, None)


def test_event_records_correlation_id_and_target(acme, acme_admin):
    token = set_correlation_id("req-123")
    try:
        event = audit_record(action="tenant.renamed", acting_user=acme_admin, tenant=acme, target=acme)
    finally:
        reset_correlation_id(token)
    assert event.correlation_id == "req-123"
    assert (event.target_type, event.target_id) == ("tenancy.tenant", str(acme.pk))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'edited' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_update_and_delete_are_refused_by_the_database(statement):
    event = audit_record(action="x.y", tenant=_fresh_tenant())
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.id])


def test_truncate_is_refused_by_the_database():
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")


def test_audit_verify_passes_on_an_intact_chain(capsys):
    tenant = _fresh_tenant()
    for i in range(3):
        audit_record(action=f"step.{i}", tenant=tenant)
    call_command("audit_verify", chain=str(tenant.pk))
    assert "intact" in capsys.readouterr().out


def test_audit_verify_reports_a_row_altered_with_the_trigger_disabled():
    tenant = _fresh_tenant()
    events = [audit_record(action=f"step.{i}", tenant=tenant, after={"n": i}) for i in range(4)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute("UPDATE audit_auditevent SET after = '{\"n\": 99}' WHERE id = %s", [events[2].id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", chain=str(tenant.pk))
    assert f"id={events[2].id}" in str(excinfo.value)
    assert "altered" in str(excinfo.value)


def test_audit_verify_reports_a_deleted_row():
    tenant = _fresh_tenant()
    events = [audit_record(action=f"step.{i}", tenant=tenant) for i in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")
    _, broken = audit_chain_verify(str(tenant.pk))
    assert broken is not None and broken.event_id == events[2].id


def _committed(fn):
    """Run fn on a connection of its own so its writes commit (the test's own transaction rolls back)."""
    result: list = []

    def run() -> None:
        try:
            result.append(fn())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def test_audit_verify_exits_with_code_1_on_a_break():
    """The command's exit code is what the nightly job and operators rely on."""
    import subprocess
    import sys

    from django.conf import settings

    tenant = _fresh_tenant()

    def forge() -> int:
        events = [audit_record(action=f"step.{i}", tenant=tenant) for i in range(2)]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
            cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [events[0].id])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")
        return events[0].id

    def unforge() -> None:  # committed rows outlive the test: leave no broken chain for later tests
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
            cursor.execute("DELETE FROM audit_auditevent WHERE chain = %s", [str(tenant.pk)])
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")

    forged_id = _committed(forge)
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "audit_verify", "--chain", str(tenant.pk)],
            cwd=settings.BASE_DIR,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        _committed(unforge)
    assert result.returncode == 1, result.stderr
    assert f"id={forged_id}" in result.stderr


def test_concurrent_writers_cannot_fork_a_chain():
    tenant = _fresh_tenant()
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    audit_record(action=f"writer.{n}.{i}", tenant=tenant)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = list(
        AuditEvent.objects.filter(chain=str(tenant.pk)).order_by("sequence").values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, 31))
    assert audit_chain_verify(str(tenant.pk)) == (30, None)

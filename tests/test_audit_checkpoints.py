"""Signed checkpoints of the audit chains' heads: rows deleted at the end are found, forgeries too."""

import json
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.audit.checkpoints import audit_checkpoint_take, chain_heads, newest_file_checkpoints
from apps.audit.models import AuditCheckpoint
from apps.audit.services import audit_record
from apps.logs.models import OperationalAlert
from apps.logs.services import audit_verify_nightly

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return tmp_path / "checkpoints"


def _chain(n: int):
    tenant = SimpleNamespace(pk=uuid.uuid4())
    events = [audit_record(action=f"step.{i}", tenant=tenant, after={"n": i}) for i in range(n)]
    return tenant, events


def _delete_rows(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update_delete")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [ids])
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update_delete")


def test_heads_are_read_in_one_query(django_assert_num_queries):
    tenant, events = _chain(3)
    with django_assert_num_queries(1):
        heads = {h.chain: h for h in chain_heads()}
    head = heads[str(tenant.pk)]
    assert (head.sequence, head.head_hash, head.event_count) == (3, events[-1].hash, 3)


def test_checkpoint_writes_the_table_and_the_day_file(checkpoint_dir):
    tenant, events = _chain(2)
    call_command("audit_checkpoint")
    row = AuditCheckpoint.objects.get(chain=str(tenant.pk))
    assert (row.sequence, row.head_hash, row.event_count) == (2, events[-1].hash, 2)
    (day_file,) = checkpoint_dir.glob("*.jsonl")
    lines = [json.loads(line) for line in day_file.read_text().splitlines()]
    assert {"chain": str(tenant.pk), "sequence": 2, "signature": row.signature}.items() <= next(
        line for line in lines if line["chain"] == str(tenant.pk)
    ).items()


def test_normal_growth_after_a_checkpoint_passes(capsys):
    tenant, _ = _chain(2)
    audit_checkpoint_take()
    audit_record(action="step.later", tenant=tenant)
    call_command("audit_verify")
    assert "checkpoint(s) matched" in capsys.readouterr().out


def test_newest_rows_deleted_with_the_trigger_disabled_fail_verification():
    tenant, events = _chain(4)
    audit_checkpoint_take()
    _delete_rows([events[2].id, events[3].id])  # what is left still links up: only the checkpoint shows it
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", chain=str(tenant.pk))
    message = str(excinfo.value)
    assert f"Audit chain {tenant.pk}" in message
    assert (
        "head is at sequence 2, behind its checkpoint" in message and "rows 3..4 were deleted from the end" in message
    )


def test_rows_and_table_checkpoints_deleted_are_still_caught_by_the_file():
    tenant, events = _chain(3)
    audit_checkpoint_take()
    _delete_rows([events[2].id])
    AuditCheckpoint.objects.filter(chain=str(tenant.pk)).delete()
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", chain=str(tenant.pk))
    assert "checkpoint file" in str(excinfo.value) and "rows 3..3 were deleted" in str(excinfo.value)


def test_a_whole_chain_deleted_fails_verification():
    tenant, events = _chain(2)
    audit_checkpoint_take()
    _delete_rows([e.id for e in events])
    with pytest.raises(CommandError, match="every row was deleted"):
        call_command("audit_verify", chain=str(tenant.pk))


def test_a_forged_checkpoint_fails_verification():
    tenant, _ = _chain(2)
    audit_checkpoint_take()
    # Whoever writes the database can lower a checkpoint to match a shortened chain, but cannot sign it.
    AuditCheckpoint.objects.filter(chain=str(tenant.pk)).update(sequence=1, event_count=1)
    with pytest.raises(CommandError, match="bad signature \\(forged or altered\\)"):
        call_command("audit_verify", chain=str(tenant.pk))


def test_a_checkpoint_signed_with_another_key_is_named_as_such(settings):
    tenant, _ = _chain(1)
    audit_checkpoint_take()
    settings.AUDIT_CHECKPOINT_KEY = "another-key"
    with pytest.raises(CommandError, match="signed with another key"):
        call_command("audit_verify", chain=str(tenant.pk))


def test_a_corrupt_checkpoint_file_is_refused_clearly(checkpoint_dir):
    _chain(1)
    audit_checkpoint_take()
    (day_file,) = checkpoint_dir.glob("*.jsonl")
    with day_file.open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(CommandError, match=r"Audit checkpoints unreadable: .* line \d+ is not a checkpoint"):
        call_command("audit_verify")


def test_file_keeps_the_newest_checkpoint_per_chain():
    tenant, _ = _chain(1)
    audit_checkpoint_take()
    audit_record(action="step.more", tenant=tenant)
    audit_checkpoint_take()
    _, rows = newest_file_checkpoints()
    assert next(r for r in rows if r.chain == str(tenant.pk)).sequence == 2


def test_the_nightly_verification_alerts_on_rows_deleted_at_the_end():
    tenant, events = _chain(2)
    audit_checkpoint_take()
    _delete_rows([events[1].id])
    assert audit_verify_nightly()["broken"] >= 1
    alert = OperationalAlert.objects.get(key=f"audit:{tenant.pk}")
    assert "rows 2..2 were deleted from the end" in alert.message

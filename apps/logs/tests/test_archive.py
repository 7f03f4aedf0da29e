"""Retention: archive to gzip JSON lines with a checksum, delete only after verifying, resume."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.emails.models import EmailDelivery
from apps.logs import archive
from apps.logs.archive import archive_and_prune, archives_verify
from apps.logs.models import ApiRequestLog, ApplicationError, LogArchive
from apps.logs.partitions import partition_name, partitions_drop_expired, partitions_ensure, partitions_list
from apps.security.models import AuthEvent

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
OLD_1 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 144 days old
OLD_2 = datetime(2026, 7, 2, 9, 0, tzinfo=UTC)
RECENT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _with_time(model, rows):
    """bulk_create with our created_at even where the field is auto_now_add."""
    field = model._meta.get_field("created_at")
    with mock.patch.object(field, "auto_now_add", False):
        return model.objects.bulk_create(rows)


def _api(when, n, tag="a"):
    return _with_time(ApiRequestLog, [ApiRequestLog(created_at=when + timedelta(minutes=i), method="GET",
                      path=f"/api/v1/{tag}/{i}", status_code=200, duration_ms=1) for i in range(n)])  # fmt: skip


@pytest.fixture
def old_and_new_rows(acme):
    _api(OLD_1, 3)
    _api(OLD_2, 2)
    _api(RECENT, 4)
    _with_time(
        ApplicationError,
        [
            ApplicationError(created_at=OLD_1, exception_class="X", fingerprint="f" * 64),
            ApplicationError(created_at=RECENT, exception_class="Y", fingerprint="f" * 64),
        ],
    )
    _with_time(
        AuthEvent,
        [
            AuthEvent(kind="login_failed", email="old@x.test", created_at=OLD_2),
            AuthEvent(kind="login_failed", email="new@x.test", created_at=RECENT),
        ],
    )
    _with_time(EmailDelivery, [EmailDelivery(recipient="old@x.test", template="t", created_at=OLD_1, tenant=acme)])


def _lines(manifest) -> list[dict]:
    with gzip.open(Path(archive.archive_root()) / manifest.path, "rt") as handle:
        return [json.loads(line) for line in handle]


def _run(**kwargs):
    return archive_and_prune(before=NOW - timedelta(days=90), **kwargs)


def test_archives_old_rows_per_table_and_day_then_deletes_only_them(old_and_new_rows):
    report = _run()
    assert report.by_table == {"api_request": 5, "application_error": 1, "auth_event": 1, "email_delivery": 1}
    assert ApiRequestLog.objects.count() == 4 and ApplicationError.objects.count() == 1
    assert list(AuthEvent.objects.values_list("email", flat=True)) == ["new@x.test"]
    assert not EmailDelivery.objects.filter(recipient="old@x.test").exists()
    manifests = LogArchive.objects.filter(table="api_request").order_by("range_start")
    assert [(m.range_start.date().isoformat(), m.row_count, m.status) for m in manifests] == [
        ("2026-07-01", 3, "complete"), ("2026-07-02", 2, "complete")]  # fmt: skip
    first = manifests[0]
    rows = _lines(first)
    assert [r["path"] for r in rows] == ["/api/v1/a/0", "/api/v1/a/1", "/api/v1/a/2"]
    assert first.path == "api_request/2026/07/api_request-2026-07-01-part1.jsonl.gz"
    assert first.last_id == rows[-1]["id"] and len(first.sha256) == 64
    assert archives_verify() == []


def test_dry_run_counts_and_changes_nothing(old_and_new_rows):
    report = _run(dry_run=True)
    assert report.rows == 8 and ApiRequestLog.objects.count() == 9 and not LogArchive.objects.exists()
    assert not Path(archive.archive_root()).exists()


def test_a_run_killed_half_way_resumes_without_duplicates_or_loss(old_and_new_rows, monkeypatch):
    old_ids = set(ApiRequestLog.objects.filter(created_at__lt=RECENT).values_list("id", flat=True))
    real_delete, calls = archive._delete_batch, []

    def dies_on_second_chunk(manifest, ids):
        calls.append(manifest.pk)
        if len(calls) == 2:
            raise KeyboardInterrupt("worker killed")
        return real_delete(manifest, ids)

    monkeypatch.setattr(archive, "_delete_batch", dies_on_second_chunk)
    with pytest.raises(KeyboardInterrupt):
        _run()
    statuses = list(
        LogArchive.objects.filter(table="api_request").order_by("range_start").values_list("status", flat=True)
    )
    assert statuses == ["complete", "written"]
    assert ApiRequestLog.objects.filter(created_at__lt=RECENT).count() == 2  # second day still there
    monkeypatch.setattr(archive, "_delete_batch", real_delete)
    _run()
    manifests = LogArchive.objects.filter(table="api_request")
    assert manifests.count() == 2 and all(m.status == "complete" for m in manifests)
    archived = [row["id"] for m in manifests for row in _lines(m)]
    assert sorted(archived) == sorted(old_ids) and len(archived) == len(set(archived))
    assert ApiRequestLog.objects.count() == 4


def test_a_pending_manifest_is_rewritten_from_the_rows(old_and_new_rows, monkeypatch):
    def crash(manifest):
        raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(archive, "_export", crash)
    with pytest.raises(KeyboardInterrupt):
        _run()
    assert LogArchive.objects.get(table="api_request").status == "pending"
    monkeypatch.undo()
    _run()
    assert ApiRequestLog.objects.count() == 4
    assert sum(m.row_count for m in LogArchive.objects.filter(table="api_request")) == 5


def test_rows_arriving_later_for_an_archived_day_go_to_a_new_part(old_and_new_rows):
    _run()
    _api(OLD_1, 1, tag="late")
    _run()
    parts = LogArchive.objects.filter(table="api_request", range_start=datetime(2026, 7, 1, tzinfo=UTC))
    assert sorted(parts.values_list("part", "row_count")) == [(1, 3), (2, 1)]


def test_a_tampered_archive_fails_verification_and_is_never_pruned_from(old_and_new_rows, monkeypatch):
    monkeypatch.setattr(archive, "_prune", lambda manifest: None)  # stop after writing
    _run()
    manifest = LogArchive.objects.filter(table="api_request").order_by("range_start").first()
    path = Path(archive.archive_root()) / manifest.path
    path.write_bytes(gzip.compress(b'{"id": 1}\n'))
    assert [problem for _, problem in archives_verify()] == ["SHA-256 does not match the manifest"]
    monkeypatch.undo()
    with pytest.raises(archive.ArchiveError):
        _run()
    assert ApiRequestLog.objects.filter(created_at__date="2026-07-01").count() == 3


def test_archive_logs_command_dry_run_and_verify(old_and_new_rows):
    from io import StringIO

    out = StringIO()
    call_command("archive_logs", "--dry-run", "--before", "2026-08-24", stdout=out)
    assert "Would archive 8 row(s)" in out.getvalue() and ApiRequestLog.objects.count() == 9
    call_command("archive_logs", "--before", "2026-08-24", stdout=out)
    assert ApiRequestLog.objects.count() == 4
    call_command("archive_logs", "--verify", stdout=out)
    LogArchive.objects.filter(table="auth_event").update(sha256="0" * 64)
    with pytest.raises(CommandError):
        call_command("archive_logs", "--verify", stdout=out, stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("archive_logs", "--before", "yesterday")


def test_partitions_are_created_ahead_and_old_empty_ones_dropped():
    created = partitions_ensure(months_ahead=2, now=datetime(2027, 5, 10, tzinfo=UTC))
    assert created == [partition_name(datetime(2027, m, 1, tzinfo=UTC)) for m in (5, 6, 7)]
    assert partitions_ensure(months_ahead=2, now=datetime(2027, 5, 10, tzinfo=UTC)) == []
    _api(datetime(2027, 6, 3, tzinfo=UTC), 2)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partition_name(datetime(2027, 6, 1, tzinfo=UTC))}")
        assert cursor.fetchone()[0] == 2
    dropped = partitions_drop_expired(before=datetime(2027, 8, 1, tzinfo=UTC))
    assert partition_name(datetime(2027, 5, 1, tzinfo=UTC)) in dropped
    assert partition_name(datetime(2027, 6, 1, tzinfo=UTC)) not in dropped  # still holds rows
    assert partition_name(datetime(2027, 6, 1, tzinfo=UTC)) in [p.name for p in partitions_list()]


def test_rows_in_the_default_partition_move_into_a_new_month_partition():
    _api(datetime(2028, 3, 5, tzinfo=UTC), 3)  # no partition yet: the default one takes them
    partitions_ensure(months_ahead=0, now=datetime(2028, 3, 1, tzinfo=UTC))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partition_name(datetime(2028, 3, 1, tzinfo=UTC))}")
        assert cursor.fetchone()[0] == 3
        cursor.execute("SELECT count(*) FROM logs_apirequestlog_default WHERE created_at >= '2028-03-01'")
        assert cursor.fetchone()[0] == 0
    assert ApiRequestLog.objects.filter(created_at__year=2028).count() == 3


def test_archive_task_runs_in_the_public_schema(old_and_new_rows):
    from apps.logs.tasks import archive_and_prune as task

    result = task.apply(kwargs={"before": "2026-08-24T00:00:00"}).get()
    assert result["rows"] == 8 and result["skipped"] is False


def test_request_log_table_is_range_partitioned_by_month_with_a_composite_key():
    from django.utils import timezone

    from apps.logs.partitions import month_start

    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'public.logs_apirequestlog'::regclass")
        assert cursor.fetchone()[0] == "p"
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'public.logs_apirequestlog'::regclass AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, created_at)"
    this_month = partition_name(month_start(timezone.now()))
    assert this_month in [p.name for p in partitions_list()]
    row = _api(timezone.now(), 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {this_month} WHERE id = %s", [row.id])
        assert cursor.fetchone()[0] == 1

"""Monthly partitions of logs_apirequestlog: created ahead, dropped once past retention and empty.

Partitions are named logs_apirequestlog_pYYYY_MM and cover [first of month, first of next month)
in UTC. The DEFAULT partition catches anything else; the archive task empties it like the others.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

PARENT = "logs_apirequestlog"
_NAME = re.compile(rf"^{PARENT}_p(\d{{4}})_(\d{{2}})$")


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


def month_start(when: datetime) -> datetime:
    when = when.astimezone(UTC)
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def next_month(start: datetime) -> datetime:
    return datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(start: datetime) -> str:
    return f"{PARENT}_p{start.year:04d}_{start.month:02d}"


def _qualified(name: str) -> str:
    # Always the public schema: a connection left on a tenant's search_path must not create there.
    return f"{get_public_schema_name()}.{name}"


def _literal(when: datetime) -> str:
    return f"'{when.isoformat()}'"  # our own UTC month boundaries, never user input


def partitions_list() -> list[Partition]:
    """The monthly partitions that exist, oldest first (the default partition is not listed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s)",
            [_qualified(PARENT)],
        )
        names = [row[0] for row in cursor.fetchall()]
    found = []
    for name in names:
        match = _NAME.match(name)
        if match:
            start = datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)
            found.append(Partition(name, start, next_month(start)))
    return sorted(found, key=lambda p: p.start)


def partitions_ensure(*, months_ahead: int = 3, now: datetime | None = None) -> list[str]:
    """Create this month's partition and the next `months_ahead` ones; return the names created.

    Rows of a new month already sitting in the DEFAULT partition would make CREATE ... PARTITION OF
    fail, so they are moved into the new partition in the same transaction.
    """
    start = month_start(now or timezone.now())
    existing = {p.name for p in partitions_list()}
    created = []
    for _ in range(months_ahead + 1):
        name = partition_name(start)
        if name not in existing:
            _partition_create(name, start, next_month(start))
            created.append(name)
        start = next_month(start)
    return created


def _partition_create(name: str, start: datetime, end: datetime) -> None:
    default, parent, qualified = _qualified(f"{PARENT}_default"), _qualified(PARENT), _qualified(name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE _logs_moved AS SELECT * FROM {default} WHERE false")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE created_at >= %s AND created_at < %s RETURNING *) "
            "INSERT INTO _logs_moved SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(
            f"CREATE TABLE {qualified} PARTITION OF {parent} FOR VALUES FROM ({_literal(start)}) TO ({_literal(end)})"
        )
        cursor.execute(f"INSERT INTO {parent} SELECT * FROM _logs_moved")
        cursor.execute("DROP TABLE _logs_moved")


def partitions_drop_expired(*, before: datetime) -> list[str]:
    """Detach and drop monthly partitions wholly older than `before` that the archive has emptied.

    A partition that still holds rows is kept: rows leave only through the archive (file written
    and verified first), so dropping never loses an unarchived row.
    """
    dropped = []
    for partition in partitions_list():
        if partition.end > before:
            break
        qualified = _qualified(partition.name)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qualified})")
            if cursor.fetchone()[0]:
                continue
            cursor.execute(f"ALTER TABLE {_qualified(PARENT)} DETACH PARTITION {qualified}")
            cursor.execute(f"DROP TABLE {qualified}")
        dropped.append(partition.name)
    return dropped

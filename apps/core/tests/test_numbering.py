"""The one number allocator: formats, rollback, blocks, and no gap or duplicate under concurrency."""

import uuid

import pytest
from django.db import connection, transaction

from apps.core.models import NumberSeries
from apps.core.numbering import number_allocate, number_format, numbers_allocate
from tests.utils import run_on_own_connections


def _series(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}".upper()


@pytest.mark.parametrize(("prefix", "number", "formatted"), [
    ("INV", 123, "INV-000123"), ("TKT", 42, "TKT-000042"), ("GDPR", 1, "GDPR-000001"), ("CN", 1234567, "CN-1234567"),
])  # fmt: skip
def test_numbers_keep_their_formats(prefix, number, formatted):
    assert number_format(prefix, number) == formatted


def test_migrated_series_continue_where_the_old_counters_stopped(db):
    """The ticket and GDPR PostgreSQL sequences were moved into the table (a fresh database starts at 1)."""
    assert set(NumberSeries.objects.filter(key__in=["TKT", "GDPR"]).values_list("key", flat=True)) == {"TKT", "GDPR"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relname LIKE '%%_number_seq'")
        assert cursor.fetchone()[0] == 0


def test_a_new_series_starts_at_one_and_a_rolled_back_allocation_is_given_back(db):
    key = _series("T")
    assert number_allocate(key) == (1, f"{key}-000001")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbers_allocate(key, 5) == (2, key)
        raise RuntimeError
    assert number_allocate(key) == (2, f"{key}-000002")
    assert numbers_allocate(key, 3) == (3, key)
    assert NumberSeries.objects.get(key=key).next_number == 6


def test_a_block_needs_at_least_one_number(db):
    with pytest.raises(ValueError, match="at least one"):
        numbers_allocate(_series("T"), 0)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["INV", "TKT", "GDPR"])
def test_two_connections_allocating_at_once_get_no_duplicate_and_no_gap(prefix):
    """Two connections take single numbers and blocks of one series at once, each in its own
    committed transaction; every third block rolls back and gives its numbers back. The series is
    private to the test and removed afterwards."""
    key, rounds = _series(prefix), 12
    results: dict[str, list[int]] = {"singles": [], "blocks": []}

    def singles() -> None:
        for _ in range(rounds):
            with transaction.atomic():
                number, formatted = number_allocate(key)
            assert formatted == number_format(key, number)
            results["singles"].append(number)

    def blocks() -> None:
        for round_ in range(rounds):
            try:
                with transaction.atomic():
                    first, _ = numbers_allocate(key, 3)
                    if round_ % 3 == 2:
                        raise RuntimeError("batch rolled back")
                results["blocks"] += [first, first + 1, first + 2]
            except RuntimeError:
                pass

    run_on_own_connections(singles, blocks, cleanup=lambda: NumberSeries.objects.filter(key=key).delete())
    allocated = results["singles"] + results["blocks"]
    assert sorted(allocated) == list(range(1, len(allocated) + 1))  # no duplicate, no gap
    assert len(results["singles"]) == rounds and len(results["blocks"]) == 3 * (rounds - rounds // 3)

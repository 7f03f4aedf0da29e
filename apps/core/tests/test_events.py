"""Domain events (apps.core.events): after commit only, batches stay batches, a failing subscriber is isolated."""

from typing import Any

import pytest
from django.db import transaction

from apps.core import events

# Tests run inside a transaction that never commits: django_capture_on_commit_callbacks(execute=True)
# plays the commit. Savepoints (nested atomic blocks) behave as in production.


@pytest.fixture
def received():
    """A subscriber to "test.*" that records every call; unregistered afterwards."""
    calls: list[tuple[str, list[tuple[Any, dict[str, Any]]]]] = []

    def record(event: str, items: list[tuple[Any, dict[str, Any]]]) -> None:
        calls.append((event, list(items)))

    events.subscribe("test.*", record)
    yield calls
    events.unsubscribe("test.*", record)


@pytest.mark.django_db
def test_a_rolled_back_publish_delivers_nothing(received, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.publish("test.happened", {"n": 1}, tenant="acme")
        raise RuntimeError("the write failed")
    assert callbacks == [] and received == []


@pytest.mark.django_db
def test_a_committed_publish_is_delivered_once_after_commit(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.happened", {"n": 1}, tenant="acme")
        with transaction.atomic():  # a savepoint that commits with the outer transaction
            events.publish("test.other", {"n": 2})
        assert received == []  # nothing before the commit
    assert received == [("test.happened", [("acme", {"n": 1})]), ("test.other", [(None, {"n": 2})])]


@pytest.mark.django_db
def test_a_rolled_back_savepoint_drops_only_its_own_events(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish("test.kept", {})
        try:
            with transaction.atomic():
                events.publish("test.dropped", {})
                raise RuntimeError
        except RuntimeError:
            pass
    assert [event for event, _ in received] == ["test.kept"]


@pytest.mark.django_db
def test_publish_many_is_one_batch_with_one_on_commit_hook(received, django_capture_on_commit_callbacks):
    items = [(f"tenant-{n}", {"n": n}) for n in range(1000)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events.publish_many("test.bulk", items)
        events.publish_many("test.bulk", [])  # an empty batch registers nothing
    assert len(callbacks) == 1
    assert received == [("test.bulk", items)]


@pytest.mark.django_db
def test_patterns_choose_the_subscribers(django_capture_on_commit_callbacks):
    seen: list[str] = []

    def star(event, items):
        seen.append(f"*:{event}")

    def exact(event, items):
        seen.append(f"exact:{event}")

    events.subscribe("*", star)
    events.subscribe("test.exact", exact)
    events.subscribe("test.exact", exact)  # registered once
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.exact", {})
            events.publish("test.other", {})
    finally:
        events.unsubscribe("*", star)
        events.unsubscribe("test.exact", exact)
    assert [s for s in seen if s.startswith("exact")] == ["exact:test.exact"]
    assert {"*:test.exact", "*:test.other"} <= set(seen)


@pytest.mark.django_db
def test_a_failing_subscriber_is_logged_and_does_not_block_the_others(django_capture_on_commit_callbacks, caplog):
    received: list[str] = []

    def broken(event, items):
        raise ValueError("subscriber bug")

    def after(event, items):
        received.append(event)

    events.subscribe("test.*", broken)  # registered first, so it runs first
    events.subscribe("test.*", after)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("test.happened", {"n": 1})
    finally:
        events.unsubscribe("test.*", broken)
        events.unsubscribe("test.*", after)
    assert received == ["test.happened"]
    assert "subscriber bug" in caplog.text and "test.happened" in caplog.text

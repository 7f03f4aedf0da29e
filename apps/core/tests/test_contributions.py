"""The registry itself (apps/core/contributions.py), without any other app."""

from dataclasses import FrozenInstanceError

import pytest

from apps.core.contributions import MenuEntry, Registry, ScopeFamily, contribute, contributions, contributions_reset


@pytest.fixture
def registry_restored():
    yield
    contributions_reset()


def test_contributions_are_sorted_by_order_then_discovery(registry_restored):
    contribute(MenuEntry("Late", "x:late", order=10_000), MenuEntry("Early", "x:early", order=-1))
    labels = [entry.label for entry in contributions(MenuEntry)]
    assert labels[0] == "Early" and labels[-1] == "Late"


def test_a_kind_reads_only_its_own_contributions(registry_restored):
    contribute(ScopeFamily("things", "Things"))
    assert all(isinstance(item, ScopeFamily) for item in contributions(ScopeFamily))
    assert not any(isinstance(item, ScopeFamily) for item in contributions(MenuEntry))


def test_contributions_are_frozen():
    with pytest.raises(FrozenInstanceError):
        MenuEntry("A", "a:b").label = "B"  # type: ignore[misc]


def test_reset_forgets_what_a_test_added_and_discovers_the_modules_again():
    contribute(MenuEntry("Temporary", "x:temporary"))
    assert "Temporary" in [entry.label for entry in contributions(MenuEntry)]
    count = len(contributions(MenuEntry))
    contributions_reset()
    entries = contributions(MenuEntry)
    assert "Temporary" not in [entry.label for entry in entries] and len(entries) == count - 1


def test_a_registry_discovers_once_even_when_a_module_reads_it_while_discovered(monkeypatch):
    registry = Registry("no_such_module_anywhere")
    calls = []
    monkeypatch.setattr("apps.core.contributions.autodiscover_modules", lambda name: calls.append(registry.items()))
    registry.add("a")
    assert registry.items() == ["a"] and registry.items() == ["a"]
    assert calls == [["a"]]  # the read during discovery did not discover again

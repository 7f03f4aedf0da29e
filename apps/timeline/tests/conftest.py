"""Helpers to write timeline rows at chosen instants (audit and auth rows are append-only)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.security.models import AuthEvent

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@contextmanager
def at(monkeypatch: Any, when: datetime, correlation_id: str = "") -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        token = set_correlation_id(correlation_id)
        try:
            yield
        finally:
            reset_correlation_id(token)


@pytest.fixture
def audit_at(monkeypatch) -> Callable[..., Any]:
    def make(tenant: Any, when: datetime, action: str = "test.done", user: Any = None, correlation_id: str = ""):
        with at(monkeypatch, when, correlation_id):
            return audit_record(action=action, tenant=tenant, acting_user=user, ip_address="203.0.113.9")

    return make


@pytest.fixture
def auth_at(monkeypatch) -> Callable[..., Any]:
    def make(tenant: Any, when: datetime, user: Any = None, kind: str = "login_succeeded", correlation_id: str = ""):
        with at(monkeypatch, when, correlation_id):
            return AuthEvent.objects.create(kind=kind, user=user, tenant=tenant, ip_address="198.51.100.7",
                                            correlation_id=correlation_id)  # fmt: skip

    return make


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)

"""Notifications written straight into a tenant's schema, for the inbox pages and endpoints (the portal and
API tests' conftests both take `make_notification` from here)."""

import hashlib
import itertools

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.notifications.models import Notification

_serial = itertools.count()


@pytest.fixture
def make_notification():
    def _make(tenant, user, *, title="Hello", category="support", url="", read=False, critical=False):
        n = next(_serial)
        key = hashlib.sha256(f"test:{n}".encode()).hexdigest()
        with tenant_context(tenant):
            return Notification.objects.create(
                recipient=user, recipient_key=f"u:{user.pk}", event="ticket.replied", event_key=key,
                category=category, title=title, body=f"Body {n}", url=url, critical=critical,
                read_at=timezone.now() if read else None,
            )  # fmt: skip

    return _make

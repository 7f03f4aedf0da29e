"""Support fixtures: a ticket of acme opened by its admin at a fixed time (medium priority: first
response 8 h, resolution 72 h by the default SLA policy)."""

from datetime import UTC, datetime

import pytest

from apps.support.services import ticket_open

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def open_ticket(db):
    """open_ticket(tenant, user, **fields) -> a Ticket opened at T0 unless `now` is given."""

    def make(tenant, user, **fields):
        values = {"subject": "Cannot export", "description": "The export button fails.", "now": T0} | fields
        return ticket_open(tenant=tenant, acting_user=user, **values)

    return make


@pytest.fixture
def acme_ticket(open_ticket, acme, acme_admin):
    return open_ticket(acme, acme_admin)

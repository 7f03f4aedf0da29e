"""demo_seed(): one open acme ticket with a staff reply and an internal note; idempotent."""

import pytest

from apps.support.demo import DEMO_SUBJECT, demo_seed
from apps.support.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(acme, acme_admin, support_staff):
    demo_seed()
    demo_seed()
    ticket = Ticket.objects.get(subject=DEMO_SUBJECT)
    assert ticket.tenant == acme and ticket.status == "open" and ticket.assignee == support_staff
    assert list(ticket.messages.values_list("is_internal", flat=True)) == [False, True]

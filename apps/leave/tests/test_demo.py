"""The demo step: idempotent, with an approved and a pending request for Sam routed to his manager."""

from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.leave.demo import leave_demo_seed
from apps.leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType
from tests.factories import MembershipFactory

from .factories import enrol


def test_demo_is_idempotent(acme, acme_admin):
    sam = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email="sam@acme.localhost").user
    with tenant_context(acme):
        enrol(acme_admin)
        enrol(sam, manager=acme_admin)
        assert leave_demo_seed() == 2
        rows = LeaveLedgerEntry.objects.count()
        assert leave_demo_seed() == 0
        assert LeaveLedgerEntry.objects.count() == rows
        assert LeaveType.objects.count() == 3
        assert sorted(LeaveRequest.objects.filter(user=sam).values_list("status", flat=True)) == ["approved", "pending"]

"""The demo step: Globex gets a workflow, one pending request and a future delegation, once."""

import pytest
from django_tenants.utils import tenant_context

from apps.accessrequests.demo import demo_seed
from apps.accessrequests.models import AccessRequest
from apps.accounts.models import Membership
from apps.approvals.models import ApprovalRequest, ApprovalWorkflow, Delegation
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent_and_leaves_acme_alone(globex, acme):
    MembershipFactory(tenant=globex, role=Membership.Role.TENANT_ADMIN, user__email="admin@globex.localhost")
    demo_seed()
    demo_seed()
    with tenant_context(globex):
        assert ApprovalWorkflow.objects.count() == 1
        assert AccessRequest.objects.filter(status="pending").count() == 1
        assert ApprovalRequest.objects.filter(status="pending").count() == 1
        assert Delegation.objects.count() == 1
    with tenant_context(acme):
        assert not ApprovalWorkflow.objects.exists() and not AccessRequest.objects.exists()

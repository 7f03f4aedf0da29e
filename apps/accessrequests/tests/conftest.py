"""Acme's small organisation (apps/access/tests/conftest.py), the catalogue and plans, and an
access-request workflow: one step decided by Acme's admin."""

import pytest
from django_tenants.utils import tenant_context

from apps.access.models import Role
from apps.access.tests.conftest import in_acme, person, tree  # noqa: F401
from apps.accessrequests.models import KIND
from apps.approvals.services import workflow_save
from apps.catalogue.tests.fixtures import acme_pro, catalogue, pro_plan  # noqa: F401


@pytest.fixture
def roles(in_acme):  # noqa: F811
    return {role.code: role for role in Role.objects.all()}


@pytest.fixture
def workflow(acme, acme_admin):
    """Access requests need one approval: Acme's admin."""
    with tenant_context(acme):
        return workflow_save(
            kind=KIND, name="Access requests",
            steps=[{"name": "Admin", "approver_type": "people", "people": [acme_admin.pk], "rule": "any"}],
            acting_user=acme_admin,
        )  # fmt: skip


@pytest.fixture
def requester(person, tree):  # noqa: F811
    """Ann, a member of Acme in Sales East."""
    return person("ann", tree.east)

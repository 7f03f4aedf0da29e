"""The reusable API permissions of apps/accounts/access.py."""

import pytest
from rest_framework.test import APIRequestFactory

from apps.accounts.access import IsTenantAdmin, IsTenantMemberReadAdminWrite

pytestmark = pytest.mark.django_db


def _request(method: str, user, tenant):
    request = getattr(APIRequestFactory(), method)("/api/v1/x/")
    request.user, request.tenant = user, tenant
    return request


@pytest.mark.parametrize(
    ("actor", "allowed", "code"),
    [
        ("acme_admin", True, None),
        ("acme_member", False, "tenant_admin_required"),
        ("acme_viewer", False, "tenant_admin_required"),
        ("acme_suspended", False, "membership_suspended"),
        ("globex_member", False, "not_member"),
    ],
)
def test_is_tenant_admin(request, acme, actor, allowed, code):
    permission = IsTenantAdmin()
    assert permission.has_permission(_request("get", request.getfixturevalue(actor), acme), None) is allowed
    assert getattr(permission, "code", None) == code


@pytest.mark.parametrize(("method", "allowed"), [("get", True), ("head", True), ("post", False), ("delete", False)])
def test_members_read_and_admins_write(acme, acme_viewer, method, allowed):
    permission = IsTenantMemberReadAdminWrite()
    assert permission.has_permission(_request(method, acme_viewer, acme), None) is allowed

"""The tenant access rules of apps/accounts/access.py (applied to every tenant view by apps.surfaces)."""

import pytest
from rest_framework.test import APIRequestFactory

from apps.accounts.access import MembershipRefused, tenant_access_require

pytestmark = pytest.mark.django_db


def _request(method: str, user, tenant):
    request = getattr(APIRequestFactory(), method)("/api/v1/x/")
    request.user, request.tenant = user, tenant
    return request


def _code(access: str, request) -> str | None:
    try:
        tenant_access_require(request, access)
    except MembershipRefused as exc:
        return exc.code
    return None


@pytest.mark.parametrize(
    ("actor", "code"),
    [
        ("acme_admin", None),
        ("acme_member", "tenant_admin_required"),
        ("acme_viewer", "tenant_admin_required"),
        ("acme_suspended", "membership_suspended"),
        ("globex_member", "not_member"),
    ],
)
def test_admin_access(request, acme, actor, code):
    assert _code("admin", _request("get", request.getfixturevalue(actor), acme)) == code


@pytest.mark.parametrize(("method", "code"), [("get", None), ("head", None), ("post", "tenant_admin_required"),
                                              ("delete", "tenant_admin_required")])  # fmt: skip
def test_members_read_and_admins_write(acme, acme_viewer, method, code):
    assert _code("member_read_admin_write", _request(method, acme_viewer, acme)) == code


def test_member_access_and_public(acme, acme_viewer, globex_member):
    assert _code("member", _request("post", acme_viewer, acme)) is None
    assert _code("member", _request("get", globex_member, acme)) == "not_member"
    assert tenant_access_require(_request("get", globex_member, acme), "public") is None
    with pytest.raises(ValueError):
        tenant_access_require(_request("get", acme_viewer, acme), "members")

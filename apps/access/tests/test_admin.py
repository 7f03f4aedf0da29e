"""The staff admin lists one tenant's roles and role assignments, read-only, from the platform domain."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from apps.access.services import assignment_create, role_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLES = "/admin/access/role/"
ASSIGNMENTS = "/admin/access/roleassignment/"


@pytest.fixture
def acme_assignment(acme, roles, tree, person):
    with tenant_context(acme):
        return assignment_create(role=roles["viewer"], user=person("ann"), scope_entity=tree.sales,
                                 reason="Covers Sales", acting_user=None)  # fmt: skip


def test_staff_list_the_chosen_tenants_roles_only(platform_client, platform_superuser, acme, globex, roles):
    with tenant_context(globex):
        role_create(code="globex-only", name="Globex only", permissions=[], acting_user=None)
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{ROLES}?tenant={acme.pk}").content.decode()
    assert "Manager" in page and "tenant-admin" in page and "Globex only" not in page
    assert "Globex only" in platform_client.get(f"{ROLES}?tenant={globex.pk}").content.decode()


def test_staff_list_and_search_assignments_in_the_chosen_tenant(
    platform_client, platform_superuser, acme, globex, acme_assignment
):
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}").content.decode()
    assert "ann@acme.test" in page and "Sales and below" in page and "Covers Sales" in page
    assert (
        "ann@acme.test" in platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}&q=ann&status=active").content.decode()
    )
    assert "ann@acme.test" not in platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}&status=revoked").content.decode()
    assert "ann@acme.test" not in platform_client.get(f"{ASSIGNMENTS}?tenant={globex.pk}").content.decode()


def test_without_a_tenant_the_lists_are_empty_and_say_why(platform_client, platform_superuser, acme_assignment):
    platform_client.force_login(platform_superuser)
    for url in (ROLES, ASSIGNMENTS, f"{ASSIGNMENTS}?tenant=not-a-uuid"):
        response = platform_client.get(url)
        assert response.status_code == 200
        assert "Choose a tenant" in response.content.decode() and "ann@acme.test" not in response.content.decode()


def test_there_is_no_add_change_or_delete(platform_client, platform_superuser, acme_assignment, roles):
    platform_client.force_login(platform_superuser)
    assert platform_client.get(f"{ROLES}add/").status_code == 404
    assert platform_client.get(f"{ROLES}{roles['viewer'].pk}/change/").status_code == 404
    assert platform_client.get(f"{ASSIGNMENTS}{acme_assignment.pk}/change/").status_code == 404
    assert platform_client.get(f"{ASSIGNMENTS}{acme_assignment.pk}/delete/").status_code == 404


def test_non_staff_and_staff_without_permission_are_refused(platform_client, acme_admin, acme):
    platform_client.force_login(acme_admin)
    assert platform_client.get(f"{ROLES}?tenant={acme.pk}").status_code == 302  # to the admin login
    staff = UserFactory(is_staff=True)  # a second factor, but no view permission
    TOTP.activate(staff, generate_totp_secret())
    platform_client.force_login(staff)
    assert platform_client.get(f"{ROLES}?tenant={acme.pk}").status_code == 403
    assert platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}").status_code == 403


def test_the_assignment_list_does_not_query_per_row(
    platform_client, platform_superuser, acme, roles, tree, person, acme_assignment
):
    platform_client.force_login(platform_superuser)
    with CaptureQueriesContext(connection) as one_row:
        platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}")
    with tenant_context(acme):
        for i in range(6):
            assignment_create(role=roles["member"], team=tree.east if i % 2 else None,
                              user=None if i % 2 else person(f"p{i}"), scope_entity=tree.support,
                              acting_user=None)  # fmt: skip
    with CaptureQueriesContext(connection) as seven_rows:
        assert platform_client.get(f"{ASSIGNMENTS}?tenant={acme.pk}").status_code == 200
    assert len(seven_rows) <= len(one_row)

"""The staff admin lists one tenant's security policies, read-only, from the platform domain."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/policy/securitypolicy/"


def test_staff_lists_the_chosen_tenants_policies_only(
    platform_client, platform_superuser, acme, globex, org, set_policy
):
    set_policy(org.sales, ip_allowlist=["203.0.113.0/24"])
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{URL}?tenant={acme.pk}").content.decode()
    assert "Sales" in page and "203.0.113.0/24" in page
    assert "203.0.113.0/24" not in platform_client.get(f"{URL}?tenant={globex.pk}").content.decode()
    assert "Choose a tenant" in platform_client.get(URL).content.decode()


def test_there_is_no_add_change_or_delete(platform_client, platform_superuser, org, set_policy):
    policy = set_policy(org.sales, mfa_required=True)
    platform_client.force_login(platform_superuser)
    assert platform_client.get(f"{URL}add/").status_code == 404
    assert platform_client.get(f"{URL}{policy.pk}/change/").status_code == 404


def test_non_staff_and_staff_without_the_permission_are_refused(platform_client, acme_admin, acme):
    platform_client.force_login(acme_admin)
    assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 302  # to the admin login
    staff = UserFactory(is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    platform_client.force_login(staff)
    assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 403

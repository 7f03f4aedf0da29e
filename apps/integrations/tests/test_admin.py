"""The staff admin lists one tenant's API keys, read-only, from the platform domain."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/integrations/apikey/"


def test_staff_lists_the_chosen_tenants_keys_only(platform_client, platform_superuser, acme, globex, make_key):
    acme_key, raw = make_key(acme, name="Acme ERP")
    make_key(globex, name="Globex CRM")
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{URL}?tenant={acme.pk}").content.decode()
    assert "Acme ERP" in page and f"nf_{acme_key.prefix}_" in page
    assert "Globex CRM" not in page and raw not in page
    assert "Globex CRM" in platform_client.get(f"{URL}?tenant={globex.pk}").content.decode()


def test_without_a_tenant_the_list_is_empty_and_says_why(platform_client, platform_superuser, acme, make_key):
    make_key(acme, name="Acme ERP")
    platform_client.force_login(platform_superuser)
    for url in (URL, f"{URL}?tenant=not-a-uuid"):
        response = platform_client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Choose a tenant" in page and "Acme ERP" not in page


def test_search_and_status_filter_work_inside_the_tenant(platform_client, platform_superuser, acme, make_key):
    make_key(acme, name="Acme ERP")
    make_key(acme, name="Acme BI")
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{URL}?tenant={acme.pk}&q=erp&status=active").content.decode()
    assert "Acme ERP" in page and "Acme BI" not in page


def test_there_is_no_add_change_or_delete(platform_client, platform_superuser, acme, make_key):
    api_key, _ = make_key(acme)
    platform_client.force_login(platform_superuser)
    assert platform_client.get(f"{URL}add/").status_code == 404
    assert platform_client.get(f"{URL}{api_key.pk}/change/").status_code == 404


def test_non_staff_and_tenant_admins_are_refused(platform_client, acme_admin, acme):
    platform_client.force_login(acme_admin)
    assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 302  # to the admin login
    staff = UserFactory(is_staff=True)  # staff with a second factor but without the view permission
    TOTP.activate(staff, generate_totp_secret())
    platform_client.force_login(staff)
    assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 403


def test_the_list_does_not_query_per_row(
    platform_client, platform_superuser, acme, make_key, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_key(acme, name="K0")
    platform_client.force_login(platform_superuser)
    with CaptureQueriesContext(connection) as one_row:
        platform_client.get(f"{URL}?tenant={acme.pk}")
    for i in range(1, 6):
        make_key(acme, name=f"K{i}")
    with django_assert_max_num_queries(len(one_row)):
        assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 200

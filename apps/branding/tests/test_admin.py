"""Staff admin: one tenant's branding, read-only, from the platform domain."""

import pytest
from django_tenants.utils import tenant_context

from apps.branding.services import branding_set

pytestmark = pytest.mark.django_db

URL = "/admin/branding/branding/"


def test_staff_list_the_chosen_tenants_branding_read_only(platform_client, platform_superuser, acme, private_label):
    with tenant_context(acme):
        branding = branding_set(product_name="Acme Work", support_email="help@acme.test", acting_user=None)
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{URL}?tenant={acme.pk}").content.decode()
    assert "Acme Work" in page and "help@acme.test" in page and "organisation default" in page
    assert "Choose a tenant" in platform_client.get(URL).content.decode()
    assert platform_client.get(f"{URL}add/").status_code == 404
    assert platform_client.get(f"{URL}{branding.pk}/change/").status_code == 404


def test_tenant_admins_are_refused(platform_client, acme_admin, acme):
    platform_client.force_login(acme_admin)
    assert platform_client.get(f"{URL}?tenant={acme.pk}").status_code == 302

"""simple-history keeps the acting user and the request's correlation id on every change."""

import pytest
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership
from apps.core.correlation import reset_correlation_id, set_correlation_id
from apps.organisation.models import Entity, EntityType

pytestmark = pytest.mark.django_db


def test_admin_change_records_acting_user_and_request_correlation_id(platform_client, platform_superuser, acme_member):
    membership = Membership.objects.get(user=acme_member)
    platform_client.force_login(platform_superuser)
    response = platform_client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {
            "user": acme_member.pk,
            "tenant": membership.tenant_id,
            "role": "viewer",
            "status": "active",
            "joined_via": "signup",
        },
        HTTP_X_REQUEST_ID="corr-admin-42",
    )
    assert response.status_code == 302, response.content[:500]
    assert response["X-Request-ID"] == "corr-admin-42"
    latest = membership.history.latest()
    assert latest.role == "viewer"
    assert latest.history_user == platform_superuser
    assert latest.correlation_id == "corr-admin-42"


def test_service_write_in_a_tenant_schema_records_user_and_correlation_id(acme, acme_admin):
    token = set_correlation_id("corr-service-7")
    try:
        with tenant_context(acme):
            entity = Entity(
                name="Finance", entity_type=EntityType.objects.get(code="department"),
                parent=Entity.objects.get(parent__isnull=True),
            )  # fmt: skip
            entity._history_user = acme_admin
            entity.save()
            record = entity.history.get()
            assert (record.history_user_id, record.correlation_id, record.history_type) == (
                acme_admin.pk,
                "corr-service-7",
                "+",
            )
    finally:
        reset_correlation_id(token)

"""The tenant whose schema the connection is on, for services that write audit events."""

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name

from .models import Tenant


def connection_tenant() -> Tenant | None:
    """The Tenant of the connection's schema (request middleware, tenant_context or schema_context).

    schema_context() leaves a FakeTenant on the connection: it is resolved to the real row (one
    query). The public schema gives None.
    """
    tenant: Any = getattr(connection, "tenant", None)
    schema = getattr(tenant, "schema_name", None)
    if schema is None or schema == get_public_schema_name():
        return None
    if isinstance(tenant, Tenant):
        return tenant
    return Tenant.objects.filter(schema_name=schema).first()

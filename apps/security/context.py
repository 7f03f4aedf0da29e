"""Where a security event happened: the tenant domain of the current request, if any."""

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.tenancy.models import Tenant


def current_tenant(request: Any = None) -> Tenant | None:
    """The tenant whose domain is being served (from the request, else the connection), or None.

    The platform domain (public schema) and schema switches without a real tenant give None.
    """
    tenant = getattr(request, "tenant", None) if request is not None else None
    tenant = tenant if tenant is not None else getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.schema_name == get_public_schema_name():
        return None
    return tenant

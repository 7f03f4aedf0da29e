"""Staff export requests: recorded and audited here, written by the Celery task after the commit."""

from typing import Any

from django.db import transaction

from apps.audit.services import audit_record
from apps.tenancy.models import Tenant

from .models import TenantExport
from .tasks import tenant_export_run


@transaction.atomic
def tenant_export_request(*, tenant: Tenant, acting_user: Any) -> TenantExport:
    """Record the request (audited) and enqueue the export once the request is committed."""
    export = TenantExport.objects.create(tenant=tenant, requested_by=acting_user)
    audit_record(action="tenant.export_requested", acting_user=acting_user, tenant=tenant, target=export)
    transaction.on_commit(lambda: tenant_export_run.delay(export.pk))
    return export

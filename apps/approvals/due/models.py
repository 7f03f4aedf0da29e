"""The public-schema index of the approvals time-limit sweep: one row per tenant with the earliest
moment one of its open steps needs a reminder or reaches its time limit (docs/approvals.md).

The sweep visits only the tenants whose row is due, instead of every tenant schema every tick.
Services only ever move a row earlier (`due_lower`, an upsert with LEAST under the row's lock);
the sweep, after working a tenant, sets the row to the tenant's next moment or deletes it, under
the same lock, so a step opened meanwhile is never lost.
"""

from django.db import models


class ApprovalDue(models.Model):
    tenant = models.OneToOneField("tenancy.Tenant", primary_key=True, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["due_at"], name="approvals_due_at")]

    def __str__(self) -> str:
        return f"{self.tenant_id} at {self.due_at}"

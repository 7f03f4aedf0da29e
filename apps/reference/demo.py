"""Demo data for reference: the demo tenant's company record (the lead calls this from seed_demo)."""

from typing import Any

from apps.tenancy.models import Tenant

from .models import CustomerTier, Industry, TenantCompanyRecord
from .services import company_record_update


def demo_seed(*, stdout: Any = None) -> None:
    """Give Acme a company record (ABN, phone, tier) so "Look up ABN" has something to look up. Idempotent."""
    tenant = Tenant.objects.filter(slug="acme").first()
    if tenant is None or tenant.country not in ("", "AU") or TenantCompanyRecord.objects.filter(tenant=tenant).exists():
        return  # the demo record is Australian
    company_record_update(
        tenant=tenant, acting_user=None, tax_id="53 004 085 616", company_number="004 085 616",
        phone="+61 2 9374 4000", postal_code="2000", address_line="1 Example Street", city="Sydney", region="NSW",
        industry=Industry.objects.filter(code="professional-services").first(),
        customer_tier=CustomerTier.objects.filter(code="professional").first(),
    )  # fmt: skip
    if stdout is not None:
        stdout.write("  reference: company record for Acme (ABN 53 004 085 616)\n")

"""Platform reference data (public schema): countries with their currency and tax rules.

Loaded from fixtures/countries.json by `load_reference_data`; staff edit it in the admin (history).
Billing reads the tax of an invoice from the tenant's country (seed 004: GST 10% for Australia).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class Country(models.Model):
    code = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2, e.g. AU.")
    name = models.CharField(max_length=100)
    currency_code = models.CharField(max_length=3, help_text="ISO 4217, e.g. AUD.")
    currency_symbol = models.CharField(max_length=5, default="$")
    tax_rate = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal("0"), help_text="A fraction: 0.1000 is 10 %."
    )
    tax_name = models.CharField(max_length=30, blank=True, default="", help_text="e.g. GST, VAT, IVA.")
    tax_inclusive = models.BooleanField(default=False, help_text="Prices already include the tax.")
    tax_number_label = models.CharField(max_length=30, blank=True, default="", help_text="e.g. ABN, VAT number.")
    is_active = models.BooleanField(default=True)

    history = history_records()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="reference_country_code_iso"),
            models.CheckConstraint(
                condition=Q(currency_code__regex=r"^[A-Z]{3}$"), name="reference_country_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lt=1), name="reference_country_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

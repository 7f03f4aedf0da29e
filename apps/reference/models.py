"""Platform reference data (public schema): countries with their currency, tax and integration
providers, languages, industries, customer tiers; the company record of each tenant (filled from the
Australian Business Register) and the ABR lookup cache.

`load_reference_data` builds every country and currency from pycountry + babel and overlays the tax
data of fixtures/countries.json; staff edit rows in the admin (history). Billing reads the tax of an
invoice from the tenant's country (seed 004: GST 10% for Australia).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class Country(models.Model):
    code = models.CharField(max_length=2, unique=True, help_text="ISO 3166-1 alpha-2, e.g. AU.")
    name = models.CharField(max_length=100)
    currency_code = models.CharField(max_length=3, help_text="ISO 4217, e.g. AUD.")
    currency_symbol = models.CharField(max_length=5, default="$")
    currency_name = models.CharField(max_length=100, blank=True, default="")
    code_alpha3 = models.CharField(max_length=3, blank=True, default="", help_text="ISO 3166-1 alpha-3, e.g. AUS.")
    numeric_code = models.CharField(max_length=3, blank=True, default="", help_text="ISO 3166-1 numeric, e.g. 036.")
    tax_rate = models.DecimalField(
        max_digits=6, decimal_places=4, default=Decimal("0"), help_text="A fraction: 0.1000 is 10 %."
    )
    tax_name = models.CharField(max_length=30, blank=True, default="", help_text="e.g. GST, VAT, IVA.")
    tax_inclusive = models.BooleanField(default=False, help_text="Prices already include the tax.")
    tax_number_label = models.CharField(max_length=30, blank=True, default="", help_text="e.g. ABN, VAT number.")
    company_validation_provider = models.CharField(
        max_length=30, blank=True, default="", help_text="Business register used to check companies, e.g. ABR."
    )
    address_validation_provider = models.CharField(
        max_length=30, blank=True, default="", help_text="Address lookup service, e.g. Geoscape."
    )
    integration_config = models.JSONField(default=dict, blank=True, help_text="Provider URLs and options (JSON).")
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


class Language(models.Model):
    code = models.CharField(max_length=3, unique=True, help_text="ISO 639-1 (two letters) or, without one, 639-3.")
    code_alpha3 = models.CharField(max_length=3, blank=True, default="", help_text="ISO 639-3.")
    name = models.CharField(max_length=100)
    native_name = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)

    history = history_records()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[a-z]{2,3}$"), name="reference_language_code_iso")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Industry(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True, default="")
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    history = history_records()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class CustomerTier(models.Model):
    """Commercial tiers (seed 004: free, starter, professional, enterprise) used to segment tenants."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=255, blank=True, default="")
    sort_order = models.PositiveSmallIntegerField(default=0)
    support_priority = models.CharField(max_length=10, default="medium", help_text="Default ticket priority.")
    features = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    history = history_records()

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(support_priority__in=["low", "medium", "high", "urgent"]),
                name="reference_tier_support_priority_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AbrSearchType(models.TextChoices):
    ABN = "abn", "ABN"
    ACN = "acn", "ACN"
    NAME = "name", "Name"


class AbrLookupCache(models.Model):
    """Australian Business Register answers, kept 90 days per (search type, value) (seed 004 cache schema)."""

    search_type = models.CharField(max_length=10, choices=AbrSearchType.choices)
    search_value = models.CharField(max_length=200, help_text="Compact ABN/ACN, or the name in lower case.")
    response = models.JSONField()
    fetched_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-fetched_at"]
        verbose_name = "ABR lookup"
        constraints = [
            models.UniqueConstraint(fields=["search_type", "search_value"], name="reference_abr_cache_key"),
            models.CheckConstraint(condition=Q(search_type__in=AbrSearchType.values),
                                   name="reference_abr_search_type_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("fetched_at")),
                                   name="reference_abr_expiry_after_fetch"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["expires_at"], name="reference_abr_expiry")]

    def __str__(self) -> str:
        return f"{self.search_type}:{self.search_value}"


class DisplayNameSource(models.TextChoices):
    LEGAL = "legal", "Legal name"
    BUSINESS = "business", "Business name"
    CUSTOM = "custom", "Custom name"


class CompanySize(models.TextChoices):
    """Head-count bands asked at signup (seed 004's company profile)."""

    MICRO = "1-9", "1-9 people"
    SMALL = "10-49", "10-49 people"
    MEDIUM = "50-199", "50-199 people"
    LARGE = "200-999", "200-999 people"
    ENTERPRISE = "1000+", "1,000 people or more"


class TaxIdVerification(models.TextChoices):
    """How far the business number was checked: by the register, by its checksum only, or not at all."""

    ABR = "abr", "Verified by the Australian Business Register"
    CHECKSUM = "checksum", "Format and checksum valid (not checked with a register)"
    UNVERIFIED = "unverified", "Unverified (entered by hand)"


class TenantCompanyRecord(models.Model):
    """The company profile of a tenant (seed 004's Company, CompanyBillingDetails and
    CompanyCustomerDetails): registration numbers, billing address, what the business register says
    about it (legal name, business names, ABN status, entity type, GST), how its display name is
    chosen and its parent company in a group. The billing email stays on the Tenant (billing reads
    it there)."""

    tenant = models.OneToOneField("tenancy.Tenant", on_delete=models.CASCADE, related_name="company_record")
    tax_id = models.CharField(max_length=30, blank=True, default="", help_text="ABN, VAT number ... (normalised).")
    company_number = models.CharField(max_length=30, blank=True, default="", help_text="ACN or national number.")
    phone = models.CharField(max_length=20, blank=True, default="", help_text="E.164, e.g. +61293744000.")
    address_line = models.CharField(max_length=200, blank=True, default="")
    city = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    postal_code = models.CharField(max_length=12, blank=True, default="")
    industry = models.ForeignKey(Industry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer_tier = models.ForeignKey(CustomerTier, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")  # fmt: skip
    legal_name = models.CharField(max_length=200, blank=True, default="")
    business_names = models.JSONField(default=list, blank=True)
    custom_display_name = models.CharField(max_length=200, blank=True, default="")
    display_name_source = models.CharField(max_length=10, choices=DisplayNameSource.choices,
                                           default=DisplayNameSource.LEGAL)  # fmt: skip
    abn_status = models.CharField(max_length=30, blank=True, default="", help_text="e.g. Active, Cancelled.")
    abn_status_from = models.DateField(null=True, blank=True)
    entity_type = models.CharField(max_length=100, blank=True, default="")
    gst_registered = models.BooleanField(null=True, blank=True, help_text="Unknown until looked up.")
    gst_registered_from = models.DateField(null=True, blank=True)
    abr_checked_at = models.DateTimeField(null=True, blank=True)
    tax_id_verification = models.CharField(max_length=12, choices=TaxIdVerification.choices,
                                           default=TaxIdVerification.UNVERIFIED)  # fmt: skip
    company_size = models.CharField(max_length=10, choices=CompanySize.choices, blank=True, default="")
    website = models.URLField(max_length=200, blank=True, default="")
    # Groups: the parent company is another tenant. Not itself (check constraint) and never a cycle
    # (trigger reference_company_parent_acyclic, migration 0003; the service says so first).
    parent = models.ForeignKey("tenancy.Tenant", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="subsidiary_records", verbose_name="parent company")  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip

    history = history_records()

    class Meta:
        ordering = ["tenant__name"]
        constraints = [
            models.CheckConstraint(condition=Q(display_name_source__in=DisplayNameSource.values),
                                   name="reference_company_display_source_valid"),
            models.CheckConstraint(condition=Q(tax_id_verification__in=TaxIdVerification.values),
                                   name="reference_company_tax_id_verification_valid"),
            models.CheckConstraint(condition=Q(company_size="") | Q(company_size__in=CompanySize.values),
                                   name="reference_company_size_valid"),
            models.CheckConstraint(condition=~Q(parent=models.F("tenant")), name="reference_company_parent_not_self"),
            models.CheckConstraint(condition=Q(display_name_source="legal") | Q(display_name_source="business")
                                   | ~Q(custom_display_name=""), name="reference_company_custom_name_given"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.display_name or str(self.tenant_id)

    @property
    def display_name(self) -> str:
        if self.display_name_source == DisplayNameSource.CUSTOM and self.custom_display_name:
            return self.custom_display_name
        if self.display_name_source == DisplayNameSource.BUSINESS and self.business_names:
            return str(self.business_names[0])
        return self.legal_name

"""Typed system settings and per-country validation rules (public schema, seed 004 `config` schema).

`AppSetting.value` is stored as JSON and read through `apps.sysconfig.services.setting_get`, which
types and caches it; writes go through `setting_set` (validated, audited). `ValidationRule` rows say
how a phone number, postal code, tax id, email or address is checked for a country.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class SettingType(models.TextChoices):
    INTEGER = "integer", "Integer"
    BOOLEAN = "boolean", "Boolean"
    STRING = "string", "String"
    JSON = "json", "JSON"
    DECIMAL = "decimal", "Decimal"


class SettingCategory(models.TextChoices):
    AUTHENTICATION = "authentication", "Authentication"
    SECURITY = "security", "Security"
    VALIDATION = "validation", "Validation"
    EMAIL = "email", "Email"
    GENERAL = "general", "General"


class AppSetting(models.Model):
    key = models.CharField(max_length=100, unique=True, help_text="Dotted name, e.g. password.min_length.")
    value_type = models.CharField(max_length=10, choices=SettingType.choices)
    # Decimals are stored as strings so that no precision is lost in JSON.
    value = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True)
    category = models.CharField(max_length=20, choices=SettingCategory.choices, default=SettingCategory.GENERAL)
    description = models.TextField(blank=True, default="")
    min_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True,
                                    help_text="Numbers: the smallest value allowed.")  # fmt: skip
    max_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True,
                                    help_text="Numbers: the largest value allowed.")  # fmt: skip
    regex = models.CharField(max_length=200, blank=True, default="", help_text="Strings: a pattern to match.")
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values (a JSON list); empty: any.")
    is_public = models.BooleanField(default=False, help_text="Readable by tenant admins and the tenant API.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip

    history = history_records()

    class Meta:
        ordering = ["category", "key"]
        verbose_name = "system setting"
        constraints = [
            models.CheckConstraint(condition=Q(value_type__in=SettingType.values), name="sysconfig_setting_type_valid"),
            models.CheckConstraint(
                condition=Q(category__in=SettingCategory.values), name="sysconfig_setting_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(key__regex=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$"), name="sysconfig_setting_key_format"
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="sysconfig_setting_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class RuleKind(models.TextChoices):
    PHONE = "phone", "Phone number"
    POSTAL_CODE = "postal_code", "Postal code"
    TAX_ID = "tax_id", "Tax id"
    EMAIL = "email", "Email"
    ADDRESS = "address", "Address"


class ValidationRule(models.Model):
    """How one kind of value is checked for one country.

    `provider` names the checker: "phonenumbers", "stdnum:<module>" (e.g. "stdnum:au.abn"), "regex"
    (uses `pattern`) or "email". Several tax-id rules may exist for a country (AU: ABN and ACN); a
    value passes when any active rule accepts it.
    """

    country_code = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2; ZZ applies to every country.")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    name = models.CharField(max_length=60, help_text="What the value is called here, e.g. ABN, ZIP code.")
    provider = models.CharField(max_length=60, default="regex")
    pattern = models.CharField(max_length=300, blank=True, default="", help_text="Regex providers: the pattern.")
    message = models.CharField(max_length=200, help_text="Shown when a value fails, e.g. 'Enter an 11-digit ABN.'")
    example = models.CharField(max_length=60, blank=True, default="")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["country_code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["country_code", "kind", "name"], name="sysconfig_rule_unique"),
            models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="sysconfig_rule_kind_valid"),
            models.CheckConstraint(condition=Q(country_code__regex=r"^[A-Z]{2}$"), name="sysconfig_rule_country_iso"),
            models.CheckConstraint(
                condition=~Q(provider="regex") | ~Q(pattern=""), name="sysconfig_rule_regex_has_pattern"
            ),
        ]
        indexes = [models.Index(fields=["country_code", "kind"], name="sysconfig_rule_lookup")]

    def __str__(self) -> str:
        return f"{self.country_code} {self.kind}: {self.name}"

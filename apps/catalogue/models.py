"""The platform's catalogues of workforce solutions and integrations: public reference data.

Rows come from fixtures/catalogue.json (loaded by `load_reference_data`, keyed by `code`) and staff
may edit them in the admin. Which solutions and integrations a tenant gets is decided by its plan
(`Plan.features["solutions"]` and `Plan.features["integrations"]`, see `selectors`); each tenant's
schema then records who may use a solution (apps.solutions) and which integrations are switched
on (apps.integrations.IntegrationActivation).
"""

from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class CodeManager(models.Manager):
    """Rows are keyed by `code` in fixtures, so reloading updates them instead of duplicating."""

    def get_by_natural_key(self, code: str) -> Any:
        return self.get(code=code)


class Solution(models.Model):
    """A workforce solution a plan can include (attendance, tasks, leave ...)."""

    id = models.BigAutoField(primary_key=True)
    code = models.SlugField(max_length=50, unique=True, help_text="Identifier used by plans, e.g. “leave”.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0, help_text="Order in menus and lists.")
    is_active = models.BooleanField(default=True, help_text="Inactive solutions are offered to nobody.")

    history = history_records()
    objects = CodeManager()

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class IntegrationCategory(models.TextChoices):
    MESSAGING = "messaging", "Messaging"
    CALENDAR = "calendar", "Calendar"
    PAYROLL = "payroll", "Payroll"
    IDENTITY = "identity", "Identity and single sign-on"
    AUTOMATION = "automation", "Automation"


def config_schema_validate(schema: Any) -> None:
    """`{"fields": [{"key", "label", "secret": bool, "required": bool, "help"?}, ...]}` with unique keys."""
    fields = schema.get("fields") if isinstance(schema, dict) else None
    if not isinstance(fields, list):
        raise ValidationError('The configuration schema must be {"fields": [...]}.', code="invalid_schema")
    seen: set[str] = set()
    for field in fields:
        key = field.get("key") if isinstance(field, dict) else None
        if not isinstance(key, str) or not key.isidentifier() or not isinstance(field.get("label"), str):
            raise ValidationError("Each field needs a `key` (a-z, 0-9, _) and a `label`.", code="invalid_schema")
        if not isinstance(field.get("secret", False), bool) or not isinstance(field.get("required", False), bool):
            raise ValidationError(f"“{key}”: `secret` and `required` must be true or false.", code="invalid_schema")
        if key in seen:
            raise ValidationError(f"The key “{key}” appears twice.", code="invalid_schema")
        seen.add(key)


class Integration(models.Model):
    """A third-party connection a tenant may switch on (Slack, Xero, Azure AD ...).

    `config_schema` says which settings a tenant fills in and which of them are secrets (stored
    encrypted in the tenant's activation); `scopes` lists what the integration may ask for, and a
    tenant grants a subset of them when activating it.
    """

    Category = IntegrationCategory

    id = models.BigAutoField(primary_key=True)
    code = models.SlugField(max_length=50, unique=True, help_text="Identifier used by plans, e.g. “slack”.")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=20, choices=Category.choices)
    provider = models.CharField(max_length=100, help_text="Who runs the other side, e.g. “Slack Technologies”.")
    config_schema = models.JSONField(
        default=dict, blank=True,
        help_text='{"fields": [{"key": "bot_token", "label": "Bot token", "secret": true, "required": true}]}',
    )  # fmt: skip
    scopes = ArrayField(models.CharField(max_length=50), default=list, blank=True, help_text="What it may request.")
    required_solution = models.ForeignKey(
        Solution, null=True, blank=True, on_delete=models.PROTECT, related_name="integrations",
        help_text="Offered only to plans that include this solution.",
    )  # fmt: skip
    is_active = models.BooleanField(default=True, help_text="Inactive integrations are offered to nobody.")

    history = history_records()
    objects = CodeManager()

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=IntegrationCategory.values), name="catalogue_integration_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def clean(self) -> None:
        try:
            config_schema_validate(self.config_schema)
        except ValidationError as exc:
            raise ValidationError({"config_schema": exc}) from exc
        if len(set(self.scopes)) != len(self.scopes):
            raise ValidationError({"scopes": ValidationError("A scope is listed twice.", code="duplicate_scope")})

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list(self.config_schema.get("fields", []))

    @property
    def secret_keys(self) -> set[str]:
        return {field["key"] for field in self.fields if field.get("secret")}

    @property
    def setting_keys(self) -> set[str]:
        return {field["key"] for field in self.fields if not field.get("secret")}

    @property
    def required_keys(self) -> set[str]:
        return {field["key"] for field in self.fields if field.get("required")}

    @property
    def needs_setup(self) -> bool:
        """True when it cannot be switched on without someone filling in settings or secrets."""
        return bool(self.required_keys)

"""Private-label branding (tenant schema): the organisation default, and overrides per entity or user type.

A row has exactly one scope: the organisation default (no entity, no user type), one entity (applies
to the people whose primary entity is in its subtree; the nearest wins), or one user type (the
membership role). Empty fields inherit: see `apps.branding.selectors.branding_for` for the order.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from apps.accounts.models import MembershipRole
from apps.audit.history import history_records

from .images import DATA_URL_DB_PATTERN, MAX_FAVICON_BYTES, MAX_LOGO_BYTES, data_url_max_length

HEX_COLOUR_PATTERN = r"^#[0-9a-f]{6}$"
COLOUR_FIELDS = ("primary_color", "accent_color", "text_color")
# Private label (the plan feature flag `private_label`) is needed for these; support email and the
# sender name may be set on every plan (docs/branding.md).
GATED_FIELDS = ("product_name", "logo", "favicon", *COLOUR_FIELDS)
BRANDING_FIELDS = (*GATED_FIELDS, "support_email", "email_sender_name")


colour_validator = RegexValidator(
    HEX_COLOUR_PATTERN, "Use a colour like #1a2b3c (# and six hex digits).", "invalid_colour"
)
sender_name_validator = RegexValidator(
    r"[\r\n<>\"]",
    "A sender name cannot contain line breaks, quotes or angle brackets.",
    "invalid_sender",
    inverse_match=True,
)


def _colour_check(field: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{field: ""}) | Q(**{f"{field}__regex": HEX_COLOUR_PATTERN}),
        name=f"branding_branding_{field}_hex",
        violation_error_message="Colours look like #1a2b3c.",
    )


def _image_check(field: str, max_bytes: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{field: ""})
        | Q(LessThanOrEqual(Length(field), data_url_max_length(max_bytes)), **{f"{field}__regex": DATA_URL_DB_PATTERN}),
        name=f"branding_branding_{field}_data_url",
    )


class Branding(models.Model):
    id = models.BigAutoField(primary_key=True)
    entity = models.ForeignKey(
        "organisation.Entity", null=True, blank=True, on_delete=models.CASCADE, related_name="brandings",
        help_text="Applies to the people whose primary entity is this one or below it.",
    )  # fmt: skip
    user_type = models.CharField(
        max_length=20, blank=True, default="", choices=MembershipRole.choices,
        help_text="Applies to the people with this role in the organisation.",
    )  # fmt: skip
    product_name = models.CharField(max_length=100, blank=True, default="")
    logo = models.TextField(blank=True, default="", help_text="PNG, JPEG, WebP or SVG as a data URL.")
    favicon = models.TextField(blank=True, default="", help_text="PNG, JPEG, WebP or SVG as a data URL.")
    primary_color = models.CharField(
        max_length=7, blank=True, default="", validators=[colour_validator], help_text="Header background."
    )
    accent_color = models.CharField(
        max_length=7, blank=True, default="", validators=[colour_validator], help_text="Links and buttons."
    )
    text_color = models.CharField(
        max_length=7, blank=True, default="", validators=[colour_validator], help_text="Text on the header."
    )
    support_email = models.EmailField(blank=True, default="")
    email_sender_name = models.CharField(
        max_length=100, blank=True, default="", validators=[sender_name_validator],
        help_text="Shown as the sender of the organisation's emails.",
    )  # fmt: skip
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["entity_id", "user_type"]
        verbose_name_plural = "brandings"
        constraints = [
            models.CheckConstraint(
                condition=Q(entity__isnull=True) | Q(user_type=""), name="branding_branding_one_scope",
                violation_error_message="A branding applies to an entity or to a user type, not both.",
            ),
            models.CheckConstraint(
                condition=Q(user_type__in=["", *MembershipRole.values]), name="branding_branding_user_type_valid"
            ),
            # One organisation default (user_type "") and one row per user type...
            models.UniqueConstraint(
                fields=["user_type"], condition=Q(entity__isnull=True),
                name="branding_branding_default_user_type_unique",
                violation_error_message="This scope already has its branding.",
            ),
            # ...and one per entity.
            models.UniqueConstraint(
                fields=["entity"], name="branding_branding_entity_unique",
                violation_error_message="This entity already has its branding.",
            ),
            *(_colour_check(field) for field in COLOUR_FIELDS),
            _image_check("logo", MAX_LOGO_BYTES),
            _image_check("favicon", MAX_FAVICON_BYTES),
            models.CheckConstraint(
                condition=~Q(email_sender_name__regex=r"[\r\n<>\"]"), name="branding_branding_sender_name_plain"
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Branding ({self.scope_label})"

    @property
    def colours(self) -> list[str]:
        return [value for value in (self.primary_color, self.accent_color, self.text_color) if value]

    @property
    def scope_label(self) -> str:
        if self.entity_id is not None:
            return f"entity “{self.entity}”"
        if self.user_type:
            return f"user type “{self.get_user_type_display()}”"
        return "organisation default"

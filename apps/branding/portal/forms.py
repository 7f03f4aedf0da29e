from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.branding.images import (
    MAX_FAVICON_BYTES,
    MAX_LOGO_BYTES,
    image_data_url_validate,
    image_from_upload,
)
from apps.branding.models import GATED_FIELDS, Branding, colour_validator, sender_name_validator

IMAGE_LIMITS = {"logo": MAX_LOGO_BYTES, "favicon": MAX_FAVICON_BYTES}
TEXT_FIELDS = ("product_name", "primary_color", "accent_color", "text_color", "support_email", "email_sender_name")


class ColourField(forms.CharField):
    """#RRGGBB, stored lower-case; "#ABCDEF" is accepted and normalised."""

    default_validators = [colour_validator]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 8, "pattern": "#[0-9a-fA-F]{6}", "class": "colour"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).lower()


class BrandingForm(forms.Form):
    """One scope's branding. Empty fields inherit from the next scope up (or the product).

    A previewed upload comes back in `<image>_pending` (a data URL, validated again) so that Save
    keeps it without asking for the file a second time.
    """

    product_name = forms.CharField(max_length=100, required=False)
    logo_upload = forms.FileField(required=False, label="Logo", help_text="PNG, JPEG, WebP or SVG, up to 200 KB.")
    logo_pending = forms.CharField(required=False, widget=forms.HiddenInput)
    logo_clear = forms.BooleanField(required=False, label="Remove the logo")
    favicon_upload = forms.FileField(
        required=False, label="Favicon", help_text="PNG, JPEG, WebP or SVG, up to 50 KB (square, e.g. 32 x 32)."
    )
    favicon_pending = forms.CharField(required=False, widget=forms.HiddenInput)
    favicon_clear = forms.BooleanField(required=False, label="Remove the favicon")
    primary_color = ColourField(label="Header colour", help_text="Background of the header, e.g. #111827.")
    accent_color = ColourField(label="Accent colour", help_text="Links and buttons, e.g. #2563eb.")
    text_color = ColourField(label="Header text colour", help_text="Text on the header, e.g. #ffffff.")
    support_email = forms.EmailField(
        required=False, help_text="Where people write for help; replies to emails go here."
    )
    email_sender_name = forms.CharField(
        max_length=100, required=False, validators=[sender_name_validator], label="Email sender name",
        help_text="Shown as the sender of emails, e.g. “Acme HR”.",
    )  # fmt: skip

    def __init__(self, *args: Any, branding: Branding | None, private_label: bool, **kwargs: Any) -> None:
        kwargs["initial"] = {name: getattr(branding, name) for name in TEXT_FIELDS} if branding else {}
        super().__init__(*args, **kwargs)
        self.branding = branding
        self.private_label = private_label
        if not private_label:
            # Disabled fields ignore what is posted and keep the stored value.
            for name in (*GATED_FIELDS, "logo_upload", "logo_clear", "favicon_upload", "favicon_clear"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def _image(self, kind: str) -> str | None:
        """The new data URL, "" to remove, or None to keep what is stored."""
        if not self.private_label:
            return None
        if self.cleaned_data.get(f"{kind}_clear"):
            return ""
        upload = self.cleaned_data.get(f"{kind}_upload")
        pending = self.cleaned_data.get(f"{kind}_pending")
        try:
            if upload:
                return image_from_upload(upload, max_bytes=IMAGE_LIMITS[kind])
            if pending:
                return image_data_url_validate(pending, max_bytes=IMAGE_LIMITS[kind])
        except ValidationError as exc:
            self.add_error(f"{kind}_upload", exc)
        return None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for kind in IMAGE_LIMITS:
            cleaned[kind] = self._image(kind)
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The fields to write: every text field, and the images only when they change."""
        values = {name: self.cleaned_data[name] for name in TEXT_FIELDS}
        if not self.private_label:
            values = {name: value for name, value in values.items() if name not in GATED_FIELDS}
        values.update({kind: self.cleaned_data[kind] for kind in IMAGE_LIMITS if self.cleaned_data[kind] is not None})
        return values

    def pending(self) -> dict[str, str]:
        """New images to carry from a preview to Save (hidden inputs)."""
        return {kind: self.cleaned_data[kind] for kind in IMAGE_LIMITS if self.cleaned_data.get(kind)}

"""Forms of signup and onboarding: specific messages at the edge, the rules live in the services."""

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from apps.reference.models import CompanySize, Country, DisplayNameSource, Industry
from apps.tenancy.models import Plan

EMAIL_TAKEN = "An account with this email address already exists. Sign in, or reset your password if you forgot it."


class SignupForm(AllauthSignupForm):
    """allauth's signup (email, password twice, Django's password validators) saying plainly when the
    email already has an account: signup is rate-limited per IP, and a new customer who mistyped
    needs to know (allauth's enumeration prevention would send them to "check your inbox")."""

    def validate_unique_email(self, value: str) -> str:
        if get_user_model().objects.filter(email__iexact=value).exists():
            raise ValidationError(EMAIL_TAKEN, code="email_taken")
        return super().validate_unique_email(value)


def _countries() -> list[tuple[str, str]]:
    return list(Country.objects.filter(is_active=True).order_by("name").values_list("code", "name"))


class BusinessForm(forms.Form):
    country = forms.ChoiceField(label="Country where the company is registered")
    tax_id = forms.CharField(
        label="Business number",
        max_length=40,
        help_text="For Australia the ABN: the register fills in the company's details.",
    )
    legal_name = forms.CharField(
        label="Legal name",
        max_length=200,
        required=False,
        help_text="Needed when the number is not checked with a register.",
    )
    accept_unverified = forms.BooleanField(
        label="Continue without verification (the business number is recorded as unverified)", required=False
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["country"].choices = _countries() or [("AU", "Australia")]


class DetailsForm(forms.Form):
    display_name_source = forms.ChoiceField(label="Show the organisation as", choices=DisplayNameSource.choices,
                                            widget=forms.RadioSelect, initial=DisplayNameSource.LEGAL)  # fmt: skip
    business_name = forms.ChoiceField(label="Which business name", required=False)
    custom_display_name = forms.CharField(label="Custom name", max_length=200, required=False)
    industry = forms.ModelChoiceField(queryset=Industry.objects.none(), required=False)
    company_size = forms.ChoiceField(label="Company size", choices=[("", "—"), *CompanySize.choices], required=False)
    billing_email = forms.EmailField(label="Billing email", help_text="Invoices and payment notices go here.")
    address_line = forms.CharField(label="Billing address", max_length=200)
    city = forms.CharField(max_length=100)
    region = forms.CharField(label="State or region", max_length=100, required=False)
    postal_code = forms.CharField(label="Postcode", max_length=12)
    slug = forms.CharField(label="Your address", max_length=50, help_text="Lowercase letters, digits and hyphens.")
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), widget=forms.RadioSelect, empty_label=None)

    def __init__(self, *args: Any, business_names: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.business_names = list(business_names or [])
        fields: Any = self.fields
        fields["business_name"].choices = [(name, name) for name in self.business_names]
        if not self.business_names:
            fields["display_name_source"].choices = [
                c for c in DisplayNameSource.choices if c[0] != DisplayNameSource.BUSINESS
            ]
        fields["industry"].queryset = Industry.objects.filter(is_active=True).order_by("sort_order", "name")
        fields["plan"].queryset = Plan.objects.filter(is_active=True).order_by("display_order", "name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        source = cleaned.get("display_name_source")
        if source == DisplayNameSource.CUSTOM and not (cleaned.get("custom_display_name") or "").strip():
            self.add_error("custom_display_name", "Enter the name to show, or choose another source.")
        if source == DisplayNameSource.BUSINESS and not cleaned.get("business_name"):
            self.add_error("business_name", "Choose one of the company's business names.")
        return cleaned

    def details(self) -> dict[str, Any]:
        """What the step stores (JSON-safe: related rows by key)."""
        data = dict(self.cleaned_data)
        data["industry"] = data["industry"].pk if data.get("industry") else None
        data["plan"] = data["plan"].pk if data.get("plan") else None
        return data


class CompanyProfileForm(forms.Form):
    """The company profile as a tenant admin edits it in the portal (register fields are read-only;
    the parent company is set by staff)."""

    display_name_source = forms.ChoiceField(label="Show the organisation as", choices=DisplayNameSource.choices,
                                            widget=forms.RadioSelect)  # fmt: skip
    custom_display_name = forms.CharField(label="Custom name", max_length=200, required=False)
    industry = forms.ModelChoiceField(queryset=Industry.objects.none(), required=False)
    company_size = forms.ChoiceField(label="Company size", choices=[("", "—"), *CompanySize.choices], required=False)
    website = forms.URLField(max_length=200, required=False)
    phone = forms.CharField(max_length=20, required=False)
    billing_email = forms.EmailField(label="Billing email")
    address_line = forms.CharField(label="Billing address", max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(label="State or region", max_length=100, required=False)
    postal_code = forms.CharField(label="Postcode", max_length=12, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["industry"].queryset = Industry.objects.filter(is_active=True).order_by("sort_order", "name")

from typing import Any

from django.core.validators import EmailValidator
from rest_framework import serializers

from apps.reference.models import CompanySize, DisplayNameSource, Industry, TenantCompanyRecord


class CompanyProfileSerializer(serializers.ModelSerializer):
    """The company profile; what the business register says is read-only (the parent is set by staff)."""

    display_name = serializers.CharField(read_only=True)
    # A string that is empty or an email (an unsaved profile has none yet; "format: email" would refuse "").
    billing_email = serializers.CharField(source="tenant.billing_email", required=False, allow_blank=True,
                                          max_length=254, validators=[EmailValidator()])  # fmt: skip
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.filter(is_active=True),
                                            required=False, allow_null=True)  # fmt: skip
    parent = serializers.CharField(source="parent.slug", read_only=True, default=None, allow_null=True,
                                   help_text="The parent company's tenant slug (set by staff), or null.")  # fmt: skip
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    display_name_source = serializers.ChoiceField(choices=DisplayNameSource.choices, required=False)
    company_size = serializers.ChoiceField(choices=[("", ""), *CompanySize.choices], required=False)

    class Meta:
        model = TenantCompanyRecord
        fields = [
            "display_name", "display_name_source", "custom_display_name", "legal_name", "business_names",
            "tax_id", "tax_id_verification", "abn_status", "abn_status_from", "entity_type", "gst_registered",
            "gst_registered_from", "abr_checked_at", "industry", "company_size", "website", "phone", "billing_email",
            "address_line", "city", "region", "postal_code", "parent", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "legal_name", "business_names", "tax_id", "tax_id_verification", "abn_status", "abn_status_from",
            "entity_type", "gst_registered", "gst_registered_from", "abr_checked_at", "updated_at",
        ]  # fmt: skip

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        tenant = values.pop("tenant", None)
        if tenant is not None:
            values["billing_email"] = tenant["billing_email"]
        return values

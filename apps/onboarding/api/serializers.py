from typing import Any

from rest_framework import serializers

from apps.reference.models import CompanySize, DisplayNameSource, Industry, TenantCompanyRecord


class CompanyProfileSerializer(serializers.ModelSerializer):
    """The company profile; what the business register says is read-only (the parent is set by staff)."""

    display_name = serializers.CharField(read_only=True)
    billing_email = serializers.EmailField(source="tenant.billing_email", required=False)
    industry = serializers.SlugRelatedField(slug_field="code", queryset=Industry.objects.filter(is_active=True),
                                            required=False, allow_null=True)  # fmt: skip
    parent = serializers.CharField(source="parent.slug", read_only=True, default=None)
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

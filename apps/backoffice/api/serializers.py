"""Platform API v1 serializers: tenants, provisioning jobs with their steps, plans."""

from rest_framework import serializers

from apps.billing.api.serializers import MoneyField
from apps.tenancy.models import IsolationLevel, Plan, ProvisioningJob, ProvisioningStep, Tenant


class PlanSerializer(serializers.ModelSerializer):
    # At the currency's precision ("49.00" AUD, "4900" JPY, "12.345" KWD), not the column's 3 decimals.
    price_monthly, price_quarterly, price_annual = MoneyField(), MoneyField(), MoneyField()

    class Meta:
        model = Plan
        fields = [
            "id", "name", "display_name", "description", "currency", "price_monthly", "price_quarterly",
            "price_annual", "max_users", "max_storage_gb", "api_calls_per_day", "features", "trial_days",
            "is_active", "display_order",
        ]  # fmt: skip
        read_only_fields = fields


class PlatformTenantSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True
    )  # none before a plan is chosen
    # A plain string in the document: an email address, or "" when none is set ("" is no valid `email`).
    billing_email = serializers.CharField(read_only=True, help_text="The billing email address; empty when not set.")
    primary_domain = serializers.SerializerMethodField(help_text="The tenant's primary hostname.")

    class Meta:
        model = Tenant
        fields = [
            "id", "name", "slug", "status", "plan", "plan_status", "primary_domain", "billing_email", "country",
            "time_zone", "isolation_level", "max_users", "max_storage_gb", "api_calls_per_day", "current_users",
            "current_storage_gb", "failed_step", "failure_error", "suspended_at", "suspension_reason",
            "archived_at", "archive_reason", "delete_after", "deleted_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_primary_domain(self, tenant: Tenant) -> str | None:
        # `domains` is prefetched by the views; no query per row.
        primary = [d.domain for d in tenant.domains.all() if d.is_primary]
        return primary[0] if primary else None


class TenantRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.CharField(max_length=50, help_text="Lowercase letters, digits and hyphens; 3-50 characters.")
    plan = serializers.SlugRelatedField(slug_field="name", queryset=Plan.objects.filter(is_active=True), required=False)
    admin_email = serializers.EmailField(required=False, default="", help_text="Invited as the first tenant admin.")
    billing_email = serializers.EmailField(required=False, default="")
    country = serializers.CharField(max_length=2, required=False, default="")
    time_zone = serializers.CharField(max_length=64, required=False, default="UTC")
    isolation_level = serializers.ChoiceField(choices=IsolationLevel.choices, default=IsolationLevel.SCHEMA)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why; kept in the audit log.")


class ProvisioningStepSerializer(serializers.ModelSerializer):
    duration_s = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ProvisioningStep
        fields = ["name", "position", "status", "started_at", "finished_at", "duration_s", "error"]
        read_only_fields = fields


class ProvisioningJobSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tenant_status = serializers.CharField(source="tenant.status", read_only=True)
    steps = ProvisioningStepSerializer(many=True, read_only=True)
    # Blank when the request named no first admin: a plain string, since "" is not a valid `email` format.
    admin_email = serializers.CharField(
        read_only=True, help_text="Who is invited as the first tenant admin (blank: nobody was named)."
    )

    class Meta:
        model = ProvisioningJob
        fields = ["id", "tenant", "tenant_status", "status", "attempts", "admin_email", "created_at",
                  "started_at", "finished_at", "error", "steps"]  # fmt: skip
        read_only_fields = fields


class TenantRequestedSerializer(serializers.Serializer):
    tenant = PlatformTenantSerializer()
    job = ProvisioningJobSerializer()
    job_url = serializers.URLField(help_text="Poll this until the job's status is succeeded or failed.")


class StaffTokenSerializer(serializers.Serializer):
    token_type = serializers.CharField(default="Bearer")
    access = serializers.CharField(help_text="Send as `Authorization: Bearer <access>` to the platform API.")
    access_expires_at = serializers.DateTimeField()

"""A tenant as the APIs show it: the staff platform API here and the current-tenant endpoint of
apps/domains (which sits above tenancy, so the serializer lives down here)."""

from rest_framework import serializers

from apps.tenancy.models import Tenant


class TenantSerializer(serializers.ModelSerializer):
    primary_domain = serializers.SerializerMethodField(help_text="The tenant's primary hostname.")

    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "status", "primary_domain", "created_at", "updated_at"]
        read_only_fields = fields

    def get_primary_domain(self, tenant: Tenant) -> str | None:
        # `domains` is prefetched by the views; no query per row.
        primary = [d.domain for d in tenant.domains.all() if d.is_primary]
        return primary[0] if primary else None

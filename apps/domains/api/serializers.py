"""The organisation's domains in the tenant API, with what the certificate check last found."""

from rest_framework import serializers

from apps.tenancy.models import Domain


class DomainSerializer(serializers.ModelSerializer):
    """A domain of the organisation. The verification token is not here: it is shown to tenant admins on
    the portal's domains page, where they add the DNS record."""

    class Meta:
        model = Domain
        fields = [
            "id", "domain", "is_primary", "verification_status", "verified_at", "last_checked_at", "tls_status",
            "tls_expires_at", "tls_checked_at", "tls_error", "created_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "tls_status": {"help_text": "active: issued; expiring: ends within the warning window; failed: see "
                                        "tls_error; none: not checked (unverified, or not served)."},
        }  # fmt: skip

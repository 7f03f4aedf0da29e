import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.models import MembershipRole
from apps.audit.history import history_records


def invitation_token_new() -> str:
    return secrets.token_urlsafe(32)


def invitation_token_hash(token: str) -> str:
    """Only this digest is stored; the token itself exists in the emailed link alone."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class Invitation(models.Model):
    """An invitation of an email address to join a tenant with a role (public schema).

    Lives in public because the invitee has no access to any tenant schema until they accept.
    """

    Status = InvitationStatus
    Role = MembershipRole

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Resends: the total, and the count within the UTC day of the last resend (the daily limit).
    resend_count = models.PositiveIntegerField(default=0)
    resend_day_count = models.PositiveIntegerField(default=0)
    last_resent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decline_reason = models.CharField(max_length=255, blank=True, default="")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(max_length=255, blank=True, default="")
    expired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["token_hash"])

    # The raw token, set only on the instance that created or resent it (never stored).
    token: str | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values), name="invitations_status_valid"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="invitations_role_valid"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="invitations_email_lowercase"),
            models.UniqueConstraint(
                "tenant", "email", condition=Q(status="pending"), name="invitations_one_pending_per_email"
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False, accepted_by__isnull=False),
                name="invitations_accepted_has_who_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | Q(declined_at__isnull=False), name="invitations_declined_has_when"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="invitations_cancelled_has_when"
            ),
            models.CheckConstraint(
                condition=~Q(status="expired") | Q(expired_at__isnull=False), name="invitations_expired_has_when"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="invitations_tenant_status"),
            models.Index(fields=["expires_at"], condition=Q(status="pending"), name="invitations_pending_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.tenant_id} ({self.status})"

    @property
    def is_due_to_expire(self) -> bool:
        """Pending but past its expiry; the beat sweep has not marked it yet."""
        return self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()

    @property
    def effective_status(self) -> str:
        return InvitationStatus.EXPIRED if self.is_due_to_expire else self.status

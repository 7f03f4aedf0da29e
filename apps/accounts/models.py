import re
import secrets
import uuid
import zoneinfo
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from apps.audit.history import history_records

# Users get a system-generated code: "USR-" and 10 characters of an unambiguous alphabet.
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
USER_CODE_PATTERN = re.compile(rf"^USR-[{USER_CODE_ALPHABET}]{{10}}$")


def generate_user_code() -> str:
    return "USR-" + "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(10))


def validate_user_code(value: str) -> None:
    if not USER_CODE_PATTERN.match(value):
        raise ValidationError("User codes look like USR- followed by 10 letters or digits.", code="invalid_code")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email__iexact=username)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not an IANA time zone.", code="invalid_time_zone", params={"value": value}
        )


class UserStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    LOCKED = "locked", "Locked"


class User(AbstractBaseUser, PermissionsMixin):
    """One global identity for a person, in the public schema; tenants link to it by membership.

    Never hard-deleted: `user_deactivate` anonymises the personal fields and keeps the row, so every
    reference (history, audit, memberships) stays valid. Django's `last_login` is the seeds'
    `last_login_at`.
    """

    Status = UserStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(
        max_length=14, unique=True, default=generate_user_code, editable=False, validators=[validate_user_code]
    )
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    is_active = models.BooleanField(default=True, help_text="False once deactivated; such users cannot sign in.")
    is_staff = models.BooleanField(default=False, help_text="May sign in to the platform staff admin.")
    # Profile
    role_title = models.CharField(max_length=120, blank=True, default="")
    profile_picture_url = models.URLField(max_length=500, blank=True, default="")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # Security
    email_verified_at = models.DateTimeField(null=True, blank=True)
    last_password_change = models.DateTimeField(null=True, blank=True)
    failed_login_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_reason = models.CharField(max_length=255, blank=True, default="")
    last_login_ip = models.GenericIPAddressField(null=True, blank=True)
    # Bumping a version invalidates every access (or refresh) token issued before: "log out everywhere".
    access_token_version = models.PositiveIntegerField(default=1)
    refresh_token_version = models.PositiveIntegerField(default=1)
    # Audit
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deleted_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = history_records(excluded_fields=["password", "last_login"])

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[misc]

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.CheckConstraint(condition=Q(code__regex=r"^USR-[A-Z0-9]{10}$"), name="accounts_user_code_format"),
            models.CheckConstraint(condition=Q(status__in=UserStatus.values), name="accounts_user_status_valid"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def last_login_at(self) -> datetime | None:
        return self.last_login

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class MembershipRole(models.TextChoices):
    TENANT_ADMIN = "tenant_admin", "Tenant admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class MembershipJoinedVia(models.TextChoices):
    SIGNUP = "signup", "Signup"
    INVITATION = "invitation", "Invitation"
    TRANSFER = "transfer", "Transfer"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    REMOVED = "removed", "Removed"


class Membership(models.Model):
    """A user's place in a tenant. Lives in public so the platform can query it across tenants."""

    Role = MembershipRole
    JoinedVia = MembershipJoinedVia

    Status = MembershipStatus

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    joined_via = models.CharField(max_length=20, choices=JoinedVia.choices, default=JoinedVia.SIGNUP)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.CharField(max_length=255, blank=True, default="")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removal_reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["tenant", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="accounts_membership_user_tenant_unique"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="accounts_membership_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=MembershipStatus.values), name="accounts_membership_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(joined_via__in=MembershipJoinedVia.values), name="accounts_membership_joined_via_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="removed") | Q(removed_at__isnull=False),
                name="accounts_membership_removed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="accounts_membership_tenant_st")]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class SignInHandoff(models.Model):
    """A one-time, short-lived link that signs a person in on a tenant's domain (public schema).

    Sessions are per host: someone signed in on the platform domain (a new customer at the end of
    signup, a staff member starting an impersonation) is handed to the tenant's domain with one of
    these. Only the SHA-256 of the token is stored; `used_at` is set once, atomically.
    """

    id = models.BigAutoField(primary_key=True)
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=30)
    payload = models.JSONField(default=dict, blank=True)
    next_path = models.CharField(max_length=300, default="/manage/")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="accounts_handoff_expiry"),
            models.CheckConstraint(condition=Q(next_path__startswith="/"), name="accounts_handoff_next_local"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="accounts_handoff_expires")]

    def __str__(self) -> str:
        return f"{self.purpose} hand-off of {self.user_id} to {self.tenant_id}"


# Password history lives in its own module; imported here so Django registers the model.
from .password_history import PasswordHistoryEntry  # noqa: E402, F401

"""One-time codes by email or SMS as second factors (public schema, beside allauth's authenticators).

`OtpFactor` is a person's enrolment of a channel (email, or SMS to a verified phone number);
`OneTimeCode` is one code sent to it: only a keyed hash is stored, it is single use, expires, and
counts the wrong attempts made against it. The rules are in apps/security/otp.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records

E164_REGEX = r"^\+[1-9][0-9]{6,14}$"


class OtpChannel(models.TextChoices):
    EMAIL = "email", "Code by email"
    SMS = "sms", "Code by text message (SMS)"


class OtpPurpose(models.TextChoices):
    SIGN_IN = "sign_in", "Sign-in (second factor)"
    ENROL = "enrol", "Confirming a phone number"


class OtpFactor(models.Model):
    """A channel the person receives sign-in codes on; usable once confirmed (`confirmed_at`)."""

    Channel = OtpChannel

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="otp_factors")
    channel = models.CharField(max_length=10, choices=OtpChannel.choices)
    # E.164 ("+61412345678") for SMS; empty for email (the account's verified address is used).
    phone = models.CharField(max_length=16, blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["user_id", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="security_otpfactor_one_per_channel"),
            models.CheckConstraint(
                condition=Q(channel=OtpChannel.EMAIL, phone="") | Q(channel=OtpChannel.SMS, phone__regex=E164_REGEX),
                name="security_otpfactor_phone_for_sms_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} for user {self.user_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class OneTimeCode(models.Model):
    """One code sent; verification only ever looks at the person's latest code for a purpose."""

    Channel = OtpChannel
    Purpose = OtpPurpose

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=OtpChannel.choices)
    purpose = models.CharField(max_length=10, choices=OtpPurpose.choices)
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 keyed with SECRET_KEY; never the code
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=OtpChannel.values), name="security_onetimecode_channel"),
            models.CheckConstraint(condition=Q(purpose__in=OtpPurpose.values), name="security_onetimecode_purpose"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="security_onetimecode_expiry"),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(used_at__gte=F("created_at")), name="security_onetimecode_used"
            ),
        ]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="security_otc_user_latest")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} code for user {self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"

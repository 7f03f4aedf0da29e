"""What risk-based sign-in remembers per person (public schema): the devices and the countries they
signed in from, each as a set with one row per member, so that "is this new?" is one indexed lookup
whatever the length of the person's history (apps/security/risk.py).

No history: these rows move at every sign-in; the sign-ins themselves are AuthEvents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class KnownDevice(models.Model):
    """A device (fingerprint: an HMAC of its headers and device cookie) a person signed in from."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices")
    fingerprint = models.CharField(max_length=64)
    device_name = models.CharField(max_length=120, blank=True, default="")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    sign_ins = models.PositiveIntegerField(default=1)

    class Meta:
        app_label = "security"
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "fingerprint"], name="security_knowndevice_unique"),
            models.CheckConstraint(condition=~Q(fingerprint=""), name="security_knowndevice_fingerprint_set"),
        ]

    def __str__(self) -> str:
        return f"{self.device_name or 'Unknown device'} ({self.fingerprint[:8]})"


class KnownSignInCountry(models.Model):
    """A country (ISO 3166-1 alpha-2) a person signed in from."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_countries")
    country = models.CharField(max_length=2)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "security"
        ordering = ["country"]
        verbose_name_plural = "known sign-in countries"
        constraints = [
            models.UniqueConstraint(fields=["user", "country"], name="security_knownsigninc_unique"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="security_knownsigninc_iso"),
        ]

    def __str__(self) -> str:
        return self.country

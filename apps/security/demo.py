"""Demo data of risk-based sign-in: the demo tenant people have signed in before, from a device of the
demo data, so that on `make run` the first sign-in from a real browser is a new device (the "New
sign-in" notification and a scored event in the activity timeline) instead of a first sign-in, which
is never news. Idempotent: one known device per person, added once."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.accounts.models import User

from .risk import device_fingerprint
from .risk_models import KnownDevice

DEMO_PEOPLE = ["admin@acme.localhost", "manager@acme.localhost", "admin@globex.localhost"]
DEVICE_NAME = "Office laptop (demo data)"
# No browser sends these headers with this device id: a real browser is always a new device.
DEVICE_META = {"HTTP_USER_AGENT": "NIDIA Flow demo data (office laptop)", "HTTP_ACCEPT_LANGUAGE": "en"}


def demo_seed(stdout: Any = None) -> int:
    """Give each demo person their earlier device; returns how many were added."""
    fingerprint = device_fingerprint(DEVICE_META, device_id="demo-office-laptop")
    now = timezone.now()
    added = 0
    for user in User.objects.filter(email__in=DEMO_PEOPLE):
        _, created = KnownDevice.objects.get_or_create(
            user=user, fingerprint=fingerprint,
            defaults={"device_name": DEVICE_NAME, "first_seen_at": now - timedelta(days=30),
                      "last_seen_at": now - timedelta(days=1), "sign_ins": 20},
        )  # fmt: skip
        added += created
    if stdout is not None and added:
        stdout.write(f"  sign-in history: {added} demo people have a known earlier device")
    return added

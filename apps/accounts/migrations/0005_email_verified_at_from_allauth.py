"""Backfill User.email_verified_at for people who confirmed their address through allauth before
allauth's confirmation was bridged to accounts (apps/accounts/signals.py): a verified primary
EmailAddress of the user's own email is the proof. The confirmation time was never recorded, so the
backfill uses the migration's time."""

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils import timezone


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    verified = EmailAddress.objects.filter(
        user_id=OuterRef("pk"), primary=True, verified=True, email__iexact=OuterRef("email")
    )
    User.objects.filter(email_verified_at__isnull=True).filter(Exists(verified)).update(
        email_verified_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_signin_handoff"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

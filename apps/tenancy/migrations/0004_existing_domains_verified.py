from django.db import migrations
from django.utils import timezone


def mark_existing_domains_verified(apps, schema_editor):
    # Domains made before verification existed were all platform-made (<slug>.<platform domain>).
    Domain = apps.get_model("tenancy", "Domain")
    Domain.objects.filter(verification_status="unverified").update(
        verification_status="verified", verified_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0003_lifecycle_plans_provisioning_usage")]

    operations = [migrations.RunPython(mark_existing_domains_verified, migrations.RunPython.noop)]

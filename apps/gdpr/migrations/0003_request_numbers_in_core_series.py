"""GDPR request numbers come from the shared allocator (apps.core.numbering, series GDPR) instead of a
PostgreSQL sequence: the sequence's next value becomes the series' next number, then it is dropped."""

from django.db import migrations

from apps.core.numbering import sequence_into_series


class Migration(migrations.Migration):
    dependencies = [
        ("gdpr", "0002_number_sequence_and_schedule"),
        ("core", "0001_number_series"),
    ]

    operations = sequence_into_series("gdpr_request_number_seq", "GDPR")

"""Ticket numbers come from the shared allocator (apps.core.numbering, series TKT) instead of a
PostgreSQL sequence: the sequence's next value becomes the series' next number, then it is dropped."""

from django.db import migrations

from apps.core.numbering import sequence_into_series


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0002_number_sequence_sla_defaults_schedule"),
        ("core", "0001_number_series"),
    ]

    operations = sequence_into_series("support_ticket_number_seq", "TKT")

"""Invoice and credit-note numbering moves to the shared allocator (apps.core.numbering): each
series' counter is copied into core.NumberSeries, so numbering continues without a gap or a reuse."""

from django.db import migrations


def forwards(apps, schema_editor):
    InvoiceSequence = apps.get_model("billing", "InvoiceSequence")
    NumberSeries = apps.get_model("core", "NumberSeries")
    for sequence in InvoiceSequence.objects.all():
        NumberSeries.objects.update_or_create(
            key=sequence.series, defaults={"prefix": sequence.prefix, "next_number": sequence.next_number}
        )


def backwards(apps, schema_editor):
    InvoiceSequence = apps.get_model("billing", "InvoiceSequence")
    NumberSeries = apps.get_model("core", "NumberSeries")
    for series in NumberSeries.objects.filter(key__in=["INV", "CN"]):
        InvoiceSequence.objects.update_or_create(
            series=series.key, defaults={"prefix": series.prefix, "next_number": series.next_number}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("core", "0001_number_series"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="InvoiceSequence"),
    ]

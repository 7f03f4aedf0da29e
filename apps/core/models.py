from django.db import models


class NumberSeries(models.Model):
    """The next number of a series (invoices, credit notes, tickets, GDPR requests).

    Allocated by `apps.core.numbering` under this row's lock, held until the allocating transaction
    ends: numbers have no gaps, and a rolled-back transaction gives its numbers back.
    """

    key = models.CharField(max_length=40, primary_key=True, help_text="e.g. INV, CN, TKT, GDPR.")
    prefix = models.CharField(max_length=20)
    next_number = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name_plural = "number series"

    def __str__(self) -> str:
        return f"{self.key} (next {self.next_number})"

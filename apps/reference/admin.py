"""Staff console for reference data: countries with their currency and tax rules (history kept)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Country


@admin.register(Country)
class CountryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "currency_code", "tax_name", "tax_rate", "tax_inclusive", "tax_number_label",
                    "is_active"]  # fmt: skip
    list_filter = ["is_active", "tax_inclusive", "currency_code"]
    search_fields = ["code", "name"]
    ordering = ["name"]
    show_full_result_count = False

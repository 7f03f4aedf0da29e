from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from apps.integrations.scopes import scope_choices

EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In 1 year")]


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use this key, e.g. “Payroll sync”.")
    scopes = forms.MultipleChoiceField(
        choices=scope_choices, widget=forms.CheckboxSelectMultiple, help_text="Grant only what the integration needs."
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None

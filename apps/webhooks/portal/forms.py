"""Forms of the portal's webhook pages."""

from django import forms
from django.core.exceptions import ValidationError

from apps.webhooks.catalogue import event_types
from apps.webhooks.services import DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS


class EndpointForm(forms.Form):
    url = forms.CharField(label="URL", max_length=2000, help_text="Where events are POSTed (https://...).")
    description = forms.CharField(max_length=200, required=False)
    enabled_events = forms.MultipleChoiceField(
        label="Events",
        widget=forms.CheckboxSelectMultiple,
        choices=lambda: [(name, f"{name} — {text}") for name, text in event_types().items()],
    )

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label="Keep the old secret valid for (hours)",
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        initial=DEFAULT_OVERLAP_HOURS,
    )

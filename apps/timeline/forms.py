"""The timeline's filters, shared by the staff admin view and the portal page."""

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .sources import Kind

NOBODY = UUID(int=0)  # an actor filter naming nobody matches no row (rather than being ignored)


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(choices=Kind.choices, required=False, widget=forms.CheckboxSelectMultiple)
    actor = forms.CharField(required=False, max_length=254, help_text="Email or user code of who acted.")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Inclusive.")
    correlation_id = forms.CharField(required=False, max_length=128, label="Correlation id")
    cursor = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("“Since” must be on or before “until”.")
        return data

    def page_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for timeline_page() from the cleaned filters."""
        data = self.cleaned_data
        return {
            "kinds": data.get("kind") or None,
            "actor": actor_id_for(data.get("actor", "").strip()),
            "since": day_start(data.get("since")),
            "until": day_start(data["until"] + timedelta(days=1)) if data.get("until") else None,
            "correlation_id": data.get("correlation_id", "").strip() or None,
            "cursor": data.get("cursor") or None,
        }


def actor_id_for(value: str) -> Any:
    """The user id for an actor filter given as an email or user code (NOBODY when unknown)."""
    if not value:
        return None
    user = get_user_model().objects.filter(email__iexact=value).only("pk").first()
    user = user or get_user_model().objects.filter(code__iexact=value).only("pk").first()
    return user.pk if user else NOBODY


def day_start(day: Any) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone()) if day else None

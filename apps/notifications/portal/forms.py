"""Forms of the notifications portal pages (the matrices are plain checkboxes read by the views)."""

from django import forms

from apps.notifications.models import Channel, NotificationTemplate
from apps.notifications.timing import zone

CHANNEL_LABELS = dict(Channel.choices)


def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


class QuietHoursForm(forms.Form):
    """Quiet hours: both times (local, in the time zone) or neither (off)."""

    start = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    time_zone = forms.CharField(
        required=False, max_length=64, help_text="For example Australia/Sydney or Europe/London."
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError("Give both the start and the end of your quiet hours, or neither.")
        if start is not None and start == end:
            raise forms.ValidationError("Quiet hours must start and end at different times.")
        if start is not None and zone(data.get("time_zone") or "UTC") is None:
            self.add_error("time_zone", f"Unknown time zone “{data.get('time_zone')}”.")
        return data


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "class": "font-monospace"})}

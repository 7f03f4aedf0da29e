from django import forms

from apps.timeclock.models import PunchKind


class SelfPunchForm(forms.Form):
    kind = forms.ChoiceField(choices=PunchKind.choices)
    workplace = forms.CharField(required=False, max_length=40)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class KioskPunchForm(forms.Form):
    person = forms.UUIDField(label="Person")
    workplace = forms.CharField(max_length=40)
    kind = forms.ChoiceField(choices=PunchKind.choices)
    note = forms.CharField(required=False, max_length=500)
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class PunchFilterForm(forms.Form):
    person = forms.UUIDField(required=False)
    workplace = forms.CharField(required=False, max_length=40)
    flagged = forms.NullBooleanField(required=False, widget=forms.Select(
        choices=[("", "Any"), ("true", "Flagged"), ("false", "Not flagged")]))  # fmt: skip


class ReviewForm(forms.Form):
    note = forms.CharField(required=False, max_length=500)

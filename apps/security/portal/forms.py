from django import forms

from apps.accounts.models import validate_time_zone


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=200, required=False)
    role_title = forms.CharField(max_length=120, required=False, label="Role title")
    time_zone = forms.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="An IANA time zone name, such as Europe/Madrid or America/New_York.",
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    profile_picture_url = forms.URLField(
        max_length=500, required=False, assume_scheme="https", label="Profile picture URL"
    )


class LogoutEverywhereForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that every browser and API token of mine will be signed out, including this one.",
        error_messages={"required": "Tick the box to confirm that you want to sign out everywhere."},
    )

"""Forms of the chat pages."""

from django import forms

from apps.chat.models import BODY_MAX, ChannelKind, MemberRole, NotifyLevel


class MessageForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a message… (@name mentions)",
                                                        "aria-label": "Message", "aria-autocomplete": "list",
                                                        "aria-controls": "chat-mentions"}),
                           max_length=BODY_MAX + 1000, strip=False)  # fmt: skip
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=BODY_MAX + 1000, strip=False)


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=80)
    kind = forms.ChoiceField(choices=[(ChannelKind.PUBLIC, "Public: anyone with chat may join"),
                                      (ChannelKind.PRIVATE, "Private: by invitation")])  # fmt: skip
    topic = forms.CharField(max_length=250, required=False)


class SyncedChannelForm(forms.Form):
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, choices=())
    workplace = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, choices=())
    name = forms.CharField(max_length=80, required=False, help_text="Default: the team's or workplace's name.")


class ChannelSettingsForm(forms.Form):
    name = forms.CharField(max_length=80)
    topic = forms.CharField(max_length=250, required=False)


class PersonForm(forms.Form):
    user = forms.UUIDField(widget=forms.HiddenInput)


class InviteForm(forms.Form):
    email = forms.EmailField(help_text="A member of this organisation.")


class MemberForm(forms.Form):
    user = forms.UUIDField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=MemberRole.choices, required=False)
    muted_minutes = forms.IntegerField(min_value=0, max_value=60 * 24 * 365, required=False)


class NotifyForm(forms.Form):
    notify = forms.ChoiceField(choices=NotifyLevel.choices)


class SettingsForm(forms.Form):
    retention_days = forms.IntegerField(
        min_value=1,
        max_value=36500,
        required=False,
        help_text="Messages older than this are deleted every night; empty keeps them.",
    )
    legal_hold = forms.BooleanField(required=False, help_text="While on, nothing is deleted.")

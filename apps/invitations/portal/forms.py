from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password

from apps.accounts.models import Membership, User
from apps.invitations.models import InvitationStatus


class InvitationFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={"placeholder": "Email"}))
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *InvitationStatus.choices])


class InvitationCreateForm(forms.Form):
    # A plain text field: the service checks the address and says precisely what is wrong.
    email = forms.CharField(max_length=254, label="Email address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=255, error_messages={"required": "Give a reason for cancelling."})


class DeclineForm(forms.Form):
    reason = forms.CharField(max_length=255, required=False, label="Reason (optional)")


class NewAccountForm(forms.Form):
    """The invitee has no account yet: choose a password (Django's validators) and optionally a name."""

    full_name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput, help_text=password_validators_help_text_html()
    )
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput)

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ.")
        elif password1:
            candidate = User(email=self.email, full_name=str(data.get("full_name") or ""))
            try:
                validate_password(str(password1), user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

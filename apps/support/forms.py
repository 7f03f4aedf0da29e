"""Forms shared by the portal and the staff admin."""

from typing import Any

from django import forms

from .models import CannedResponse, Ticket, TicketPriority, TicketStatus


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Up to services.MAX_ATTACHMENTS files; size and type are checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class TicketOpenForm(forms.ModelForm):
    attachments = MultipleFileField(
        help_text="Images (JPEG, PNG, WebP, HEIC), PDF, text, CSV, Word or Excel; 10 MB each at most."
    )

    class Meta:
        model = Ticket
        fields = ["subject", "priority", "category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}


class ReplyForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField()


class StaffReplyForm(forms.Form):
    canned = forms.ModelChoiceField(
        CannedResponse.objects.filter(active=True),
        required=False,
        label="Canned response",
        help_text="Inserted before your text (placeholders: {number}, {subject}, {tenant}, {requester}).",
    )
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 6, "cols": 90}), required=False)
    internal = forms.BooleanField(required=False, label="Internal note (never shown to the customer)")
    status = forms.ChoiceField(
        choices=[("", "— keep the status —"), *TicketStatus.choices], required=False, label="Then set the status to"
    )
    attachments = MultipleFileField()


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,  # type: ignore[arg-type]  # set per instance
        required=False,
        label="Assignee",
        empty_label="— nobody —",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model
        from django.db.models import Q

        from .services import AGENT_ROLES

        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            get_user_model()
            .objects.filter(Q(is_superuser=True) | Q(groups__name__in=AGENT_ROLES), is_staff=True, is_active=True)
            .distinct()
            .order_by("email")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=TicketPriority.choices)


class StaffOpenForm(forms.ModelForm):
    """Staff open a ticket on a tenant's behalf (e.g. after a phone call); the requester is optional."""

    requester_email = forms.EmailField(
        required=False, label="Requester email", help_text="A member of the tenant; leave empty when nobody asked."
    )
    attachments = MultipleFileField()

    class Meta:
        model = Ticket
        fields = ["tenant", "requester_email", "subject", "priority", "category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8, "cols": 90})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        from django.contrib.auth import get_user_model

        tenant, email = data.get("tenant"), data.get("requester_email")
        data["requester"] = None
        if tenant and email:
            requester = get_user_model().objects.filter(email__iexact=email, memberships__tenant=tenant).first()
            if requester is None:
                self.add_error("requester_email", f"{email} is not a member of {tenant}.")
            data["requester"] = requester
        return data

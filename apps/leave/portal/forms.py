"""Portal forms of leave."""

from typing import Any

from django import forms

from apps.leave.models import LeavePolicy, LeaveType


class RequestForm(forms.Form):
    leave_type = forms.ModelChoiceField(queryset=LeaveType.objects.none(), label="Type")
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), required=False, help_text="Empty: one day."
    )
    start_half = forms.BooleanField(required=False, label="First day: afternoon only")
    end_half = forms.BooleanField(required=False, label="Last day: morning only")
    start_time = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), help_text="Hourly types only."
    )
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(required=False, help_text="E.g. a medical certificate (PDF or image, 5 MB).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].queryset = LeaveType.objects.filter(is_active=True)  # type: ignore[attr-defined]


class ProjectionForm(forms.Form):
    on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="My balance on")


class CancelForm(forms.Form):
    from_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: the whole request."
    )


class LeaveTypeForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = LeaveType
        fields = [
            "code",
            "name",
            "paid",
            "unit",
            "minutes_per_day",
            "attachment_required",
            "attachment_after_days",
            "max_consecutive_days",
            "requires_balance",
            "colour",
            "is_active",
        ]


class LeavePolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = LeavePolicy
        fields = [
            "name",
            "leave_type",
            "accrual",
            "minutes_per_year",
            "minutes_per_hour_worked",
            "pro_rata",
            "year_start_month",
            "carry_over_cap_minutes",
            "carry_over_expiry_months",
            "negative_limit_minutes",
            "work_pattern",
            "is_active",
        ]


class AdjustForm(forms.Form):
    leave_type = forms.ModelChoiceField(queryset=LeaveType.objects.none(), label="Type")
    minutes = forms.IntegerField(help_text="Signed: negative removes.")
    reason = forms.CharField(max_length=255)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leave_type"].queryset = LeaveType.objects.all()  # type: ignore[attr-defined]

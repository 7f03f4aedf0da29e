"""Forms of the billing pages (tenant portal, and the staff plan-change view reuses ChangeForm)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.billing.models import MAX_SEATS, BillingCycle, Subscription
from apps.tenancy.models import Plan


class ChangeForm(forms.Form):
    """Plan, cycle and seats of a subscription; previewed (change_preview) before it is applied."""

    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), empty_label=None)
    billing_cycle = forms.ChoiceField(choices=BillingCycle.choices, label="Billing cycle")
    quantity = forms.IntegerField(min_value=1, max_value=MAX_SEATS, label="Seats")

    def __init__(self, *args: Any, subscription: Subscription | None = None, **kwargs: Any) -> None:
        if subscription is not None and "initial" not in kwargs:
            kwargs["initial"] = {"plan": subscription.plan_id, "billing_cycle": subscription.billing_cycle,
                                 "quantity": subscription.quantity}  # fmt: skip
        super().__init__(*args, **kwargs)
        plans = Plan.objects.filter(is_active=True)
        if subscription is not None:  # its current plan stays listed even when retired
            plans = Plan.objects.filter(is_active=True) | Plan.objects.filter(pk=subscription.plan_id)
        self.fields["plan"].queryset = plans.order_by("display_order", "name")  # type: ignore[attr-defined]
        self.fields["plan"].label_from_instance = lambda plan: f"{plan.display_name} ({plan.currency})"  # type: ignore[attr-defined]

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class BillingEmailForm(forms.Form):
    billing_email = forms.EmailField(label="Billing email", help_text="Invoices and billing alerts are sent here.")


def _this_year() -> int:
    return timezone.localdate().year


class CardTokenForm(forms.Form):
    """A card tokenized by the provider's own form (Conekta.js): only the one-time token comes here.

    In Conekta's test mode the tokens are fixed: tok_test_visa_4242, tok_test_mastercard_4444, and
    tok_test_card_declined (saved, then declined when charged)."""

    token = forms.RegexField(regex=r"^tok_[A-Za-z0-9_]{4,60}$", label="Card token",
                             error_messages={"invalid": "This is not a card token of the provider."})  # fmt: skip
    make_default = forms.BooleanField(required=False, initial=True, label="Use for future payments")


class PaymentMethodForm(forms.Form):
    """A test card (the built-in manual gateway): only brand, last four digits and expiry are kept.

    A card ending in 0002 is declined by the manual gateway (for demos and tests).
    """

    brand = forms.ChoiceField(choices=[(b, b) for b in ("Visa", "Mastercard", "Amex")])
    last4 = forms.RegexField(regex=r"^[0-9]{4}$", label="Last four digits",
                             error_messages={"invalid": "Enter the last four digits of the card."})  # fmt: skip
    exp_month = forms.IntegerField(min_value=1, max_value=12, label="Expiry month")
    exp_year = forms.IntegerField(min_value=2000, max_value=2100, label="Expiry year")
    make_default = forms.BooleanField(required=False, initial=True, label="Use for future payments")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        month, year = cleaned.get("exp_month"), cleaned.get("exp_year")
        if month and year:
            today = timezone.localdate()
            if (year, month) < (today.year, today.month):
                self.add_error("exp_year", ValidationError("This card has expired.", code="card_expired"))
            elif year > _this_year() + 20:
                self.add_error("exp_year", ValidationError("Enter a real expiry year.", code="invalid_year"))
        return cleaned

"""Tenant API billing serializers: plans, the subscription, change previews and invoices."""

from typing import Any

from rest_framework import serializers

from apps.billing.models import (
    MAX_SEATS,
    BillingCycle,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Subscription,
    SubscriptionChange,
    SubscriptionStatus,
)
from apps.billing.money import money_round
from apps.billing.portal.selectors import renewal_amount
from apps.tenancy.models import Plan


class MoneyField(serializers.DecimalField):
    """A read-only amount as a decimal string at its currency's precision (ISO 4217): "53.90" AUD, "4900"
    JPY, "1.235" KWD. The currency is the row's own (`currency`, or its invoice's for an invoice line);
    amounts computed for a preview are already rounded to it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=None, decimal_places=None, read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        currency = getattr(instance, "currency", None) or getattr(getattr(instance, "invoice", None), "currency", None)
        return money_round(value, currency) if value is not None and currency else value


class PlanSerializer(serializers.ModelSerializer):
    price_monthly = MoneyField(help_text="Price of one seat for a month, in the plan's currency.")
    price_quarterly = MoneyField()
    price_annual = MoneyField()

    class Meta:
        model = Plan
        fields = ["name", "display_name", "description", "currency", "price_monthly", "price_quarterly",
                  "price_annual", "max_users", "max_storage_gb", "api_calls_per_day", "trial_days"]  # fmt: skip
        read_only_fields = fields


class SubscriptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    plan = PlanSerializer(read_only=True)
    status = serializers.ChoiceField(choices=SubscriptionStatus.choices, read_only=True)
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, read_only=True)
    renewal_amount = serializers.SerializerMethodField(help_text="Plan charge of the next period, before tax.")

    class Meta:
        model = Subscription
        fields = ["id", "plan", "billing_cycle", "quantity", "currency", "status", "trial_end", "current_period_start",
                  "current_period_end", "cancel_at_period_end", "renewal_amount"]  # fmt: skip
        read_only_fields = fields

    def get_renewal_amount(self, subscription: Subscription) -> str:
        return str(renewal_amount(subscription))


class ChangeRequestSerializer(serializers.Serializer):
    plan = serializers.SlugRelatedField(slug_field="name", queryset=Plan.objects.all(), required=False,
                                        help_text="Plan name; omitted: keep the current plan.")  # fmt: skip
    billing_cycle = serializers.ChoiceField(choices=BillingCycle.choices, required=False,
                                            help_text="Omitted: keep the current cycle.")  # fmt: skip
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_SEATS, required=False,
                                        help_text=f"Seats, 1 to {MAX_SEATS}; omitted: keep them.")  # fmt: skip


class PreviewLineSerializer(serializers.Serializer):
    description = serializers.CharField(read_only=True)
    amount = MoneyField(help_text="Net, before tax; negative for a credit.")
    tax_amount = MoneyField()
    total = MoneyField()


class ChangePreviewSerializer(serializers.Serializer):
    rule = serializers.CharField(read_only=True, help_text="immediate_prorated, immediate_no_proration or at_renewal.")
    direction = serializers.CharField(read_only=True, help_text="upgrade, downgrade or none.")
    effective_at = serializers.DateTimeField(read_only=True)
    immediate = serializers.BooleanField(read_only=True)
    lines = PreviewLineSerializer(many=True, read_only=True)
    subtotal = MoneyField()
    tax_total = MoneyField()
    total = MoneyField(help_text="Charged now (an invoice is issued when positive).")
    currency = serializers.CharField(read_only=True)
    next_period_amount = MoneyField(help_text="The renewal charge after the change.")


class SubscriptionChangeSerializer(serializers.ModelSerializer):
    proration_amount = MoneyField(help_text="Net, before tax; negative for a credit.")
    status = serializers.CharField(read_only=True, help_text="scheduled (at renewal) or applied.")
    kind = serializers.CharField(read_only=True, help_text="plan, cycle or quantity.")
    invoice = serializers.SerializerMethodField(help_text="The proration invoice's id, when one was issued.")
    subscription = serializers.SerializerMethodField()

    class Meta:
        model = SubscriptionChange
        fields = ["kind", "status", "effective_at", "applied_at", "proration_amount", "currency", "invoice",
                  "subscription"]  # fmt: skip
        read_only_fields = fields

    def get_invoice(self, change: SubscriptionChange) -> str | None:
        return str(change.invoice.uuid) if change.invoice_id and change.invoice else None

    def get_subscription(self, change: SubscriptionChange) -> dict[str, Any]:
        return dict(SubscriptionSerializer(change.subscription).data)


class InvoiceLineSerializer(serializers.ModelSerializer):
    amount = MoneyField(help_text="Net, before tax.")
    tax_amount = MoneyField()
    total = MoneyField()

    class Meta:
        model = InvoiceLine
        fields = ["kind", "description", "quantity", "unit_amount", "amount", "tax_amount", "total", "period_start",
                  "period_end"]  # fmt: skip
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.ChoiceField(choices=InvoiceStatus.choices, read_only=True)
    subtotal = MoneyField(help_text="Net of lines before discounts.")
    discount_total = MoneyField()
    tax_total = MoneyField()
    total = MoneyField()
    amount_paid = MoneyField()
    amount_due = MoneyField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "status", "currency", "billing_reason", "period_start", "period_end", "issued_at",
                  "due_at", "paid_at", "tax_name", "tax_rate", "tax_inclusive", "subtotal", "discount_total",
                  "tax_total", "total", "amount_paid", "amount_due"]  # fmt: skip
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]
        read_only_fields = fields

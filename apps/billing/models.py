"""Platform billing (public schema): subscriptions and their changes, coupons, invoices with numbered
series, credit notes, provider customers, payment methods, payments and billing alerts.

Money is `Decimal` and a currency on every row that holds an amount, rounded to that currency's ISO 4217
precision (JPY 0 places, AUD 2, KWD 3); amounts are rounded once, per invoice line (ROUND_HALF_UP), and
totals are sums of rounded lines (docs/billing.md).
"""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records
from apps.core.correlation import correlation_id_field
from apps.core.currencies import CurrencyAmountsMixin

# Amounts hold up to 3 decimals (ISO 4217's largest minor unit: KWD, BHD, OMR…); each amount is rounded to
# its currency's precision (apps.billing.money.money_round), so JPY rows carry 0 decimals, AUD 2, KWD 3.
MONEY: dict[str, Any] = {"max_digits": 15, "decimal_places": 3}
CURRENCY_CHECK = r"^[A-Z]{3}$"
# Seats of one subscription: beyond this a request is refused at the edge (form, serializer, service).
MAX_SEATS = 100_000


class BillingCycle(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUAL = "annual", "Annual"


class SubscriptionStatus(models.TextChoices):
    TRIALING = "trialing", "Trialing"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"  # will end at period end / was cancelled
    ENDED = "ended", "Ended"


# A tenant has at most one subscription in these states (a partial unique constraint).
LIVE_STATUSES = [
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.SUSPENDED,
]


class Provider(models.TextChoices):
    """Each has a gateway in apps.billing.providers.<value>. (Fungies, named by the seeds, is not here:
    it publishes no API client; migration 0006 moved its subscriptions and open invoices to manual.)"""

    STRIPE = "stripe", "Stripe"
    CONEKTA = "conekta", "Conekta"
    MANUAL = "manual", "Manual (invoice)"


class Subscription(models.Model):
    Status = SubscriptionStatus
    Cycle = BillingCycle

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey("tenancy.Plan", on_delete=models.PROTECT, related_name="subscriptions")
    billing_cycle = models.CharField(max_length=20, choices=BillingCycle.choices, default=BillingCycle.MONTHLY)
    quantity = models.PositiveIntegerField(default=1, help_text="Seats.")
    currency = models.CharField(max_length=3, default="AUD")
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.TRIALING)
    trial_end = models.DateTimeField(null=True, blank=True)
    # When the "your trial ends soon" email went out (once per trial end; the daily task skips it after).
    trial_end_notified_at = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField()
    current_period_end = models.DateTimeField()
    cancel_at_period_end = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.MANUAL)
    provider_subscription_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    correlation_id = correlation_id_field()

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status__in=LIVE_STATUSES),
                name="billing_subscription_one_live_per_tenant",
                violation_error_message="This tenant already has a live subscription.",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_subscription_id"],
                condition=~Q(provider_subscription_id=""),
                name="billing_subscription_provider_id_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billing_subscription_quantity_positive"),
            models.CheckConstraint(condition=Q(quantity__lte=MAX_SEATS), name="billing_subscription_quantity_bounded"),
            models.CheckConstraint(
                condition=Q(status__in=SubscriptionStatus.values), name="billing_subscription_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(billing_cycle__in=BillingCycle.values), name="billing_subscription_cycle_valid"
            ),
            models.CheckConstraint(
                condition=Q(provider__in=Provider.values), name="billing_subscription_provider_valid"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=CURRENCY_CHECK), name="billing_subscription_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(current_period_end__gt=F("current_period_start")), name="billing_subscription_period_order"
            ),
        ]
        indexes = [
            models.Index(fields=["current_period_end"], condition=Q(status__in=LIVE_STATUSES), name="billing_sub_due"),
            models.Index(fields=["status", "plan"], name="billing_sub_status_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} · {self.plan} ({self.get_billing_cycle_display()})"


class ChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    PLAN = "plan", "Plan change"
    CYCLE = "cycle", "Billing cycle change"
    QUANTITY = "quantity", "Quantity change"
    CANCEL = "cancel", "Cancellation"
    RESUME = "resume", "Resumed"
    STATUS = "status", "Status change"


class ChangeStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled (at renewal)"
    APPLIED = "applied", "Applied"
    CANCELLED = "cancelled", "Cancelled"


class SubscriptionChange(CurrencyAmountsMixin, models.Model):
    """A change to a subscription: who, when, from, to, effective when, and what it charged."""

    currency_amount_fields = ("proration_amount",)

    Kind = ChangeKind

    id = models.BigAutoField(primary_key=True)
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=20, choices=ChangeKind.choices)
    status = models.CharField(max_length=20, choices=ChangeStatus.choices, default=ChangeStatus.APPLIED)
    from_plan = models.ForeignKey("tenancy.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_plan = models.ForeignKey("tenancy.Plan", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_cycle = models.CharField(max_length=20, blank=True, default="")
    to_cycle = models.CharField(max_length=20, blank=True, default="")
    from_quantity = models.PositiveIntegerField(null=True, blank=True)
    to_quantity = models.PositiveIntegerField(null=True, blank=True)
    from_status = models.CharField(max_length=20, blank=True, default="")
    to_status = models.CharField(max_length=20, blank=True, default="")
    effective_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    proration_amount = models.DecimalField(**MONEY, default=Decimal("0"), help_text="Net, before tax; may be negative.")
    currency = models.CharField(max_length=3, default="AUD")
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    correlation_id = correlation_id_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="billing_change_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ChangeStatus.values), name="billing_change_status_valid"),
        ]
        indexes = [models.Index(fields=["subscription", "status", "effective_at"], name="billing_change_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subscription_id}"


class DiscountType(models.TextChoices):
    PERCENT = "percent", "Percent off"
    FIXED = "fixed", "Fixed amount off"


class CouponDuration(models.TextChoices):
    ONCE = "once", "Once"
    REPEATING = "repeating", "Repeating (N periods)"
    FOREVER = "forever", "Forever"


class Coupon(CurrencyAmountsMixin, models.Model):
    currency_amount_fields = ("amount_off",)

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=50, unique=True, help_text="What customers type, e.g. LAUNCH20.")
    name = models.CharField(max_length=100)
    discount_type = models.CharField(max_length=20, choices=DiscountType.choices)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="", help_text="Required for a fixed amount.")
    duration = models.CharField(max_length=20, choices=CouponDuration.choices, default=CouponDuration.ONCE)
    duration_periods = models.PositiveIntegerField(null=True, blank=True, help_text="For repeating coupons.")
    max_redemptions = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    times_redeemed = models.PositiveIntegerField(default=0, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    plans = models.ManyToManyField("tenancy.Plan", blank=True, related_name="coupons", help_text="Empty: every plan.")
    is_active = models.BooleanField(default=True)
    stripe_coupon_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(discount_type="percent", percent_off__gt=0, percent_off__lte=100, amount_off__isnull=True)
                    | (
                        Q(discount_type="fixed", amount_off__gt=0, percent_off__isnull=True)
                        & Q(currency__regex=CURRENCY_CHECK)
                    )
                ),
                name="billing_coupon_discount_valid",
                violation_error_message=(
                    "A percent coupon needs 0 < percent ≤ 100; a fixed one a positive amount and a currency."
                ),
            ),
            models.CheckConstraint(
                condition=Q(duration="repeating", duration_periods__gte=1)
                | (~Q(duration="repeating") & Q(duration_periods__isnull=True)),
                name="billing_coupon_duration_periods",
                violation_error_message="A repeating coupon needs a number of periods (and only it).",
            ),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True) | Q(times_redeemed__lte=F("max_redemptions")),
                name="billing_coupon_redemptions_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CouponRedemption(models.Model):
    """A coupon applied to a subscription (for its duration) or to one invoice."""

    id = models.BigAutoField(primary_key=True)
    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="coupon_redemptions"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="coupon_redemptions"
    )
    periods_remaining = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: forever.")
    is_active = models.BooleanField(default=True)
    redeemed_at = models.DateTimeField(auto_now_add=True)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-redeemed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subscription__isnull=False) | Q(invoice__isnull=False),
                name="billing_redemption_has_target",
            ),
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(is_active=True, subscription__isnull=False),
                name="billing_redemption_one_active_per_subscription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coupon} → {self.subscription_id or self.invoice_id}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    UNCOLLECTIBLE = "uncollectible", "Uncollectible"
    VOID = "void", "Void"


class Invoice(CurrencyAmountsMixin, models.Model):
    currency_amount_fields = ("subtotal", "discount_total", "tax_total", "total", "amount_paid")

    Status = InvoiceStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    series = models.CharField(max_length=20, default="INV")
    # Allocated when the invoice leaves draft (no number is ever skipped or reused).
    sequence_number = models.PositiveBigIntegerField(null=True, blank=True)
    number = models.CharField(max_length=40, blank=True, default="", help_text="e.g. INV-000123.")
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    currency = models.CharField(max_length=3, default="AUD")
    # What this invoice bills: the billing run issues exactly one invoice per subscription period.
    billing_reason = models.CharField(max_length=30, default="period", help_text="period, proration, manual.")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True, help_text="e.g. sub:<id>:period:<start>.")
    issued_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    tax_name = models.CharField(max_length=30, blank=True, default="")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    tax_inclusive = models.BooleanField(default=False)
    tax_number_label = models.CharField(max_length=30, blank=True, default="")
    subtotal = models.DecimalField(**MONEY, default=Decimal("0"), help_text="Net of lines before discounts.")
    discount_total = models.DecimalField(**MONEY, default=Decimal("0"))
    tax_total = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0"))
    billing_email = models.EmailField(blank=True, default="")
    billing_name = models.CharField(max_length=200, blank=True, default="")
    billing_country = models.CharField(max_length=2, blank=True, default="")
    payment_attempts = models.PositiveIntegerField(default=0)
    next_payment_attempt_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.MANUAL)
    provider_invoice_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    correlation_id = correlation_id_field()  # the run or request that issued it

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "sequence_number"],
                condition=Q(sequence_number__isnull=False),
                name="billing_invoice_number_unique_per_series",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(sequence_number__isnull=False),
                name="billing_invoice_numbered_when_issued",
            ),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="billing_invoice_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_CHECK), name="billing_invoice_currency_iso"),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(tax_total__gte=0) & Q(discount_total__gte=0),
                name="billing_invoice_amounts_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="billing_invoice_tenant"),
            models.Index(fields=["status", "next_payment_attempt_at"], name="billing_invoice_retry"),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft {self.uuid}"

    @property
    def amount_due(self) -> Decimal:
        return max(self.total - self.amount_paid, Decimal("0"))


class LineKind(models.TextChoices):
    PLAN = "plan", "Plan"
    PRORATION = "proration", "Proration"
    QUANTITY = "quantity", "Quantity"
    USAGE = "usage", "Usage"
    DISCOUNT = "discount", "Discount"
    CREDIT = "credit", "Credit"


class InvoiceLine(models.Model):
    """One line: `amount` is net (excluding tax) and rounded to the invoice currency's precision;
    `tax_amount` is this line's tax, rounded once; `total` = amount + tax_amount. Discount lines carry a
    negative amount."""

    Kind = LineKind

    id = models.BigAutoField(primary_key=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=LineKind.choices)
    description = models.CharField(max_length=255)
    quantity = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("1"))
    unit_amount = models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
    amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    total = models.DecimalField(**MONEY)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="billing_line_kind_valid"),
            models.CheckConstraint(condition=Q(total=F("amount") + F("tax_amount")), name="billing_line_total_sum"),
        ]

    def __str__(self) -> str:
        return self.description


class CreditNote(CurrencyAmountsMixin, models.Model):
    currency_amount_fields = ("amount", "tax_amount")

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    series = models.CharField(max_length=20, default="CN")
    sequence_number = models.PositiveBigIntegerField()
    number = models.CharField(max_length=40)
    reason = models.CharField(max_length=255)
    amount = models.DecimalField(**MONEY)
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    currency = models.CharField(max_length=3)
    refund_payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence_number"], name="billing_creditnote_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_creditnote_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class ProviderCustomer(models.Model):
    """The tenant as a customer of a payment provider (Stripe first; the seeds list others)."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="provider_customers")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    provider_customer_id = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "provider"], name="billing_customer_one_per_provider"),
            models.UniqueConstraint(fields=["provider", "provider_customer_id"], name="billing_customer_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_customer_id}"


class PaymentMethodKind(models.TextChoices):
    CARD = "card", "Card"
    BANK_ACCOUNT = "bank_account", "Bank account"


class PaymentMethod(models.Model):
    Kind = PaymentMethodKind

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="payment_methods")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.STRIPE)
    provider_payment_method_id = models.CharField(max_length=255, blank=True, default="")
    kind = models.CharField(max_length=20, choices=PaymentMethodKind.choices, default=PaymentMethodKind.CARD)
    brand = models.CharField(max_length=30, blank=True, default="")
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bank_name = models.CharField(max_length=100, blank=True, default="")
    is_default = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()  # the history of changes (added, made default, removed)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(is_default=True, removed_at__isnull=True),
                name="billing_paymentmethod_one_default",
            ),
            models.CheckConstraint(condition=Q(last4__regex=r"^[0-9]{4}$"), name="billing_paymentmethod_last4"),
            # One row per provider payment method (a Checkout webhook and payment_method.attached both upsert it).
            models.UniqueConstraint(
                fields=["provider", "provider_payment_method_id"],
                condition=~Q(provider_payment_method_id=""),
                name="billing_paymentmethod_provider_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(exp_month__isnull=True) | Q(exp_month__gte=1, exp_month__lte=12),
                name="billing_paymentmethod_exp_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand or self.get_kind_display()} •••• {self.last4}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class Payment(CurrencyAmountsMixin, models.Model):
    currency_amount_fields = ("amount",)

    Status = PaymentStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="payments")
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    attempt = models.PositiveIntegerField(default=1)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.STRIPE)
    provider_payment_id = models.CharField(max_length=255, blank=True, default="")
    failure_code = models.CharField(max_length=100, blank=True, default="")
    failure_reason = models.CharField(max_length=255, blank=True, default="")
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    correlation_id = correlation_id_field()

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=PaymentStatus.values), name="billing_payment_status_valid"),
            models.CheckConstraint(condition=Q(currency__regex=CURRENCY_CHECK), name="billing_payment_currency_iso"),
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="billing_payment_provider_id_unique",
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status="succeeded"),
                name="billing_payment_one_success_per_invoice",
                violation_error_message="This invoice is already paid.",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="billing_payment_status")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class AlertKind(models.TextChoices):
    USAGE_NEAR_LIMIT = "usage_near_limit", "Usage approaching a plan limit"
    CARD_EXPIRING = "card_expiring", "Card expiring"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    TRIAL_ENDING = "trial_ending", "Trial ending"


class BillingAlert(models.Model):
    """A billing alert raised for a tenant (sent to its billing email once: `dedup_key` is unique)."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="billing_alerts")
    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    message = models.CharField(max_length=500)
    dedup_key = models.CharField(max_length=200, unique=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="billing_alert_kind_valid")]

    def __str__(self) -> str:
        return self.message


class ProcessedWebhookEvent(models.Model):
    """Provider events already handled: a duplicate delivery finds its id here and is ignored."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.STRIPE)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True, default="")
    # The provider's `created` of the event: older events for an object never overwrite newer state.
    event_created = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, default="processed", help_text="processed, ignored, stale.")
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-processed_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="billing_webhook_event_unique"),
        ]
        indexes = [models.Index(fields=["object_id", "-event_created"], name="billing_webhook_object")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookRefusal(models.Model):
    """A webhook delivery refused (bad or missing signature): what staff need to tell a forgery or a
    rotated secret from noise. The body is not kept (it is unauthenticated input), only its size and hash."""

    id = models.BigAutoField(primary_key=True)
    provider = models.CharField(max_length=20, choices=Provider.choices)
    reason = models.CharField(max_length=255)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    body_size = models.PositiveIntegerField(default=0)
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["provider", "-received_at"], name="billing_webhook_refused")]

    def __str__(self) -> str:
        return f"{self.provider} webhook refused: {self.reason}"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Waiting for the card"
    COMPLETED = "completed", "Card saved"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"


class CheckoutSession(models.Model):
    """A provider-hosted card capture (Stripe Checkout in setup mode) a tenant admin started.

    Open until the provider's webhook says it completed (the card becomes the tenant's default
    payment method), or until the admin cancels, it expires or the card setup fails. A webhook for a
    session not in this table is someone else's and is ignored."""

    Status = CheckoutStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.PROTECT, related_name="checkout_sessions")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.STRIPE)
    provider_session_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=20, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    payment_method = models.ForeignKey(
        PaymentMethod, null=True, blank=True, on_delete=models.PROTECT, related_name="checkout_sessions"
    )
    failure_reason = models.CharField(max_length=255, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_session_id"],
                condition=~Q(provider_session_id=""),
                name="billing_checkout_provider_id_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=CheckoutStatus.values), name="billing_checkout_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=CheckoutStatus.COMPLETED) | Q(payment_method__isnull=False),
                name="billing_checkout_completed_has_method",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_session_id or self.uuid} ({self.status})"

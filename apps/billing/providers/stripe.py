"""The Stripe gateway: charges an invoice with a confirmed, off-session PaymentIntent.

`client_configure()` points the `stripe` client (and so dj-stripe, which uses the same module) at
`settings.STRIPE_API_HOST` (the real API by default; the local stub in tests) with the secret key of
the current mode. Amounts go to Stripe in the currency's minor unit.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import stripe
from django.conf import settings

from . import ChargeResult, register

if TYPE_CHECKING:
    from apps.billing.models import Invoice, PaymentMethod

# Currencies Stripe takes in whole units (https://docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL_CURRENCIES = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905 - a readable list
)


def client_configure() -> None:
    stripe.api_base = getattr(settings, "STRIPE_API_HOST", "") or stripe.DEFAULT_API_BASE
    stripe.api_key = secret_key()
    stripe.max_network_retries = 0 if stripe.api_base != stripe.DEFAULT_API_BASE else 2


def secret_key() -> str:
    return settings.STRIPE_LIVE_SECRET_KEY if settings.STRIPE_LIVE_MODE else settings.STRIPE_TEST_SECRET_KEY


def to_minor_units(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return int(amount)
    return int(amount * 100)


def from_minor_units(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


class StripeGateway:
    name = "stripe"

    def charge(self, *, invoice: Invoice, payment_method: PaymentMethod | None, idempotency_key: str) -> ChargeResult:
        from apps.billing.stripe_sync import customer_ensure

        if payment_method is None or not payment_method.provider_payment_method_id:
            return ChargeResult(False, failure_code="no_payment_method", failure_reason="No Stripe payment method.")
        customer = customer_ensure(invoice.tenant)
        client_configure()
        try:
            intent = stripe.PaymentIntent.create(
                amount=to_minor_units(invoice.amount_due, invoice.currency),
                currency=invoice.currency.lower(),
                customer=customer.provider_customer_id,
                payment_method=payment_method.provider_payment_method_id,
                confirm=True,
                off_session=True,
                description=f"Invoice {invoice.number}",
                metadata={"invoice_uuid": str(invoice.uuid), "invoice_number": invoice.number},
                idempotency_key=idempotency_key,
            )
        except stripe.CardError as exc:
            return _declined(exc)
        if intent.status != "succeeded":
            return ChargeResult(False, intent.id, failure_code=intent.status, failure_reason="Payment not completed.")
        return ChargeResult(True, provider_payment_id=intent.id)


def _declined(exc: stripe.CardError) -> ChargeResult:
    error = exc.error
    intent = getattr(error, "payment_intent", None) if error else None
    return ChargeResult(
        False,
        provider_payment_id=intent.id if intent else "",
        failure_code=exc.code or "card_declined",
        failure_reason=" ".join(
            part
            for part in (exc.user_message or "The card was declined.", getattr(error, "decline_code", None))
            if part
        ),
    )


gateway = StripeGateway()
register(gateway.name, gateway)

"""The Stripe gateway: charges an invoice with a confirmed, off-session PaymentIntent.

`client_configure()` points the `stripe` client (and so dj-stripe, which uses the same module) at
`settings.STRIPE_API_HOST` (the real API by default; the local stub in tests) with the secret key of
the current mode. Amounts go to Stripe in the currency's minor unit (`apps.billing.money.minor_units`:
AUD 12.34 → 1234, JPY 1234 → 1234, KWD 1.234 → 1234).

The charge is off-session and confirmed at once with the tenant's default payment method; the
idempotency key is the payment attempt's (`inv:<id>:attempt:<n>`), so a retried attempt never
charges twice. A declined card is a failed charge carrying Stripe's error code (`card_declined`) and
its decline code (`generic_decline`, `insufficient_funds`, …): the payment fails and dunning runs.
A request Stripe refuses (a card detached or missing there) is a failed attempt too; only network
and Stripe server errors raise, so the attempt is repeated later with the same key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import stripe
from django.conf import settings

from apps.billing.money import minor_units

from . import ChargeResult, register

if TYPE_CHECKING:
    from apps.billing.models import Invoice, PaymentMethod


def client_configure() -> None:
    stripe.api_base = getattr(settings, "STRIPE_API_HOST", "") or stripe.DEFAULT_API_BASE
    stripe.api_key = secret_key()
    stripe.max_network_retries = 0 if stripe.api_base != stripe.DEFAULT_API_BASE else 2


def secret_key() -> str:
    return settings.STRIPE_LIVE_SECRET_KEY if settings.STRIPE_LIVE_MODE else settings.STRIPE_TEST_SECRET_KEY


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
                amount=minor_units(invoice.amount_due, invoice.currency),
                currency=invoice.currency.lower(),
                customer=customer.provider_customer_id,
                payment_method=payment_method.provider_payment_method_id,
                confirm=True,
                off_session=True,
                description=f"Invoice {invoice.number}",
                metadata={"invoice_uuid": str(invoice.uuid), "invoice_number": invoice.number},
                # Our key names the attempt; the invoice's uuid makes it unique across installations
                # sharing one Stripe account (Stripe keeps keys 24 hours per account).
                idempotency_key=f"nidia-charge-{invoice.uuid}-{idempotency_key}",
            )
        except stripe.CardError as exc:
            return _declined(exc)
        except stripe.InvalidRequestError as exc:  # e.g. the card was detached at Stripe: a failed attempt
            return ChargeResult(False, failure_code=exc.code or "invalid_request",
                                failure_reason=exc.user_message or "Stripe refused the payment request.")  # fmt: skip
        if intent.status != "succeeded":
            return ChargeResult(False, intent.id, failure_code=intent.status, failure_reason="Payment not completed.")
        return ChargeResult(True, provider_payment_id=intent.id)


def _declined(exc: stripe.CardError) -> ChargeResult:
    error = exc.error
    intent = getattr(error, "payment_intent", None) if error else None
    decline_code = getattr(error, "decline_code", None) if error else None
    reason = exc.user_message or "The card was declined."
    return ChargeResult(
        False,
        provider_payment_id=intent.id if intent else "",
        failure_code=exc.code or "card_declined",
        failure_reason=f"{reason} (decline code: {decline_code})" if decline_code else reason,
    )


gateway = StripeGateway()
register(gateway.name, gateway)

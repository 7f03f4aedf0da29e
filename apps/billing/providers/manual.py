"""The built-in simulated gateway ("manual"): no money moves. It succeeds unless the tenant has no
default payment method (`no_payment_method`) or its card ends in 0002 (`card_declined`), the
demo/test "declined card"."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from . import ChargeResult, register

if TYPE_CHECKING:
    from apps.billing.models import Invoice, PaymentMethod

DECLINED_LAST4 = "0002"


class ManualGateway:
    name = "manual"

    def charge(self, *, invoice: Invoice, payment_method: PaymentMethod | None, idempotency_key: str) -> ChargeResult:
        if payment_method is None:
            return ChargeResult(False, failure_code="no_payment_method", failure_reason="No default payment method.")
        if payment_method.last4 == DECLINED_LAST4:
            return ChargeResult(False, failure_code="card_declined", failure_reason="The card was declined.")
        # Deterministic per idempotency key, as a real provider answers a repeated request.
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return ChargeResult(True, provider_payment_id=f"man_{digest}")


gateway = ManualGateway()
register(gateway.name, gateway)

"""Payment provider gateways: one small interface, one implementation per provider.

`gateway_for(provider)` returns the gateway registered for a provider name; a provider module
(`apps.billing.providers.<name>`) is imported on first use and registers itself with `register`
(or exposes a module-level `gateway`). `manual` is the built-in simulated gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from apps.billing.models import Invoice, PaymentMethod


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    provider_payment_id: str = ""
    failure_code: str = ""
    failure_reason: str = ""


class Gateway(Protocol):
    name: str

    def charge(self, *, invoice: Invoice, payment_method: PaymentMethod | None, idempotency_key: str) -> ChargeResult:
        """Charge the invoice's amount due; the same idempotency key never charges twice."""
        ...


class UnknownProvider(LookupError):
    pass


_gateways: dict[str, Gateway] = {}


def register(name: str, gateway: Gateway) -> None:
    _gateways[name] = gateway


def gateway_for(provider: str) -> Gateway:
    if provider not in _gateways:
        try:
            module = import_module(f"{__name__}.{provider}")
        except ModuleNotFoundError as exc:
            raise UnknownProvider(f"No payment gateway for provider {provider!r}.") from exc
        if provider not in _gateways and hasattr(module, "gateway"):
            register(provider, module.gateway)
    if provider not in _gateways:
        raise UnknownProvider(f"No payment gateway for provider {provider!r}.")
    return _gateways[provider]


def default_provider_name() -> str:
    """The provider new subscriptions use: settings.BILLING_PROVIDER ("manual" unless Stripe is configured)."""
    from django.conf import settings

    return str(getattr(settings, "BILLING_PROVIDER", "manual") or "manual")

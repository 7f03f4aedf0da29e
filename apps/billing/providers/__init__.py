"""Payment provider gateways: one small interface, one implementation per provider.

`gateway_for(provider)` returns the gateway registered for a provider name; a provider module
(`apps.billing.providers.<name>`) is imported on first use and registers itself with `register`
(or exposes a module-level `gateway`). `manual` is the built-in simulated gateway.

A provider that sends webhooks also registers a `WebhookReceiver` (`register_webhooks`): how its
signature is verified and which handler applies each event type. The endpoint
/billing/webhooks/<provider>/ (apps.billing.webhooks) is shared: it refuses and records a bad
signature, records every event once (a replay is answered "duplicate") and runs the handler in the
same transaction. Settling an invoice from an event goes through apps.billing.settlement, the same
for every provider. So a provider is one module here (plus its stub for tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

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


@dataclass(frozen=True)
class ProviderCard:
    """A card saved at the provider: what we keep of it (never its number)."""

    provider_payment_method_id: str
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


class CardRefused(ValueError):
    def __init__(self, message: str, *, code: str = "card_refused") -> None:
        super().__init__(message)
        self.code = code


class TokenCards(Protocol):
    """A gateway whose cards are tokenized by the provider's own form in the browser (Conekta.js):
    the portal sends the one-time token, the gateway saves the card at the provider."""

    def card_from_token(self, *, tenant: Any, token: str) -> ProviderCard:
        """Raises CardRefused when the provider refuses the token."""
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


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider event, as the shared endpoint records and dispatches it."""

    id: str
    type: str
    object_id: str
    created: datetime
    object: dict[str, Any] = field(default_factory=dict)


class WebhookRefused(ValueError):
    """The request is not a genuine event of the provider (bad or missing signature, unreadable body)."""


# A handler applies one event type inside the endpoint's transaction; it returns the outcome
# ("processed", "ignored").
WebhookHandler = Callable[[dict[str, Any], datetime], str]


@dataclass(frozen=True)
class WebhookReceiver:
    # verify(body, headers) -> the event; raises WebhookRefused.
    verify: Callable[[bytes, Mapping[str, str]], WebhookEvent]
    handlers: Mapping[str, WebhookHandler]


_receivers: dict[str, WebhookReceiver] = {}


def register_webhooks(name: str, receiver: WebhookReceiver) -> None:
    _receivers[name] = receiver


def webhook_receiver_for(provider: str) -> WebhookReceiver:
    """The provider's receiver (its module imported on first use); UnknownProvider if it has none."""
    if provider not in _receivers:
        gateway_for(provider)
    if provider not in _receivers:
        raise UnknownProvider(f"No webhooks for provider {provider!r}.")
    return _receivers[provider]


def default_provider_name() -> str:
    """The provider new subscriptions use: settings.BILLING_PROVIDER ("manual" unless Stripe is configured)."""
    from django.conf import settings

    return str(getattr(settings, "BILLING_PROVIDER", "manual") or "manual")

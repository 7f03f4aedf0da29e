"""Channel providers: how a rendered message leaves the platform on SMS and WhatsApp.

`sms_provider()` picks the provider from the settings:

- `HttpSmsProvider` speaks a common HTTP SMS API: `POST NOTIFICATIONS_SMS_URL` with a bearer key
  (`NOTIFICATIONS_SMS_KEY`) and the JSON `{"to", "from", "body", "channel"}` (channel "sms" or
  "whatsapp"); a 2xx answer carries `{"id": "<provider message id>"}`. `bin/sms_stub.py` is a local
  server speaking it (tests and `make run`).
- `ConsoleSmsProvider` (the default when no URL is set) logs the message and keeps the last ones in
  memory: development without a provider account.

Email goes through apps.emails (`email_send_many`), in-app is the `Notification` row itself, and
the webhook channel is one `notification.sent` event per batch (see docs/notifications.md).
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from typing import Any, Protocol

import phonenumbers
import requests
from django.conf import settings

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10


class ProviderError(Exception):
    """The provider refused or could not be reached; the delivery is retried with backoff."""


class SmsProvider(Protocol):
    def send(self, *, to: str, body: str, channel: str) -> str: ...


class ConsoleSmsProvider:
    """Development: logs the message; `sent` keeps the last 500 (to, body, channel)."""

    sent: deque[tuple[str, str, str]] = deque(maxlen=500)

    def send(self, *, to: str, body: str, channel: str) -> str:
        logger.info("%s to %s: %s", channel.upper(), to, body)
        self.sent.append((to, body, channel))
        return f"console-{uuid.uuid4().hex}"


class HttpSmsProvider:
    """A common HTTP SMS API (JSON POST with a bearer key); one keep-alive session per provider."""

    def __init__(self, *, url: str, key: str, sender: str) -> None:
        self.url, self.sender = url, sender
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/json"})

    def send(self, *, to: str, body: str, channel: str) -> str:
        try:
            response = self.session.post(
                self.url,
                json={"to": to, "from": self.sender, "body": body, "channel": channel},
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code // 100 != 2:
            raise ProviderError(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            message_id = str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(f"Unexpected answer: {response.text[:300]}") from exc
        return message_id


def sms_provider() -> SmsProvider:
    url = getattr(settings, "NOTIFICATIONS_SMS_URL", "")
    if not url:
        return ConsoleSmsProvider()
    return HttpSmsProvider(
        url=url, key=getattr(settings, "NOTIFICATIONS_SMS_KEY", ""),
        sender=getattr(settings, "NOTIFICATIONS_SMS_SENDER", "") or "NIDIA",
    )  # fmt: skip


def sms_send_now(*, to: str, body: str) -> str:
    """One text message now, outside the delivery engine (sign-in codes: apps.security.otp asks this
    through the hook "security.sms_send"); ProviderError when it could not be sent."""
    return sms_provider().send(to=to, body=body, channel="sms")


def phone_e164(raw: Any, *, region: str | None = None) -> str | None:
    """`raw` as an E.164 number ("+61412345678"), or None when it is missing or not a valid number.
    A national number needs `region` (the tenant's country)."""
    if not raw or not isinstance(raw, str):
        return None
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

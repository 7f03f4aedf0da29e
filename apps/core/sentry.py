"""Error reporting to Sentry (sentry-sdk), on only when SENTRY_DSN is set.

Initialised in every process that loads Django (web workers, Celery workers and beat) from
CoreConfig.ready(). Events carry tags a reader can join with the logs: `correlation_id`, `tenant`
(the schema) and, in a worker, `celery_task_id`; the user is identified by id only.
`send_default_pii` stays False and the scrubber removes secrets (passwords, tokens, API keys, cookies,
authorization and signature headers) from request data, frames' local variables and extras, and
query strings (they carry tokens and search terms) are cut.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.types import Event

from .correlation import get_correlation_id
from .logformat import current_request, current_schema, current_task, resolved_user_id

# Field names (any case, at any depth) whose values never leave the process, on top of sentry-sdk's list.
EXTRA_DENYLIST = [
    "secret_key", "field_encryption_key", "stripe_signature", "http_stripe_signature", "signature",
    "x_signature", "x_nidia_signature", "otp", "totp", "code", "recovery_code", "webauthn", "client_secret",
    "access_token", "refresh_token", "key", "http_authorization", "http_cookie", "dsn", "database_url",
]  # fmt: skip


# A request's repr names its path with the query string ("<WSGIRequest: GET '/x?token=...'>"), and
# query strings carry tokens and search terms: both are cut wherever they appear.
_REQUEST_REPR = re.compile(r"(<(?:WSGI|ASGI)Request: \w+ '[^'?]*)\?[^']*'")


def _without_queries(value: Any) -> Any:
    """`value` with every request repr's query string replaced (walks dicts and lists)."""
    if isinstance(value, str):
        return _REQUEST_REPR.sub(r"\1?[Filtered]'", value)
    if isinstance(value, dict):
        return {key: _without_queries(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_queries(item) for item in value]
    return value


def _scrub_queries(event: Event) -> None:
    request = event.get("request")
    if isinstance(request, dict) and request.get("query_string"):
        request["query_string"] = "[Filtered]"
    for exception in (event.get("exception") or {}).get("values") or []:
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            if "vars" in frame:
                frame["vars"] = _without_queries(frame["vars"])
    if "extra" in event:
        event["extra"] = _without_queries(event["extra"])


def _tag(event: Event, hint: dict[str, Any]) -> Event:
    """before_send/before_send_transaction: the ids a reader needs to find the matching log lines."""
    tags = event.setdefault("tags", {})
    tags.setdefault("correlation_id", get_correlation_id() or "-")
    tags.setdefault("tenant", current_schema())
    task_id, _ = current_task()
    if task_id != "-":
        tags.setdefault("celery_task_id", task_id)
    _scrub_queries(event)
    user_id = resolved_user_id(current_request())
    event["user"] = {"id": str(user_id)} if user_id is not None else {}  # by id only, whatever was set
    return event


def sentry_init(
    *, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0, **options: Any
) -> None:
    """Start the client (tests call this with a local receiver's DSN)."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        event_scrubber=EventScrubber(denylist=[*DEFAULT_DENYLIST, *EXTRA_DENYLIST], recursive=True),
        max_request_body_size="never",  # form posts hold personal data; the correlation id finds the request
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(monitor_beat_tasks=False),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        before_send=_tag,
        before_send_transaction=_tag,
        **options,
    )


def sentry_init_from_settings(settings: Any) -> bool:
    """Initialise from SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE; False
    when no DSN is set (nothing is sent anywhere)."""
    dsn = getattr(settings, "SENTRY_DSN", "")
    if not dsn:
        return False
    sentry_init(
        dsn=dsn,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
    )
    return True

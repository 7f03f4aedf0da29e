"""Client frames: parsing, the per-socket rate limit, and routing to the apps' `realtime.frame` hooks.

Hooks (apps.core.hooks, declared with `Hook(...)` in the answering app's contributions.py):

- "realtime.topics": `fn(*, user, tenant) -> Iterable[str]`, the topics a new socket joins (asked at
  connect, in the tenant's schema).
- "realtime.frame": `fn(frame: dict, *, user, tenant) -> dict | None`, or `NotImplemented` when
  `frame["type"]` is not the app's; raises django's ValidationError to refuse (its code and message
  become the error frame). Run synchronously in the tenant's schema; the first answer wins.
"""

import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.core import hooks

log = logging.getLogger(__name__)

TOPICS_HOOK = "realtime.topics"
FRAME_HOOK = "realtime.frame"
MAX_REF_LENGTH = 64


class FrameRefused(Exception):
    def __init__(self, code: str, message: str, ref: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.ref = code, message, ref


def frame_parse(text: str | None, *, max_bytes: int) -> dict[str, Any]:
    """A client frame as a dict with a string "type"; FrameRefused bad_frame / frame_too_large."""
    if text is None:
        raise FrameRefused("bad_frame", "Frames are JSON text, not binary.")
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        raise FrameRefused("frame_too_large", f"A frame may have at most {max_bytes} bytes.")
    try:
        frame = json.loads(text)
    except ValueError:
        raise FrameRefused("bad_frame", "A frame is a JSON object.") from None
    if not isinstance(frame, dict):
        raise FrameRefused("bad_frame", "A frame is a JSON object.")
    ref = frame.get("ref")
    if ref is not None and not (isinstance(ref, int | str) and len(str(ref)) <= MAX_REF_LENGTH):
        raise FrameRefused("bad_frame", f"“ref” is a string or a number of at most {MAX_REF_LENGTH} characters.")
    if not isinstance(frame.get("type"), str) or not frame["type"]:
        raise FrameRefused("bad_frame", "A frame needs a “type”.", ref)
    return frame


@dataclass
class RateLimit:
    """A token bucket per socket: `burst` frames at once, refilled evenly over `seconds`."""

    burst: int
    seconds: float
    tokens: float = field(init=False)
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.burst / self.seconds)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def topics_for(*, user: Any, tenant: Any) -> list[str]:
    """Every topic the apps give a new socket of this person (in the tenant's schema)."""
    found: list[str] = []
    with tenant_context(tenant):
        for answer in hooks.all(TOPICS_HOOK):
            topics: Iterable[str] = answer(user=user, tenant=tenant) or ()
            found.extend(topic for topic in topics if topic not in found)
    return found


def _code_of(exc: ValidationError) -> str:
    """The refusal's code (the first field error's, for a per-field ValidationError)."""
    errors = [e for errors in exc.error_dict.values() for e in errors] if hasattr(exc, "error_dict") else []
    errors = errors or getattr(exc, "error_list", [exc])
    return next((error.code for error in errors if error.code), None) or exc.code or "invalid"


def frame_route(frame: dict[str, Any], *, user: Any, tenant: Any) -> dict[str, Any]:
    """The reply data of the first app that takes the frame; FrameRefused when none does or it refuses."""
    ref = frame.get("ref")
    with tenant_context(tenant):
        for answer in hooks.all(FRAME_HOOK):
            try:
                result = answer(frame, user=user, tenant=tenant)
            except ValidationError as exc:
                raise FrameRefused(_code_of(exc), " ".join(exc.messages), ref) from exc
            if result is not NotImplemented:
                return result or {}
    raise FrameRefused("unknown_type", f"No app handles frames of type “{frame['type']}”.", ref)

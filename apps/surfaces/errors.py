"""Errors of the tenant surfaces: every refusal carries a stable `code` next to the human message.

The API's JSON error bodies (`{"detail": ..., "code": ...}`, plus `errors` for validation) come
from the accounts handler (`coded_exception_handler`), which every tenant API base uses; portal
refusals are Django 403s (`AccessRefused`, a PermissionDenied with a `code`).
"""

from apps.accounts.access import SERVICE_PRINCIPAL_REFUSED as MEMBERS_ONLY
from apps.accounts.access import MembershipRefused
from apps.accounts.api.errors import CodedErrorsMixin, coded_exception_handler

from .deny import ACCESS_NOT_DECLARED

__all__ = [
    "ACCESS_NOT_DECLARED",
    "KEY_NOT_ALLOWED",
    "MEMBERS_ONLY",
    "AccessRefused",
    "CodedErrorsMixin",
    "coded_exception_handler",
    "insufficient_scope_message",
]

# A PermissionDenied (403) with a `code`; the tenant API's handler puts the code in the body.
AccessRefused = MembershipRefused

# A view that accepts keys for some methods, called by a key with another method.
KEY_NOT_ALLOWED = "API keys cannot use this endpoint."


def insufficient_scope_message(missing: list[str]) -> str:
    return f"This API key lacks the scope {', '.join(missing)} needed here."

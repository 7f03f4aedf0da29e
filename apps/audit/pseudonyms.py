"""The audit pseudonym vault: personal values in audit rows are stored as ``pii:<hmac>``.

At write time ``audit_record`` replaces personal values (by key: email, names, phone, IP, user
agent; and any string that looks like an email address, whatever its key) with a stable pseudonym
``pii:<hmac-sha256(key, subject_id|value)>`` and keeps the real value, encrypted, in ``PiiVault``.
The chain hash covers the pseudonymised payload, so erasing a person (deleting their vault rows)
leaves every hash valid: only the pseudonym remains. Displays resolve pseudonyms with
``pii_reveal`` / ``pii_reveal_many``; an erased value shows as ``ERASED``.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from apps.core.crypto import secret_decrypt, secret_encrypt

PREFIX = "pii:"
ERASED = "[erased]"
PII_KEYS = frozenset(
    {
        "email",
        "full_name",
        "first_name",
        "last_name",
        "name_on_card",
        "phone",
        "phone_number",
        "mobile",
        "ip",
        "ip_address",
        "user_agent",
        "recipient",
        "to_email",
        "billing_email",
        "contact_email",
    }
)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An email address inside free text ("invited bob@x.com"): replaced in place by its pseudonym.
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PSEUDONYM_IN_TEXT = re.compile(re.escape(PREFIX) + r"[0-9a-f]{64}")


def _key() -> bytes:
    custom = getattr(settings, "AUDIT_PSEUDONYM_KEY", "")
    return (custom or f"audit-pseudonym:{settings.SECRET_KEY}").encode()


def _normalise(value: str) -> str:
    return value.strip().lower()


def value_digest(value: str) -> str:
    """The subject-independent digest erasure uses to find every pseudonym of a value."""
    return hmac.new(_key(), f"value|{_normalise(value)}".encode(), hashlib.sha256).hexdigest()


def pseudonym_for(value: str, subject_id: Any = None) -> str:
    subject = str(subject_id) if subject_id else ""
    return PREFIX + hmac.new(_key(), f"{subject}|{value}".encode(), hashlib.sha256).hexdigest()


def is_pseudonym(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX) and len(value) == len(PREFIX) + 64


class Pseudonymiser:
    """Collects the (pseudonym -> value) pairs of one audit event, then stores them in one query."""

    def __init__(self, subject_id: Any = None) -> None:
        self.subject_id = subject_id
        self.pending: dict[str, str] = {}

    def value(self, value: Any) -> Any:
        if not isinstance(value, str) or not value or is_pseudonym(value):
            return value
        pseudonym = pseudonym_for(value, self.subject_id)
        self.pending[pseudonym] = value
        return pseudonym

    def payload(self, data: Any, *, personal: bool = False) -> Any:
        if isinstance(data, dict):
            return {k: self.payload(v, personal=str(k).lower() in PII_KEYS) for k, v in data.items()}
        if isinstance(data, list):
            return [self.payload(v, personal=personal) for v in data]
        if isinstance(data, str) and (personal or _EMAIL_RE.match(data.strip())):
            return self.value(data)
        if isinstance(data, str) and "@" in data:
            return _EMAIL_IN_TEXT.sub(lambda match: self.value(match.group(0)), data)
        return data

    @staticmethod
    def store(*pseudonymisers: "Pseudonymiser") -> None:
        """Write the pending vault rows of every pseudonymiser in one INSERT (none if nothing is personal)."""
        from .models import PiiVault

        rows = [
            PiiVault(
                pseudonym=pseudonym,
                subject_id=p.subject_id,
                value_digest=value_digest(value),
                value_encrypted=secret_encrypt(value),
            )
            for p in pseudonymisers
            for pseudonym, value in p.pending.items()
        ]
        if rows:
            PiiVault.objects.bulk_create(rows, ignore_conflicts=True)


def _collect(data: Any, into: set[str]) -> None:
    if isinstance(data, dict):
        for item in data.values():
            _collect(item, into)
    elif isinstance(data, list):
        for item in data:
            _collect(item, into)
    elif isinstance(data, str) and PREFIX in data:
        into.update(_PSEUDONYM_IN_TEXT.findall(data))


def pii_lookup(pseudonyms: Iterable[str]) -> dict[str, str]:
    """pseudonym -> real value (or ERASED) in one query."""
    from .models import PiiVault

    wanted = {p for p in pseudonyms if is_pseudonym(p)}
    if not wanted:
        return {}
    found = dict(PiiVault.objects.filter(pseudonym__in=wanted).values_list("pseudonym", "value_encrypted"))
    return {p: (secret_decrypt(found[p]) if p in found else ERASED) for p in wanted}


def pii_reveal_many(*payloads: Any) -> list[Any]:
    """Resolve every pseudonym inside the payloads with ONE query; returns the payloads in order."""
    pseudonyms: set[str] = set()
    for payload in payloads:
        _collect(payload, pseudonyms)
    values = pii_lookup(pseudonyms)

    def _swap(data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _swap(v) for k, v in data.items()}
        if isinstance(data, list):
            return [_swap(v) for v in data]
        if isinstance(data, str) and PREFIX in data:
            return _PSEUDONYM_IN_TEXT.sub(lambda match: values.get(match.group(0), match.group(0)), data)
        return data

    return [_swap(payload) for payload in payloads]


def pii_reveal(value: Any) -> Any:
    return pii_reveal_many(value)[0]


def pii_vault_erase(*, subject_id: Any, values: Iterable[str] = ()) -> int:
    """Delete the vault rows of a subject and of the given values (emails, names): returns rows deleted."""
    from django.db.models import Q

    from .models import PiiVault

    digests = [value_digest(v) for v in values if v]
    condition = Q(subject_id=subject_id)
    if digests:
        condition |= Q(value_digest__in=digests)
    deleted, _ = PiiVault.objects.filter(condition).delete()
    return deleted

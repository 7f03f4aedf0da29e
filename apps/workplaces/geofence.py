"""Geofence maths, pure functions (no database, no GIS library): is a reported position inside a fence?

A fence is a circle (centre and radius in metres) or a polygon (3 to 200 [lat, lng] vertices).
`verdict(fence, lat, lng, accuracy_m)` answers `inside`, `outside` or `uncertain` with `distance_m`,
the distance from the position to the fence's boundary (never negative; the verdict says which side):

- circles: the haversine distance to the centre, compared with the radius;
- polygons: the vertices and the position are projected on an azimuthal equidistant plane centred on
  the vertices' spherical mean, then a ray-casting point-in-polygon test and the minimum distance to
  the edges in that plane. Centring the projection on the fence itself handles the antimeridian
  (longitudes 179.9 and -179.9 are neighbours there, with no unwrapping to get wrong) and the poles
  (a fence around a pole is just a fence around the plane's origin).
- `uncertain`: the accuracy circle (radius `accuracy_m` around the position) crosses the boundary,
  i.e. `accuracy_m > distance_m`; the device cannot tell which side it is on.

Limits (docs/workplaces.md): polygon edges are straight in the projection, not great-circle arcs;
for a fence whose vertices lie within `POLYGON_MAX_SPAN_M` of its centre the difference is below a
metre. Distances to a polygon from far away (hundreds of km) are approximate, which never changes an
`outside` verdict. The Earth is a sphere of radius 6,371,008.8 m (the mean radius): up to 0.5 %
from the ellipsoid, a few metres on a site-sized fence.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from apps.core.geodesy import haversine_m

RADIUS_MIN_M = 10
RADIUS_MAX_M = 100_000
VERTICES_MIN = 3
VERTICES_MAX = 200
POLYGON_MAX_SPAN_M = 50_000  # a vertex further than this from the fence's centre is refused

Status = Literal["inside", "outside", "uncertain"]
Point = tuple[float, float]  # (lat, lng) in degrees


@dataclass(frozen=True)
class Circle:
    lat: float
    lng: float
    radius_m: float


@dataclass(frozen=True)
class Polygon:
    vertices: tuple[Point, ...]


Fence = Circle | Polygon


@dataclass(frozen=True)
class Verdict:
    status: Status
    distance_m: float  # to the boundary, >= 0


def coordinates_valid(lat: float, lng: float) -> bool:
    return all(math.isfinite(value) for value in (lat, lng)) and -90 <= lat <= 90 and -180 <= lng <= 180


def spherical_mean(points: Sequence[Point]) -> Point | None:
    """The normalised mean of the points' unit vectors, as (lat, lng); None when they cancel out."""
    x = y = z = 0.0
    for lat, lng in points:
        phi, lmb = math.radians(lat), math.radians(lng)
        x += math.cos(phi) * math.cos(lmb)
        y += math.cos(phi) * math.sin(lmb)
        z += math.sin(phi)
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-9 * len(points):
        return None
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def project(centre: Point, lat: float, lng: float) -> tuple[float, float]:
    """Azimuthal equidistant projection around `centre`: (x east, y north) in metres."""
    phi1, phi2 = math.radians(centre[0]), math.radians(lat)
    dlmb = math.radians(lng - centre[1])
    distance = haversine_m(centre[0], centre[1], lat, lng)
    azimuth = math.atan2(
        math.sin(dlmb) * math.cos(phi2),
        math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlmb),
    )
    return distance * math.sin(azimuth), distance * math.cos(azimuth)


def _segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _contains(px: float, py: float, ring: Sequence[tuple[float, float]]) -> bool:
    inside = False
    j = len(ring) - 1
    for i, (xi, yi) in enumerate(ring):
        xj, yj = ring[j]
        if (yi > py) != (yj > py) and px < (xj - xi) * (py - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _polygon_position(polygon: Polygon, lat: float, lng: float) -> tuple[bool, float]:
    centre = spherical_mean(polygon.vertices)
    if centre is None:
        raise ValueError("The polygon's vertices cancel out; it has no centre.")
    ring = [project(centre, vlat, vlng) for vlat, vlng in polygon.vertices]
    px, py = project(centre, lat, lng)
    edges = zip(ring, ring[1:] + ring[:1], strict=True)
    distance = min(_segment_distance(px, py, ax, ay, bx, by) for (ax, ay), (bx, by) in edges)
    return _contains(px, py, ring), distance


def verdict(fence: Fence, lat: float, lng: float, accuracy_m: float = 0.0) -> Verdict:
    """Where (lat, lng), reported with a GPS accuracy radius of `accuracy_m`, is against the fence."""
    if not coordinates_valid(lat, lng):
        raise ValueError("Latitude must be within [-90, 90] and longitude within [-180, 180].")
    if not math.isfinite(accuracy_m) or accuracy_m < 0:
        raise ValueError("The accuracy must be a distance in metres, 0 or more.")
    if isinstance(fence, Circle):
        from_centre = haversine_m(fence.lat, fence.lng, lat, lng)
        inside, distance = from_centre <= fence.radius_m, abs(from_centre - fence.radius_m)
    else:
        inside, distance = _polygon_position(fence, lat, lng)
    if accuracy_m > distance:
        return Verdict("uncertain", round(distance, 1))
    return Verdict("inside" if inside else "outside", round(distance, 1))


def _segments_cross(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float], d: tuple[float, float]
) -> bool:
    def orient(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    d1, d2, d3, d4 = orient(c, d, a), orient(c, d, b), orient(a, b, c), orient(a, b, d)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4)


def polygon_problems(vertices: Sequence[Sequence[float]]) -> list[str]:
    """Why these vertices do not make a usable fence (empty when they do)."""
    if not isinstance(vertices, Sequence) or not VERTICES_MIN <= len(vertices) <= VERTICES_MAX:
        return [f"A polygon needs {VERTICES_MIN} to {VERTICES_MAX} vertices."]
    points: list[Point] = []
    for index, vertex in enumerate(vertices, start=1):
        if (
            not isinstance(vertex, Sequence)
            or len(vertex) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in vertex)
            or not coordinates_valid(float(vertex[0]), float(vertex[1]))
        ):
            return [f"Vertex {index} is not a [latitude, longitude] pair within [-90, 90] and [-180, 180]."]
        points.append((float(vertex[0]), float(vertex[1])))
    centre = spherical_mean(points)
    if centre is None:
        return ["The vertices are spread around the globe; a fence is a small area."]
    if any(haversine_m(*centre, *point) > POLYGON_MAX_SPAN_M for point in points):
        return [f"Every vertex must lie within {POLYGON_MAX_SPAN_M // 1000} km of the fence's centre."]
    ring = [project(centre, *point) for point in points]
    n = len(ring)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # neighbours through the closing edge
            if _segments_cross(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]):
                return [f"The polygon's edges cross (edge {i + 1} and edge {j + 1}); list the vertices in order."]
    area2 = sum(ax * by - bx * ay for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True))
    if abs(area2) / 2 < 1.0:
        return ["The polygon has no area (its vertices are on one line or repeated)."]
    return []

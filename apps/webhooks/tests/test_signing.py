"""Signatures: HMAC-SHA256 over f"{t}.{body}", verified by receivers; both secrets during a rotation overlap."""

import time

from apps.webhooks.signing import signature_header, signature_of, signature_verify

BODY = b'{"type":"invoice.paid"}'


def test_header_verifies_with_its_secret_and_not_another():
    header = signature_header(["whsec_a"], BODY)
    assert signature_verify(header=header, body=BODY, secret="whsec_a")
    assert not signature_verify(header=header, body=BODY, secret="whsec_b")
    assert not signature_verify(header=header, body=BODY + b" ", secret="whsec_a")


def test_signature_is_hmac_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"whsec_a", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert signature_of("whsec_a", 1700000000, BODY) == expected
    assert signature_header(["whsec_a"], BODY, timestamp=1700000000) == f"t=1700000000,v1={expected}"


def test_old_timestamps_are_refused():
    header = signature_header(["whsec_a"], BODY, timestamp=int(time.time()) - 3600)
    assert not signature_verify(header=header, body=BODY, secret="whsec_a")


def test_overlap_header_carries_two_signatures_each_verifies():
    header = signature_header(["whsec_new", "whsec_old"], BODY)
    assert header.count("v1=") == 2
    assert signature_verify(header=header, body=BODY, secret="whsec_new")
    assert signature_verify(header=header, body=BODY, secret="whsec_old")


def test_malformed_headers_are_refused():
    for header in ["", "v1=abc", "t=abc,v1=abc", "t=1,t=2,v1=abc"]:
        assert not signature_verify(header=header, body=BODY, secret="whsec_a")

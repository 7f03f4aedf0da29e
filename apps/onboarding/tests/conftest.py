import secrets

import pytest

from apps.reference.models import Country, Industry
from apps.reference.tests.abr_stub import abr_stub  # noqa: F401
from apps.tenancy.models import Plan

ACTIVE_ABN = "53004085616"  # fixtures/abr: ACME HOLDINGS PTY LTD, active, two business names, GST
CANCELLED_ABN = "70712345670"  # fixtures/abr: OLD ROSTERS PTY LTD, cancelled


@pytest.fixture
def countries(db):
    for code, name, currency in (("AU", "Australia", "AUD"), ("NZ", "New Zealand", "NZD"), ("FR", "France", "EUR"),
                                 ("AQ", "Antarctica", "XXX")):  # fmt: skip
        Country.objects.get_or_create(code=code, defaults={"name": name, "currency_code": currency})


@pytest.fixture
def industry(db):
    return Industry.objects.get_or_create(code="professional-services", defaults={"name": "Professional services"})[0]


@pytest.fixture
def plan(db):
    return Plan.objects.create(name="signup-starter", display_name="Starter", price_monthly=49, trial_days=14,
                               max_users=5)  # fmt: skip


@pytest.fixture
def abr_down(settings):
    """The register cannot be reached: nothing listens on this port."""
    settings.ABR_BASE_URL = "http://127.0.0.1:9/json/"
    settings.ABR_GUID = "test-guid"
    settings.ABR_TIMEOUT_SECONDS = 0.5


def fresh_ip() -> str:
    """An address no earlier run used: allauth's per-IP signup budget lives in the (shared) cache."""
    return "10." + ".".join(str(secrets.randbelow(254) + 1) for _ in range(3))


def fresh_email(name: str) -> str:
    """An address no earlier run used: allauth's confirmation cooldown (one mail per address per 3 minutes)."""
    return f"{name}-{secrets.token_hex(4)}@example.test"

import base64

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from apps.branding.selectors import branding_cache_clear
from apps.tenancy.models import Plan

# A real 1 x 1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#f00"/></svg>'


def png_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(PNG).decode()


@pytest.fixture(autouse=True)
def _branding_cache_is_fresh(db):
    """The cache (Redis) outlives each test's rolled-back transaction: start and end clean."""

    def clear() -> None:
        for schema in ("t_acme", "t_globex"):
            with schema_context(schema):
                branding_cache_clear()
        connection.set_schema_to_public()  # type: ignore[attr-defined]

    clear()
    yield
    clear()


@pytest.fixture
def private_label(acme):
    """Acme on a plan with the private label flag."""
    plan = Plan.objects.create(
        name="branding-test-enterprise", display_name="Enterprise (test)",
        features={"solutions": [], "flags": {"private_label": True}},
    )  # fmt: skip
    type(acme).objects.filter(pk=acme.pk).update(plan=plan)
    acme.plan = plan
    return plan


@pytest.fixture
def no_private_label(acme):
    plan = Plan.objects.create(
        name="branding-test-starter", display_name="Starter (test)",
        features={"solutions": [], "flags": {"private_label": False}},
    )  # fmt: skip
    type(acme).objects.filter(pk=acme.pk).update(plan=plan)
    acme.plan = plan
    return plan

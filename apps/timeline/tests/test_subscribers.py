"""The timeline's domain-event subscriber: a tenant's status event drops its schema memo."""

import pytest

from apps.core.events import publish
from apps.timeline import selectors

pytestmark = pytest.mark.django_db


def test_the_schema_memo_saves_a_query_and_a_status_event_forgets_it(
    acme, django_assert_num_queries, django_capture_on_commit_callbacks
):
    selectors.tenant_schema_forget({acme.pk})
    with django_assert_num_queries(1):
        assert selectors.tenant_schema_known(acme)
    with django_assert_num_queries(0):
        assert selectors.tenant_schema_known(acme)
    with django_capture_on_commit_callbacks(execute=True):
        publish("tenant.suspended", {"id": str(acme.pk)}, tenant=acme)
    assert (acme.pk, acme.schema_name) not in selectors._SCHEMA_KNOWN
    type(acme).objects.filter(pk=acme.pk).exists()  # back on public (the notifications fan-out visited acme's schema)
    with django_assert_num_queries(1):
        assert selectors.tenant_schema_known(acme)

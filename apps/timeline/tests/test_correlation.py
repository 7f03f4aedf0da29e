"""Every timeline source follows a correlation id: none drops out of a correlation-filtered page."""

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model

from apps.core.correlation import correlation_scope, get_correlation_id
from apps.core.signals import HEADER
from apps.core.tasks import current_schema
from apps.timeline.selectors import timeline_page, timeline_sources
from apps.timeline.sources import STAFF, TENANT, registered_sources

from .conftest import minutes

pytestmark = pytest.mark.django_db

# Sources that may not follow a correlation id, each with its reason. Keep it empty: a source without
# one vanishes from every page filtered by a request id (issue 13 point 5).
NO_CORRELATION: dict[str, str] = {}


def _field(model: type[Model], path: str) -> object:
    """The model field at the end of a `a__b` path (raises FieldDoesNotExist)."""
    *relations, last = path.split("__")
    for name in relations:
        model = model._meta.get_field(name).related_model  # type: ignore[assignment]
    return model._meta.get_field(last)


def test_every_registered_source_follows_a_correlation_id():
    sources = registered_sources()
    assert {
        "audit",
        "auth",
        "provisioning",
        "invoice_issued",
        "invoice_paid",
        "payment",
        "subscription_change",
        "email",
        "ticket",
        "ticket_message",
        "history_tenant",
        "history_membership",
    } <= {s.name for s in sources}
    missing = []
    for source in sources:
        if source.name in NO_CORRELATION:
            continue
        model = source.model()
        assert model is not None, source.name
        try:
            assert source.correlation_field is not None
            _field(model, source.correlation_field)
        except (AssertionError, FieldDoesNotExist):
            missing.append(source.name)
    assert missing == [], f"sources without a correlation column: {missing}"


def test_a_correlation_filter_queries_every_source_and_finds_only_that_id(acme, audit_at, auth_at):
    audit_at(acme, minutes(1), action="test.one", correlation_id="req-a")
    audit_at(acme, minutes(2), action="test.two", correlation_id="req-b")
    auth_at(acme, minutes(3), correlation_id="req-a")
    for audience in (STAFF, TENANT):
        for source in timeline_sources(tenant=acme, audience=audience):
            query = source.queryset(tenant=acme, audience=audience, actor=None, since=None, until=None,
                                    correlation_id="req-a", cursor=None, limit=5)  # fmt: skip
            assert query is not None, f"{source.name} drops out of a correlation-filtered page"
    page = timeline_page(tenant=acme, correlation_id="req-a")
    assert [(entry.source, entry.correlation_id) for entry in page.entries] == [("auth", "req-a"), ("audit", "req-a")]


def test_an_eager_task_keeps_the_callers_id_and_a_sent_header_wins():
    with correlation_scope("req-caller"):
        assert current_schema.apply().get()["correlation_id"] == "req-caller"
        sent = current_schema.apply(headers={HEADER: "req-sent"}).get()
        assert sent["correlation_id"] == "req-sent"
        assert get_correlation_id() == "req-caller"  # restored after the task
    alone = current_schema.apply().get()["correlation_id"]
    assert alone and alone != "req-caller"  # no caller id: the task gets one of its own

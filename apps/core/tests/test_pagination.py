"""CappedCountPaginator: an exact count up to its cap, a bounded one past it, in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.pagination import CappedCountPaginator
from apps.security.models import AuthEvent

pytestmark = pytest.mark.django_db


class _Small(CappedCountPaginator):
    cap = 3


def _events(n: int) -> None:
    AuthEvent.objects.bulk_create(AuthEvent(kind=AuthEvent.Kind.LOGIN_FAILED, email=f"p{i}@x.test") for i in range(n))


def test_below_the_cap_the_count_is_exact():
    _events(2)
    assert _Small(AuthEvent.objects.order_by("-id"), 1).count == 2


def test_past_the_cap_the_count_stops_there_in_one_limited_query():
    _events(5)
    paginator = _Small(AuthEvent.objects.order_by("-id"), 1)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3 and paginator.num_pages == 3
    (query,) = queries.captured_queries
    assert "LIMIT 3" in query["sql"] and "ORDER BY" not in query["sql"]
    assert len(paginator.page(3).object_list) == 1


def test_a_list_is_counted_as_it_is():
    assert CappedCountPaginator(list(range(12)), 5).num_pages == 3

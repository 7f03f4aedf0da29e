"""Page-number pagination whose COUNT is bounded, for lists over big shared tables (auth events...)."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts over a LIMITed subquery (`SELECT COUNT(*) FROM (... LIMIT cap)`): exact for lists of up to
    `cap` rows, and never more work than reading `cap` rows of the index for longer ones, whose page
    links then stop at the cap (filters narrow them). Never more work than Django's exact COUNT(*)."""

    cap = COUNT_CAP

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        rows: Any = self.object_list
        if isinstance(rows, QuerySet):
            return rows.order_by()[: self.cap].count()
        return len(rows)

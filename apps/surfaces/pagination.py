"""The one pagination of the tenant API: keyset (cursor) pages, newest first unless the view says.

Stable and fast at any depth, never a COUNT(*). A view that lists in another order declares
`cursor_ordering` (a tuple of fields that ends with a unique one) instead of a pagination class.
"""

from typing import Any

from rest_framework.pagination import CursorPagination


class TenantCursorPagination(CursorPagination):
    ordering: Any = ("-created_at", "-pk")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        declared = getattr(view, "cursor_ordering", None)
        if declared:
            return tuple(declared)
        return super().get_ordering(request, queryset, view)  # type: ignore[no-any-return]

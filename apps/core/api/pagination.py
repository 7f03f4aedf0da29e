from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pagination: stable and fast at any depth, and never runs COUNT(*) over a big table."""

    ordering = ("-created_at", "-pk")
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

"""Cursor pagination for the large lists: a page costs the same at row 25 as at row 400,000
(no OFFSET, no COUNT(*)), and rows added meanwhile do not shift the pages."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        """The view's order (the page's sort), which ends in a unique column."""
        ordering = getattr(view, "get_cursor_ordering", None)
        return tuple(ordering(request)) if ordering else self.ordering

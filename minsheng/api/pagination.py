"""Stable pagination: a cursor over (submitted_at, id) for messages, pages for the
directory."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class MessageCursor(CursorPagination):
    ordering = ("-submitted_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class DirectoryPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

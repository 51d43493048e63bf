"""Stable pagination: a cursor over (submitted_at, id) for messages (over (supported_at,
id) for the ones a citizen supported, over id for the staff inbox's ?order=id), pages for the directory."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

INVALID_CURSOR = "无效的游标: 请使用上一页响应中 next 或 previous 给出的地址"


class MessageCursor(CursorPagination):
    ordering = ("-submitted_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def decode_cursor(self, request):
        """A cursor we did not issue is a bad parameter (400), not a missing page; a
        position that is no date-time would otherwise reach the query as a 500."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            cursor = None
        else:
            if cursor is None or cursor.position is None or self.valid_position(cursor.position):
                return cursor
        raise serializers.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})

    @staticmethod
    def valid_position(position: str) -> bool:
        """Whether a cursor's position is a value of the first ordering field (a date-time here)."""
        return _is_datetime(position)


class InboxCursor(MessageCursor):
    """本单位待办 (?box=unit): by the case's next deadline, as the inbox page lists it (the 签收 deadline
    while unsigned, else the reply deadline: board.views.staff.next_deadline), the oldest first on a tie."""

    ordering = ("next_due", "submitted_at", "id")


class IdCursor(MessageCursor):
    """?order=id (the staff inbox): by id, the oldest first. A case keeps its place whatever happens to it
    (signed, extended, transferred: its deadline moves, its id does not), so a walk through the pages meets
    each case that stays in the list exactly once."""

    ordering = ("id",)

    @staticmethod
    def valid_position(position: str) -> bool:
        return position.isascii() and position.isdigit() and int(position) < 2**63


class SupportCursor(MessageCursor):
    """我也遇到的: by when the caller said 我也遇到 (``supported_at``), latest first."""

    ordering = ("-supported_at", "-id")


def _is_datetime(value: str) -> bool:
    try:
        return parse_datetime(value) is not None
    except ValueError:  # well formed, but no such date (2026-13-45)
        return False


class DirectoryPages(PageNumberPagination):
    page_size = 50
    # DRF's 「无效页面。」 said neither which page nor why: a client stepping past the end reads it here
    invalid_page_message = "第 {page_number} 页不存在: 已超出最后一页 (请按响应中的 next 链接翻页, 直到没有下一页)"
    page_size_query_param = "page_size"
    max_page_size = 200

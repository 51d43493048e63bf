"""Stable pagination: a cursor over the whole place of a row — (submitted_at, id) for messages, (supported_at,
id) for the ones a citizen supported, the whole order for the staff inbox's box=unit, with or without
?ordering= —, over id for the staff inbox's ?order=id; pages for the directory."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

INVALID_CURSOR = "无效的游标: 请使用上一页响应中 next 或 previous 给出的地址"


class ValidatedPageSize:
    """``page_size`` as the query's check (an IntegerField) reads it: ``1.0`` is 1. DRF's paginator read the
    text again with int(), failed on ``1.0`` and served its default page (an integrator's walk, 2026-12-05)."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        try:
            size = int(serializers.IntegerField.re_decimal.sub("", raw))
        except ValueError:
            return self.page_size  # none given (an out-of-range or unreadable one is the query's 400)
        return min(size, self.max_page_size) if size > 0 else self.page_size


class ApiCursor(ValidatedPageSize, CursorPagination):
    """The API's cursors: their page size, and a cursor we did not issue a 400 naming ``cursor``."""

    ordering = ("-id",)
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
            # characters base64 does not use (``!!!!``) decode to nothing: no place, no offset — the first page,
            # which no cursor names (an integrator's walk, 2026-12-05: it was answered as if none was sent)
            named_nothing = (cursor is not None and cursor.position is None and not cursor.offset
                             and request.query_params.get(self.cursor_query_param, "") != "")  # `?cursor=`: none
            if cursor is None or (cursor.position is None and not named_nothing) or (
                    cursor.position is not None and self.valid_position(cursor.position)):
                return cursor
        raise serializers.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})

    def valid_position(self, position: str) -> bool:
        """Whether a cursor's position is one this cursor issues (each cursor says)."""
        raise NotImplementedError


class IdCursor(ApiCursor):
    """?order=id (the staff inbox): by id, the oldest first. A case keeps its place whatever happens to it
    (signed, extended, transferred: its deadline moves, its id does not), so a walk through the pages meets
    each case that stays in the list exactly once."""

    ordering = ("id",)

    @staticmethod
    def valid_position(position: str) -> bool:
        return position.isascii() and position.isdigit() and int(position) < 2**63


class PlaceCursor(ApiCursor):
    """A cursor over ``order`` ([(name, expression, descending)], the last the id: a total order; an empty value
    the greatest, on both databases, as board.views.inbox_sort.order_by_sort orders), named ``sort``. Its values
    tie (one 领域, one 承办人 for hundreds of cases; messages of one moment), so the cursor holds the whole place
    of the page's last row — every value of the order — and the next page is what comes after it in that order
    (DRF's cursor holds the first value and counts the ties, up to 1,000: past that, pages repeated; and walking
    back through a tie it skipped a row). A cursor of another order, or whose values are not the order's, is a
    400 naming ``cursor``."""

    def __init__(self, sort: str, order: list[tuple]):
        self.sort, self.order = sort, order

    def valid_position(self, position: str) -> bool:
        return self._values(position) is not None

    def _values(self, position: str) -> list | None:
        try:
            place = json.loads(position)
        except ValueError:
            return None
        if not (isinstance(place, dict) and place.get("o") == self.sort and isinstance(place.get("v"), list)
                and len(place["v"]) == len(self.order)):
            return None
        return place["v"]

    def _no_row_there(self, queryset, values: list) -> bool:
        """Whether ``values`` leave empty a column no row has empty (submitted_at, the id): no page ends there, so
        no cursor we issue names it (``{"v": [null, null]}`` read as a place past every message; 2026-12-05)."""
        return any(value is None and not empty for value, empty in zip(values, _nullable(queryset, self.order),
                                                                     strict=True))

    def _get_position_from_instance(self, instance, ordering):
        values = [getattr(instance, name) for name, _, _ in self.order]
        return json.dumps({"o": self.sort, "v": [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]},
                          ensure_ascii=False, separators=(",", ":"))

    def paginate_queryset(self, queryset, request, view=None):
        from minsheng.board.views.inbox_sort import order_by_sort

        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = tuple(("-" if desc else "") + name for name, _, desc in self.order)
        self.cursor = self.decode_cursor(request)
        offset, reverse, position = self.cursor if self.cursor is not None else (0, False, None)
        if offset:  # every place is a row's own: this cursor never counts rows
            raise serializers.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
        # a cursor for the page before: the rows before the place, nearest first (turned round below)
        order = [(name, expr, desc != reverse) for name, expr, desc in self.order]
        queryset = order_by_sort(queryset, order)
        if position is not None:
            values = self._values(position)
            if not _typed(queryset, order, values) or self._no_row_there(queryset, values):  # (a 500: refused)
                raise serializers.ValidationError({self.cursor_query_param: [INVALID_CURSOR]})
            queryset = queryset.filter(_after(order, _in_utc(queryset, order, values), _nullable(queryset, order)))
        results = list(queryset[:self.page_size + 1])
        self.page = results[:self.page_size]
        following = self._get_position_from_instance(results[-1], None) if len(results) > len(self.page) else None
        if reverse:
            self.page.reverse()
            self.has_next, self.has_previous = position is not None, following is not None
            self.next_position, self.previous_position = position, following
        else:
            self.has_next, self.has_previous = following is not None, position is not None
            self.next_position, self.previous_position = following, position
        return self.page


def _after(order: list[tuple], values: list, nullable: list[bool] | None = None) -> Q:
    """The rows after ``values`` in ``order`` ([(name, expression, descending)]; an empty value the greatest,
    as staff.order_by_sort lists it): greater in the first value, or equal there and greater in the next…
    ``nullable``: whether each column can be empty (all, where not said); one that cannot is not asked
    「… OR x IS NULL」."""
    nullable = nullable or [True] * len(order)
    after, equal = Q(pk__in=[]), Q()
    for (name, _, desc), value, empty in zip(order, values, nullable, strict=True):
        if value is None:
            beyond = Q(**{f"{name}__isnull": False}) if desc else Q(pk__in=[])
            same = Q(**{f"{name}__isnull": True})
        else:
            beyond = Q(**{f"{name}__lt": value}) if desc else Q(**{f"{name}__gt": value})
            if not desc and empty:
                beyond |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        after |= equal & beyond
        equal &= same
    # the same rows, bounded in the first value too, so that the database seeks its index to the place (the OR
    # above alone does not say where to start). A late page of /messages/ at 100,000 messages: 1 ms on SQLite
    # and 11 ms on PostgreSQL, 270 ms and 370 ms without. The page before (ascending) asked 「>= … OR IS NULL」
    # of submitted_at, which can never be empty, and neither database sought its index with that OR: 130 ms
    # and 110 ms (review, 2026-12-05)
    (name, _, desc), first = order[0], values[0]
    if first is not None:
        bound = Q(**{f"{name}__lte": first}) if desc else Q(**{f"{name}__gte": first})
        if not desc and nullable[0]:
            bound |= Q(**{f"{name}__isnull": True})
        after &= bound
    return after


def _nullable(queryset, order: list[tuple]) -> list[bool]:
    """Whether each column of ``order`` can be empty in ``queryset``: not a column of the listed table that
    cannot be null (submitted_at, the id); anything else (a computed deadline, a joined table's column) may."""
    query = queryset.query
    kinds = []
    for name, _, _ in order:
        expression = query.annotations[name]
        target, alias = getattr(expression, "target", None), getattr(expression, "alias", None)
        kinds.append(target is None or target.null or alias != query.base_table)
    return kinds


def _in_utc(queryset, order: list[tuple], values: list) -> list:
    """``values`` with each date-time as the moment in UTC: an offset Python reads and PostgreSQL refuses (beyond
    ±15:59, 「time zone displacement out of range」) was a 500 there (review, 2026-12-05)."""
    kinds = [queryset.query.annotations[name].output_field.get_internal_type() for name, _, _ in order]
    return [parse_datetime(value).astimezone(dt.UTC) if kind == "DateTimeField" and value is not None else value
            for kind, value in zip(kinds, values, strict=True)]


def _typed(queryset, order: list[tuple], values: list | None) -> bool:
    """Whether each of a cursor's ``values`` is of its column's type: a date-time with its offset (within the
    calendar in UTC), an integer, text without NUL (PostgreSQL refuses one) or a lone surrogate, or null."""
    if values is None:
        return False
    for (name, _, _), value in zip(order, values, strict=True):
        kind = queryset.query.annotations[name].output_field.get_internal_type()
        if value is None:
            continue
        if kind == "DateTimeField":
            if not (isinstance(value, str) and _is_datetime(value) and parse_datetime(value).tzinfo is not None):
                return False
        elif kind.endswith(("IntegerField", "AutoField")):
            if not (type(value) is int and -(2**63) <= value < 2**63):
                return False
        elif not (isinstance(value, str) and "\x00" not in value and len(value) <= 200 and _encodes(value)):
            return False
    return True


def _encodes(text: str) -> bool:
    """Whether ``text`` can be sent to the database: JSON's \\ud800 decodes to a lone surrogate, which no
    database encoding takes (a 500 on both, review of 2026-12-05)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    """Whether ``value`` is a date-time the database can be asked about: one whose offset takes it past the
    calendar (9999-12-31T23:59:59-14:00 is in the year 10000 in UTC, a naive 0001-01-01T00:00:00 in Beijing time
    in the year 0) is not: it was a 500 on SQLite (review, 2026-12-05)."""
    try:
        moment = parse_datetime(value)
        if moment is not None:  # a naive one is read in the site's time zone, as the query reads it
            (moment if moment.tzinfo else timezone.make_aware(moment)).astimezone(dt.UTC)
        return moment is not None
    except (ValueError, OverflowError):  # well formed, but no such date (2026-13-45), or past the calendar in UTC
        return False


class SortedInboxCursor(PlaceCursor):
    """The staff inbox's box=unit by its ?ordering= (without one: ``due``, the page's default order): the inbox
    page's ?sort= (board.views.inbox_sort.inbox_order: a column's values, then the next deadline, the submission
    and the id)."""


class MessageCursor(PlaceCursor):
    """Messages, the newest first: by (submitted_at, id). DRF's cursor held submitted_at alone and counted the
    messages of the same moment: walking back through a list whose first page ended among them (messages of
    one moment: an import, a batch) skipped one (audit of the API's lists, 2026-12-05), and past 1,000 of them
    pages repeated."""

    def __init__(self):
        super().__init__("submitted", [("cursor_submitted", F("submitted_at"), True), ("cursor_pk", F("pk"), True)])


class SupportCursor(PlaceCursor):
    """我也遇到的: by when the caller said 我也遇到 (``supported_at``), latest first, then the id."""

    def __init__(self):
        super().__init__("supported", [("cursor_supported", F("supported_at"), True), ("cursor_pk", F("pk"), True)])


class DirectoryPages(ValidatedPageSize, PageNumberPagination):
    page_size = 50
    # DRF's 「无效页面。」 said neither which page nor why: a client stepping past the end reads it here
    invalid_page_message = "第 {page_number} 页不存在: 已超出最后一页 (请按响应中的 next 链接翻页, 直到没有下一页)"
    page_size_query_param = "page_size"
    max_page_size = 200

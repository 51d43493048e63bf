"""The order of 本单位待办: the columns it sorts by (?sort= of the page and its export, ?ordering= of the API's
box=unit), the order each gives, and the headers' links. staff.py lists the inbox; the API's inbox and its
cursor (api.pagination.SortedInboxCursor) order by the same inbox_order."""

from __future__ import annotations

from django.db.models import Case, CharField, F, Value, When
from django.utils.http import urlencode

from minsheng.accounts.models import CLOSED_NAME
from minsheng.accounts.names import ByteOrder

# What 本单位待办 sorts by (?sort= of the page and its export, ?ordering= of the API's box=unit), ``-`` before a
# key for the reverse: the columns an officer plans the day by. 单位 is none (the ?unit= filter narrows the list
# to one of them), nor 状态 (its tabs) or a title (read, not ranked); the 签收 and reply deadlines are one key,
# the next deadline (next_deadline), as the list has always been ordered.
INBOX_SORTS = {"due": "剩余/超期", "submitted": "提交时间", "region": "区划", "topic": "领域", "handler": "承办人"}
DEFAULT_SORT = "due"


def parse_sort(raw: str) -> tuple[str, bool] | None:
    """A ?sort= (?ordering=) value: (its key in INBOX_SORTS, whether reversed), None for anything else."""
    key = raw[1:] if raw.startswith("-") else raw
    return (key, raw.startswith("-")) if key in INBOX_SORTS else None


def handler_name(prefix: str = "handler__"):
    """The 承办人 as a row names them (User.__str__), over the handler at ``prefix``; null for none."""
    return Case(When(**{f"{prefix}closed_at__isnull": False}, then=Value(CLOSED_NAME)),
                When(**{f"{prefix}display_name": ""}, then=F(f"{prefix}username")),
                default=F(f"{prefix}display_name"), output_field=CharField())


def handler_key(prefix: str = "handler__"):
    """The pinyin of that name (User.name_key), by which 承办人 are sorted; null for none."""
    return F(f"{prefix}name_key")


def inbox_order(key: str, reverse: bool, *, next_due, handler, handler_key, message: str = "message__"
                ) -> list[tuple]:
    """The inbox's order under the sort ``key``: [(name, expression, descending)], the column's values
    (``reverse``: the other way round), then on a tie the default order's (the next deadline, the older
    submission) and the row's pk, so that every order is total: a page never repeats or skips a row of the
    one before. ``next_due``, ``handler`` and ``handler_key``: those expressions over the rows listed (an
    assignment on the page, a case in the API; handler_name, handler_key); ``message``: the path to the case.
    A region by its code (GB/T 2260: a district's townships together, in the official order), a 领域 in the
    back office's order (its 排序, then code), a 承办人 by name in pinyin (李 单 王 曾 张: User.name_key, since
    2026-12-05; before, by character code), then by the name itself, byte by byte on both databases
    (ByteOrder); the empty (no 领域, 未指派) come last, first reversed."""
    columns = {
        "due": [("next_due", next_due)],
        "submitted": [("submitted", F(f"{message}submitted_at"))],
        "region": [("region", F(f"{message}region__code"))],
        "topic": [("topic_sort", F(f"{message}topic__sort")), ("topic", F(f"{message}topic__code"))],
        "handler": [("handler_key", ByteOrder(handler_key)), ("handler", ByteOrder(handler))],
    }
    order = [(f"sort_{name}", expr, reverse) for name, expr in columns[key]]
    for name, expr in [*columns["due"], *columns["submitted"], ("pk", F("pk"))]:
        if all(f"sort_{name}" != taken for taken, _, _ in order):
            order.append((f"sort_{name}", expr, False))
    return order


def order_by_sort(qs, order: list[tuple]):
    """``qs`` in ``order`` (inbox_order): an empty value is the greatest, on both databases (SQLite puts
    it first, PostgreSQL last)."""
    return qs.annotate(**{name: expr for name, expr, _ in order}).order_by(
        *[F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True) for name, _, desc in order])


def inbox_sort(request) -> str:
    """The inbox's ?sort= (a key of INBOX_SORTS, ``-`` before it reversed), DEFAULT_SORT for anything else."""
    raw = request.GET.get("sort", "")
    return raw if parse_sort(raw) else DEFAULT_SORT


def sort_headers(sort: str, place: dict) -> dict:
    """The inbox's column headers that sort it: for each key of INBOX_SORTS, the link (the inbox's ``place``,
    its tab, filters and search, in that order; the first page), ``aria`` (aria-sort of the column it sorts,
    "" for the others) and ``arrow``. A column's link sorts by it, ascending; the column it is sorted by,
    the other way round."""
    key, reverse = parse_sort(sort)
    headers = {}
    for column in INBOX_SORTS:
        current = column == key
        target = f"-{column}" if current and not reverse else column
        params = {k: v for k, v in place.items() if k != "sort"}
        if target != DEFAULT_SORT:
            params["sort"] = target
        headers[column] = {
            "href": urlencode(params), "aria": ("descending" if reverse else "ascending") if current else "",
            "arrow": ("▼" if reverse else "▲") if current else "",
            "next": "降序" if current and not reverse else "升序"}
    return headers

"""CSV and XLSX exports: message lists (personal data only for authorised staff, and
then recorded in the audit log), statistics tables and campaign reports.

CSV is streamed row by row (UTF-8 with BOM so that spreadsheet programs read the
Chinese text); XLSX is written with openpyxl's write-only workbook. Text that a
spreadsheet program would run as a formula (a citizen's title "=HYPERLINK(…)") is
written as plain text in both (``formula_like``).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, Value, prefetch_related_objects
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from minsheng.accounts.models import CLOSED_NAME
from minsheng.board.actions import cleared_kinds_of
from minsheng.board.models import Event, Message, MessageKind
from minsheng.board.moderation import mask, real_name
from minsheng.board.views.public import page_of
from minsheng.board.workflow import Status
from minsheng.directory.models import Unit
from minsheng.text_cut import cut

from .facts import working_days_late
from .figures import (
    NOT_DISPATCHED,
    Scope,
    clock,
    compute,
    missed_q,
    reported,
    sign_late_q,
    tabulate,
    topic_subtree_ids,
)
from .measures import MEASURE
from .models import MessageFact, Miss, OpenCase, SignFor

XLSX_MAX_ROWS = 200_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# measure -> condition on the message's fact (docs/statistics.md); "open": it has an open case
MEASURE_Q = {**{name: MEASURE[name].when for name in (
    "submitted", "received", "replied", "on_time", "evaluated", "satisfied", "reopened", "extended", "merged",
    "rejected", "withdrawn", "pending")}, "open": {}}  # the figures' own definitions (``measures.DECLARED``)
TIMED_MEASURES = {"overdue", "overdue_unreplied"}
# the lists of cases awaiting a reply: each is the unit's handling it now (its ``unit=`` and its
# column 主办单位), not the unit's credited with a first reply (docs/statistics.md)
HANDLING_MEASURES = {"open", *TIMED_MEASURES}
# 签收超期 (since 2026-12-06): a row per late sign-for (``figures.sign_late_q``), not per message: a case a unit
# signed late twice (sent to it again) is two rows, as 应签收 − 及时签收 counts it; ``unit=`` is the unit it was sent to
SIGN_MEASURES = {"sign_late"}
# 误期未答复 (since 2026-12-06, stats walk): a row per miss of 按时率, not per message, as ``figures`` counts them — each
# ``Miss`` of the scope (a unit gave the case up after its reply deadline had passed in its hands, for good) and each
# open case past a deadline of the unit handling it (``figures.missed_q``); ``unit=`` is the unit charged
MISS_MEASURES = {"missed"}
MISS_COLUMNS = ["误期单位", "误期情况"]  # the unit charged, and how: given back late, or unanswered past the deadline
MISS_WORDS = {False: "期限过后退回或转办", True: "超期未答复"}  # by whether the case is open in the unit's hands
# a late sign-for of a case its author withdrew since (counted: ``measures.SIGN_FOR_CATEGORIES``, since 2026-12-06
# (later)), or one 不予受理 since (counted since 2026-12-06, stats walk), is listed for everyone, its unit, 签收期限 and
# 签收时间 shown, but not what the public may not read: its title reads one of these, its text and link are left out
# (its public page answers 404), in the list, the API and the exports; in the API its 留言对象, type, 我也遇到 count
# and 督办 are null, in a public export its 类型 blank (since 2026-12-06 (fix)) and its 答复期限 too, which the list never
# shows (since 2026-12-06, stats misses); a staff export with contact details shows it whole
WITHDRAWN_TITLE = "留言人已撤回"
HIDDEN_TITLES = {Status.WITHDRAWN: WITHDRAWN_TITLE, Status.REJECTED: "未受理的留言"}
# the statuses of the cases counted in 签收超期 and 误期未答复, all listed (the hidden ones without their text)
LISTED_STATUSES = {*Status.public(), *HIDDEN_TITLES}
MEASURE_LABELS = {
    "submitted": "全部", "received": "受理", "replied": "已答复", "on_time": "按时答复", "evaluated": "已评价",
    "satisfied": "满意", "reopened": "重办", "extended": "延期", "merged": "并单", "rejected": "未受理",
    "withdrawn": "撤回", "pending": "待审核", "open": "待答复", "overdue": "超期未答复",
    "overdue_unreplied": "超期从未答复", "sign_late": "签收超期", "missed": "误期未答复",
}
def message_title(measure: str) -> str:
    """What a message export lists, as its page's heading says it: its sheet's and its file's name
    (「超期未答复」, 「已答复留言」; before 2026-12-06 every one was 「messages-…」, its sheet 「留言」)."""
    label = MEASURE_LABELS.get(measure, measure)
    return label if measure in TIMED_MEASURES else f"{label}留言"


PUBLIC_MEASURES = {"received", "replied", "on_time", "evaluated", "satisfied", "reopened", "extended", "merged",
                   "open", "submitted", *SIGN_MEASURES, *MISS_MEASURES}


def message_queryset(scope: Scope, measure: str = "received", *, public: bool = True, now=None, status=None,
                     query: str = "", walk: bool = False):
    """The messages behind a figure of ``scope``. ``public`` keeps published statuses only.
    ``walk``: the same messages, their fact and open case tested by EXISTS instead of joined
    (see ``message_page``). ``sign_late``: a row per late sign-for, with ``sign_unit``, ``sign_unit_key``,
    ``sign_due`` and ``sign_signed`` (the unit it was sent to, its 签收期限 and when it was signed). ``missed``: a row
    per miss, with ``miss_unit_key`` and ``miss_open`` (``_missed_queryset``)."""
    now = clock(now)  # the minute the figures count as of (``deadlines.clock``)
    if measure in SIGN_MEASURES:
        return _sign_late_queryset(scope, public=public, now=now, status=status, query=query)
    if measure in MISS_MEASURES:
        return _missed_queryset(scope, public=public, now=now, status=status, query=query)
    qs = _message_scope(Message.objects.all(), scope)
    fact, case = {}, {}  # conditions on the message's fact and on its open case
    if scope.unit is not None:
        # overdue and open lists: the unit handling the case now; others: the unit credited
        if measure in HANDLING_MEASURES:
            case["unit_key"] = scope.unit.pk
        else:
            fact["unit_key"] = scope.unit.pk
    if scope.date_from:
        fact["day__gte"] = scope.date_from
    if scope.date_to:
        fact["day__lte"] = scope.date_to
    if measure == "overdue":
        case["due_at__lt"] = now
    elif measure == "overdue_unreplied":
        case.update(due_at__lt=now, ever_replied=False)
    else:
        fact.update(MEASURE_Q.get(measure, MEASURE_Q["received"]))
    # a message without a fact is listed when nothing is asked of its fact
    wanted = [(MessageFact, "fact", fact)] if fact else []
    if case or measure in HANDLING_MEASURES:
        wanted.append((OpenCase, "open_case", case))
    for model, name, conditions in wanted:
        if walk:
            qs = qs.filter(Exists(model.objects.filter(message=OuterRef("pk"), **conditions)))
        else:
            qs = qs.filter(**{f"{name}__{key}": value for key, value in conditions.items()} or {f"{name}__isnull": False})
    qs = _narrowed(qs, public, status, query)
    if measure in TIMED_MEASURES:
        return late_order(qs)
    return qs.order_by("-submitted_at", "-id")


def _message_scope(qs, scope: Scope):
    """``qs`` (messages) of ``scope``'s regions, topics, type and leader's office (addressee)."""
    if scope.regions:
        rq = Q()
        for r in scope.regions:
            rq |= Q(region__code__startswith=r.prefix)
        qs = qs.filter(rq)
        if scope.own_level and scope.region is not None and scope.region.level < 4:
            qs = qs.filter(region=scope.region)
    if scope.topics:
        qs = qs.filter(topic_id__in=topic_subtree_ids(scope.topics))
    if scope.kind:
        qs = qs.filter(kind=scope.kind)
    if scope.addressee is not None:
        qs = qs.filter(addressee=scope.addressee)
    return qs


def _narrowed(qs, public: bool, status, query: str, shown=None):
    """``qs`` (messages) published only (``public``: of the statuses ``shown``, by default the published ones), of
    ``status``, holding ``query``: every list's."""
    if public:
        qs = qs.filter(status__in=shown or Status.public())
    if status:
        qs = qs.filter(status=status)
    if query:
        from minsheng.board import search

        qs = search.filter_messages(qs, query)
    return qs


def _sign_late_queryset(scope: Scope, *, public: bool, now, status, query: str):
    """签收超期 of ``scope``: the messages joined to their lead assignments that are late ``SignFor`` rows of the
    scope (its regions, topics, type, unit and days, ``scope.fact_q``, as 及时签收率 counts them), one row each,
    the longest overdue 签收期限 first; withdrawn and 不予受理 cases' too (``LISTED_STATUSES``), as they are counted."""
    late = SignFor.objects.filter(scope.fact_q(), sign_late_q(now)).values("assignment")
    qs = _narrowed(_message_scope(Message.objects.all(), scope).filter(assignments__in=late), public, status, query,
                   shown=_counted_shown(public, query))
    # the assignment joined by the filter above (one row each), its unit and times beside the message's
    return qs.annotate(sign_unit_key=F("assignments__unit_id"), sign_unit=F("assignments__unit__name"),
                       sign_due=F("assignments__sign_due_at"),
                       sign_signed=F("assignments__signed_at")).order_by("sign_due", "id")


def _counted_shown(public: bool, query: str) -> set[str]:
    """The statuses a public list of 签收超期 or 误期未答复 shows: every one counted (``LISTED_STATUSES``), but with a
    query word the published alone — a withdrawn (or 不予受理) case's text (or number) matched would tell anyone the words
    its author withdrew (since 2026-12-06 (fix)); ``status=withdrawn`` alone tells only its status, shown anyway."""
    return Status.public() if public and query else LISTED_STATUSES


def _missed_queryset(scope: Scope, *, public: bool, now, status, query: str):
    """误期未答复 of ``scope`` as ``figures`` counts it: the messages joined to each of their ``Miss`` rows of the scope
    (its regions, topics, type, unit — the unit charged — and days, ``scope.fact_q``), and those whose open case of
    the scope is a miss now (``figures.missed_q``: the unit handling it let the deadline pass), one row each, with
    ``miss_unit_key`` (the unit charged, 0: none, waiting for dispatch) and ``miss_open`` (still unanswered in its
    hands). The two sets as one (UNION ALL): a case one unit gave back late and another let go late too is a row of
    each. Newest submitted first; withdrawn and 不予受理 cases too, as they are counted (``_counted_shown``). A
    combined query takes no ``select_related``: a page's rows read their related rows with ``with_related``."""
    shown = _counted_shown(public, query)
    given_up = (_narrowed(Message.objects.filter(misses__in=Miss.objects.filter(scope.fact_q())), public, status,
                          query, shown=shown)
                .annotate(miss_unit_key=F("misses__unit_key"), miss_open=Value(False, BooleanField())).order_by())
    still_open = (_narrowed(Message.objects.filter(open_case__in=OpenCase.objects.filter(scope.fact_q(), missed_q(now))),
                            public, status, query, shown=shown)
                  .annotate(miss_unit_key=F("open_case__unit_key"), miss_open=Value(True, BooleanField())).order_by())
    return given_up.union(still_open, all=True).order_by("-submitted_at", "-public_id", "miss_unit_key")


RELATED = ("region", "topic", "author")  # what a listed message shows beside its own fields


def with_related(messages, measure: str) -> list:
    """``messages`` (a page's, evaluated) with the rows they show read once for the page: for 误期未答复 (a combined
    query, which takes no ``select_related``) their region, topic and author, and each row's ``miss_unit``, the name
    of the unit charged (「尚未派单」 for none)."""
    messages = list(messages)
    if measure in MISS_MEASURES:
        prefetch_related_objects(messages, *RELATED, "addressee")
        units = Unit.objects.in_bulk({m.miss_unit_key for m in messages if m.miss_unit_key})
        for m in messages:
            unit = units.get(m.miss_unit_key)
            m.miss_unit = unit.name if unit else NOT_DISPATCHED
    return messages


def late_order(qs, ascending: bool = False):
    """An overdue list's order, on /stats/overdue/ and in its exports: most overdue first (the deadline
    furthest back), ``ascending`` the other way round (before 2026-12-05 the exports listed the newest
    submitted first, another order than the page's)."""
    return qs.order_by(*(("-open_case__due_at", "-id") if ascending else ("open_case__due_at", "id")))


# the measures most messages count in (at 60,000 messages: 34,000-54,000 each)
DENSE_MEASURES = {"received", "replied", "on_time", "evaluated", "satisfied"}


def message_page(scope: Scope, measure: str, number, per_page: int = 30) -> Page:
    """A page of ``message_queryset(scope, measure)`` (public) for /stats/list/. Joined to the
    facts, SQLite reads every fact of the measure, then each one's message, and sorts them all:
    the 54,420 received of 60,000 messages took 150 ms to count and 300 ms for the first page.
    For a dense measure it reads the messages instead, newest first from the index
    ``board_message_newest`` (status and region in the index), and tests each one's fact
    (EXISTS): the page stops at its last row (1 ms), the count is a third cheaper, a county's
    ten times. Sparse rows (merged, extended, a unit's, a period's) stay joined: there the
    facts come first (a period's through their index on the day), and a walk would read far
    more messages than the join reads facts (merged: 15 → 100 ms to count)."""
    qs = listed(scope, measure)
    paginator = Paginator(qs if measure in MISS_MEASURES else qs.select_related(*RELATED), per_page)
    if _walked(scope, measure) and not (scope.regions or scope.topics or scope.kind):
        paginator.count = _public_fact_count(measure)
    page = page_of(paginator, number)
    page.object_list = with_related(page.object_list, measure)
    return page


def _walked(scope: Scope, measure: str) -> bool:
    # a leader's office's messages are few: joined, as a unit's
    return (measure in DENSE_MEASURES and scope.unit is None and scope.addressee is None
            and not (scope.date_from or scope.date_to))


def listed(scope: Scope, measure: str):
    """The public list behind the figure ``measure`` of ``scope``, as /stats/list/ pages it and the API's
    ``/statistics/messages/`` (since 2026-12-06) pages it: ``message_queryset``, read the cheaper way
    (``message_page``); the exports read the same rows joined."""
    return message_queryset(scope, measure, walk=_walked(scope, measure))


def _public_fact_count(measure: str) -> int:
    """How many published messages have a fact of ``measure``: the count of
    ``message_queryset(Scope(), measure)`` without reading each message. The walk tested
    the fact of every message (54,420 received of 60,000: about 100 ms on SQLite and
    PostgreSQL); here the facts of the measure are counted from their own table, less those
    of the few messages not published (submitted, rejected, withdrawn: through the index on
    the status). One statement, so both counts see the same moment."""
    facts = MessageFact.objects.filter(**MEASURE_Q[measure]).order_by()
    unpublished = [value for value in Status.values if value not in Status.public()]
    all_sql, all_params = facts.values("pk").query.sql_with_params()
    # from the few unpublished messages (their status index) to their fact: joined the other
    # way, SQLite read every fact of the measure and then its message
    hidden = Message.objects.filter(status__in=unpublished).filter(Exists(facts.filter(message=OuterRef("pk"))))
    hidden_sql, hidden_params = hidden.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM ({all_sql}) facts) - (SELECT COUNT(*) FROM ({hidden_sql}) hidden)",
                       [*all_params, *hidden_params])
        return cursor.fetchone()[0]


PUBLIC_COLUMNS = ["留言编号", "标题", "类型", "领域", "区划", "状态", "提交时间", "答复期限", "答复时间", "办理单位",
                  "链接"]
PERSONAL_COLUMNS = ["留言人", "手机", "邮箱", "联系人"]  # 联系人 (since 2026-12-05) last: the others keep their places
LATE_COLUMN = "超期天数 (工作日)"  # an overdue list's, after 答复期限, as /stats/overdue/ shows it
# and beside it the page's words for it (since 2026-12-06): 「3 个工作日」, and 「不足 1 个工作日」 where the
# number is 0 (a deadline passed today, or on the weekend after a Friday deadline) — 0 alone, in a list of
# overdue cases, read as not late; the number stays, for a spreadsheet to sort and filter
LATE_WORDS_COLUMN = "超期"
# and after them (since 2026-12-06) whether a supervisor pressed the case, as the list's column 督办 says it:
# before, a supervisor sending the file to the units could not tell which cases had been pressed already
SUPERVISED_COLUMN = "督办"
# and (since 2026-12-07) how many times since the case reached its current lead unit(s), and when last: a second
# 督办 had replaced the first, and no list said when it was made (actions.LEAD_CHANGES)
SUPERVISED_MORE_COLUMNS = ["督办次数", "最近督办时间"]
UNDER_A_DAY = "不足 1 个工作日"
LATE_AT = PUBLIC_COLUMNS.index("答复期限") + 1
UNIT_AT = PUBLIC_COLUMNS.index("办理单位")
# an open or overdue list's unit: the lead unit handling the case now, as /stats/overdue/ names it
# (and the list's ?unit= chooses), not the unit credited with the first reply: a reopened case
# transferred since
LEAD_COLUMN = "主办单位"
# a late sign-for's (签收超期): the unit the case was sent to in place of 办理单位, its 签收期限 and 签收时间 after it
SIGN_COLUMNS = ["签收单位", "签收期限", "签收时间"]


def message_header(personal: bool, late: bool = False, lead: bool | None = None, signs: bool = False,
                   misses: bool = False) -> list[str]:
    """The columns of ``message_rows`` (``late``: a list of overdue cases, with 超期天数, 超期 and 督办; ``lead``
    (by default ``late``): a list of open cases, with 主办单位, the unit handling each now, in
    place of 办理单位, the unit credited; ``signs``: a list of late sign-fors, ``SIGN_COLUMNS`` there; ``misses``: a
    list of misses, ``MISS_COLUMNS`` there)."""
    header = PUBLIC_COLUMNS + (PERSONAL_COLUMNS if personal else [])
    if signs or misses:
        return [*header[:UNIT_AT], *(SIGN_COLUMNS if signs else MISS_COLUMNS), *header[UNIT_AT + 1:]]
    if late if lead is None else lead:
        header = [LEAD_COLUMN if n == UNIT_AT else column for n, column in enumerate(header)]
    if not late:
        return header
    return [*header[:LATE_AT], LATE_COLUMN, LATE_WORDS_COLUMN, SUPERVISED_COLUMN, *SUPERVISED_MORE_COLUMNS,
            *header[LATE_AT:]]


def late_words(days: int | str) -> str:
    """超期 as /stats/overdue/ and 督办 say it: 「3 个工作日」, 「不足 1 个工作日」 for 0 ("" without a deadline)."""
    if days == "":
        return ""
    return f"{days} 个工作日" if days else UNDER_A_DAY


def message_sheet(qs, measure: str, personal: bool, base_url: str, now) -> tuple[list, object]:
    """Header and rows of the export of ``message_queryset(…, measure)`` (the web's and
    ``minsheng export-stats messages``'): an overdue list with 超期天数 as /stats/overdue/ shows
    it, an open or overdue list with 主办单位 as its ``unit=`` chooses."""
    late = measure in TIMED_MEASURES
    lead = measure in HANDLING_MEASURES
    signs = measure in SIGN_MEASURES
    misses = measure in MISS_MEASURES
    return (message_header(personal, late, lead, signs, misses),
            message_rows(qs, personal, base_url, late_at=now if late else None, lead=lead, staff_links=late,
                         signs=signs, misses=misses))


CLEARED_CHUNK = 2000  # the rows an export reads at a time, and what cleared their 督办 marks with them


def message_rows(qs, personal: bool, base_url: str = "", late_at=None, lead: bool | None = None,
                 staff_links: bool = False, signs: bool = False, misses: bool = False):
    """``late_at``: a moment; each row then says how many working days its case is past its
    deadline by then (``facts.working_days_late``), the overdue lists' 超期天数. ``lead`` (by
    default whether ``late_at`` is given): each row names the lead unit handling it now
    (主办单位, ``message_header``), not the unit credited. ``staff_links``: 链接 is the staff case
    page (``board:case``, where 督办 and the answer are), not the public one: the overdue lists',
    which staff alone export, with contact details or without (since 2026-12-05). ``signs``: ``qs`` is a
    list of late sign-fors (``message_queryset(…, "sign_late")``), each row with ``SIGN_COLUMNS``; ``misses``: a list of
    misses (``message_queryset(…, "missed")``), each row with ``MISS_COLUMNS``."""
    lead = late_at is not None if lead is None else lead
    page = reverse("board:case", args=["0"]).removesuffix("0/") if staff_links else "/m/"  # the path before the id
    units = dict(Unit.objects.values_list("pk", "name"))
    statuses = dict(Status.choices)
    kinds = dict(MessageKind.choices)

    zone = timezone.get_current_timezone()
    # what cleared a mark pressed once (「转办后未再督办」), read for the overdue lists alone, ``CLEARED_CHUNK`` rows at a
    # time (``cleared_kinds_of``), each row's pk read last
    cleared = late_at is not None

    def fmt(moment):
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    # plain values of the columns a row shows (and the title's masking reads), not models:
    # a model instance per row (with its region, topic, author and fact) was a third of a
    # city's export; the title is masked as Message.public_title does
    fields = ["public_id", "title", "body", "kind", "status", "submitted_at", "due_at", "replied_at", "show_name",
              "region__name", "topic__name", "author__display_name",
              "hidden_name", "author__closed_at", "supervised", "supervised_count", "last_supervised_at", "ever_supervised",
              "sign_unit_key" if signs else "miss_unit_key" if misses else "open_case__unit_key" if lead else "fact__unit_key"]
    if personal:
        fields += ["author__username", "contact_phone", "contact_email", "contact_name"]
    if signs:
        fields += ["sign_due", "sign_signed"]
    if misses:
        fields += ["miss_open"]
    if cleared:
        fields += ["pk"]
    rows = qs.values_list(*fields).iterator(chunk_size=CLEARED_CHUNK)
    mark = fields.index("supervised")  # then supervised_count, last_supervised_at, ever_supervised
    for values, cleared_kind in (cleared_kinds_of(rows, lambda v: (v[-1], v[mark], v[mark + 3]), CLEARED_CHUNK)
                                 if cleared else ((values, None) for values in rows)):
        (public_id, title, body, kind, status, submitted_at, due_at, replied_at, show_name, region, topic,
         author_name, hidden_name, closed_at, supervised, supervised_count, last_supervised_at, ever_supervised,
         unit_key, *rest) = values[:-1] if cleared else values
        contact, signed = (rest[:-2], rest[-2:]) if signs else (rest[:-1], rest[-1:]) if misses else (rest, ())
        # a late sign-for's or a miss's (``HIDDEN_TITLES``): no public page
        withdrawn = (signs or misses) and status in HIDDEN_TITLES
        if withdrawn and not personal:
            title = HIDDEN_TITLES[status]
        elif not personal:  # public exports hide personal data
            title = mask(title, context=body, names=() if show_name else real_name(author_name or hidden_name))
        hidden = withdrawn and not personal  # its row shows what /stats/list/ shows of it, no more
        row = [public_id, title, "" if hidden else kinds.get(kind, kind), topic or "", region, statuses.get(status, status),
               fmt(submitted_at), "" if hidden else fmt(due_at), fmt(replied_at),
               units.get(unit_key, "") if unit_key else (NOT_DISPATCHED if lead or misses else ""),
               "" if withdrawn and not staff_links else f"{base_url}{page}{public_id}/"]
        if personal:
            username, phone, email, name = contact
            row += [CLOSED_NAME if closed_at else author_name or username, phone, email, name]
        if late_at is not None:
            days = working_days_late(due_at, late_at) if due_at else ""
            count, last_at = Message.supervision_cells(supervised, supervised_count, last_supervised_at)
            supervision = Message.supervision_label(supervised, ever_supervised, cleared_kind)
            row[LATE_AT:LATE_AT] = [days, late_words(days), supervision, count, fmt(last_at)]
        if signs:
            row[UNIT_AT + 1:UNIT_AT + 1] = [fmt(moment) for moment in signed]
        if misses:
            row[UNIT_AT + 1:UNIT_AT + 1] = [MISS_WORDS[bool(signed[0])]]
        yield row


# A cell starting with one of these is a formula (or becomes one) in Excel, WPS and
# LibreOffice: OWASP "CSV injection". Titles and names come from citizens.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    """Text that a spreadsheet program would read as a formula; numbers never are."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cells(row) -> list:
    """A row for CSV: formula-like text gets a leading ' (shown as text, OWASP advice)."""
    return [f"'{value}" if formula_like(value) else value for value in row]


def xlsx_cells(ws, row) -> list:
    """A row for a write-only sheet: formula-like text becomes an explicit string cell
    (openpyxl writes any str starting with "=" as a formula); characters XML cannot hold are
    dropped (Open311's ``NOT_XML``: openpyxl's own ILLEGAL_CHARACTERS_RE lacks U+FFFE and U+FFFF,
    which it wrote, and the file failed to open)."""
    from openpyxl.cell import WriteOnlyCell

    from minsheng.api.open311.render import NOT_XML

    cells = []
    for value in row:
        if isinstance(value, str):  # a control character (\x0b) in a title would fail the whole file
            value = NOT_XML.sub("", value)
        if formula_like(value):
            value = WriteOnlyCell(ws, value=value)
            value.data_type = "s"
        cells.append(value)
    return cells


class _Echo:
    def write(self, value):
        return value


# --- the name a file is saved under ----------------------------------------------------

# what the name of a saved file may not hold (Windows, and / anywhere): 「_」 in its place
UNSAVABLE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
NAME_PART_MAX = 12  # characters of a region's, office's or unit's name in a file name; a longer one ends in 「…」


# a name that is the whole file name's but for a word before it (a campaign's report): 60 characters, 180 bytes
NAME_ALONE_MAX = 60


def name_part(text: str, most: int = NAME_PART_MAX) -> str:
    """``text`` as a part of a file name: savable, at most ``most`` characters (its first ones and 「…」):
    three parts of 12 keep a whole name under the 255 bytes a file system takes."""
    text = UNSAVABLE.sub("_", text.strip())
    return cut(text, most, mark_within=True)


def file_names(what: str, what_ascii: str, scope: Scope, now, fmt: str, tail: str = "",
               ascii_tail: str = "") -> tuple[str, str]:
    """The names an export of ``scope`` is saved under (since 2026-12-06; before, 「超期未答复-202612061954.csv」 named
    no scope): ``what`` it lists, the region (「城关区本级」, 「全部区划」), the 留言对象 and the unit when chosen, the
    period (「20261101至20261130」, 「20261101起」, 「至20261130」, 「全部」) and 「截至」 the minute its 说明 says it
    counts as of, then ``tail`` — and the same (``ascii_tail``) in ASCII (codes and ids) for a program that reads no ``filename*``."""
    if scope.region is not None:
        own = scope.own_level and scope.region.level < 4
        # 「本级」 after the name is cut: a long name cut after it lost it (积石山保安族东乡族撒拉族自治县; review of 2026-12-06)
        region = f"{name_part(scope.region.name)}{'本级' if own else ''}"
        region_ascii = f"{scope.region.code}{'own' if own else ''}"
    elif scope.regions:
        region, region_ascii = name_part("、".join(r.name for r in scope.regions)), "+".join(r.code for r in scope.regions)
    else:
        region, region_ascii = "全部区划", "all"
    parts, ascii_parts = [what, region], [what_ascii, region_ascii[:20]]
    if scope.addressee is not None:
        parts.append(name_part(scope.addressee.title))
        ascii_parts.append(f"a{scope.addressee.pk}")
    if scope.unit is not None:
        parts.append(name_part(scope.unit.name))
        ascii_parts.append(f"u{scope.unit.pk}")
    start, end = (f"{day:%Y%m%d}" if day else "" for day in (scope.date_from, scope.date_to))
    parts.append(f"{start}至{end}" if start and end else f"{start}起" if start else f"至{end}" if end else "全部")
    ascii_parts.append(f"{start or 'start'}-{end or 'now'}" if start or end else "all")
    minute = f"{timezone.localtime(now):%Y%m%d%H%M}"
    parts.append(f"截至{minute}")
    ascii_parts.append(minute)
    return f"{'-'.join(parts)}{tail}.{fmt}", f"{'-'.join(ascii_parts)}{ascii_tail}.{fmt}"


def attachment_header(name: str, ascii_name: str = "") -> str:
    """Content-Disposition of a download saved as ``name``: RFC 6266's ``filename="<ascii_name>"`` first (the
    ASCII-only name, for a client that reads no ``filename*``), then ``filename*=UTF-8''<name>`` (RFC 5987, which
    a browser prefers). Before 2026-12-06 a Chinese name came as ``filename*`` alone (Django's
    ``content_disposition_header``)."""
    if not ascii_name:
        return content_disposition_header(True, name)
    ascii_name = re.sub(r'[^\x21-\x7e]|["\\]', "_", ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def stream_csv(filename: str, header, rows, ascii_name: str = "") -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff" + writer.writerow(csv_cells(header))
        # 500 rows a chunk: the response encodes each chunk it is given, a row at a time
        # that was a tenth of a whole export's time; the download still starts at once
        lines = []
        for row in rows:
            lines.append(writer.writerow(csv_cells(row)))
            if len(lines) == 500:
                yield "".join(lines)
                lines = []
        if lines:
            yield "".join(lines)

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(filename, ascii_name)
    return response


def stacked_rows(sheets: list[tuple[str, list, object]]):
    """Several sheets as the rows of one CSV file: the first sheet's header and rows, then
    for each further sheet an empty row, its title, its header and its rows."""
    for index, (title, header, rows) in enumerate(sheets):
        if index:
            yield []
            yield [title]
        yield header
        yield from rows


def write_xlsx(target, sheets: list[tuple[str, list, object]]) -> None:
    """Write ``sheets`` (title, header, rows) as a workbook to a path or file object."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=str(title)[:31])
        # a write-only sheet takes its widths before its first row: measured on the rows read ahead
        rows = iter(rows)
        ahead = list(itertools.islice(rows, WIDTH_SAMPLE))
        for letter, width in column_widths(header, ahead).items():
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"  # the headings stay in view as the rows scroll
        ws.append(xlsx_cells(ws, header))
        rate_columns = {i for i, label in enumerate(header) if _is_rate(label)}
        by_row = list(header[:2]) == ["指标", "数值"]  # a totals sheet: one figure a row, named in the first cell
        for row in itertools.chain(ahead, rows):
            cells = xlsx_cells(ws, row)
            percent = {1} if by_row and row and _is_rate(row[0]) else rate_columns
            ws.append([_percent_cell(ws, cell) if i in percent else cell for i, cell in enumerate(cells)])
    wb.save(target)


WIDTH_SAMPLE = 500  # rows read ahead to size the columns; a longer export is sized by its first ones
MAX_WIDTH = 60  # a long title wraps past this rather than push the other columns off the screen


def display_width(value) -> int:
    """Character columns a spreadsheet needs to show ``value`` whole: a CJK character takes two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in str(value))


def column_widths(header, rows) -> dict[str, float]:
    """Each column as wide as its heading and its widest value among ``rows``, up to ``MAX_WIDTH``:
    at Excel's default width (about 8) titles, unit names and headings were cut off by the next cell."""
    from openpyxl.utils import get_column_letter

    widest = [display_width(label) for label in header]
    for row in rows:
        for n, value in enumerate(row[:len(widest)]):
            if value is not None:
                widest[n] = max(widest[n], display_width(value))
    return {get_column_letter(n + 1): min(width + 2, MAX_WIDTH) for n, width in enumerate(widest)}


def _is_rate(label) -> bool:
    """答复率, 按时率, 满意率, 重办率: the columns (or totals rows) holding a fraction 0..1."""
    return isinstance(label, str) and label.endswith("率")


def _percent_cell(ws, value):
    """A rate as Excel shows it, 91.4%, keeping the exact fraction as the value (the CSV's)."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, float | int) or isinstance(value, bool):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "0.0%"
    return cell


def xlsx_response(filename: str, sheets: list[tuple[str, list, object]], ascii_name: str = "") -> HttpResponse:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = attachment_header(filename, ascii_name)
    return response


def record_personal_export(user, filters: dict, rows: int, fmt: str) -> Event:
    """The audit row of an export that contains personal data."""
    return Event.objects.create(message=None, kind=Event.Kind.EXPORTED, actor=user, public=False,
                                data={"filters": filters, "rows": rows, "format": fmt}, at=timezone.now())


# --- statistics tables ------------------------------------------------------------

TABLE_COLUMNS = [
    ("received", "受理"), ("replied", "已答复"), ("reply_rate", "答复率"), ("on_time", "按时答复"),
    ("overdue_unreplied", "超期从未答复"), ("missed", "误期未答复"), ("on_time_rate", "按时率"),
    ("sign_due", "应签收"), ("signed_on_time", "及时签收"), ("sign_on_time_rate", "及时签收率"),
    ("median_days_to_reply", "答复用时中位数(工作日)"),
    ("mean_days_to_reply", "平均答复用时(工作日)"), ("evaluated", "参评"), ("satisfied", "满意"),
    ("satisfaction_rate", "满意率"), ("reopened", "重办"), ("reopened_rate", "重办率"), ("extended", "延期"),
    ("rejected", "未受理"), ("withdrawn", "撤回"), ("merged", "并单"), ("open", "待答复"), ("overdue", "超期未答复"),
]


def table_rows(rows: list[dict], first: str):
    """Header and body of a table; a row beneath another (``depth`` 1: a district under
    its city in a campaign of several regions) is indented with an ideographic space."""
    header = [first, *(label for _, label in TABLE_COLUMNS)]
    body = [["\u3000" * row.get("depth", 0) + row["label"], *(reported(row)[name] for name, _ in TABLE_COLUMNS)]
            for row in rows]
    return header, body


def totals_rows(figures: dict):
    figures = reported(figures)  # the mean with two decimals, as before 2026-12-06 (the figures keep it unrounded)
    return [["指标", "数值"], *([label, figures[name]] for name, label in TABLE_COLUMNS)]


BY_LABELS = {"region": "区划", "unit": "办理单位", "topic": "领域", "kind": "类型", "month": "月份"}


# the orders a table export takes besides its own (``sort=``): the dashboard's 哪里在拖延 and 谁在拖延 list their
# rows most late first, and their exports since 2026-12-07 as they do (they came by 受理, the late ones anywhere);
# ``dir=asc`` (/stats/units/ sorted by 超期未答复 the other way, its export links keeping its sort) fewest first
TABLE_SORTS = {"overdue": "超期未答复从多到少"}
TABLE_SORTS_ASC = {"overdue": "超期未答复从少到多"}


def by_overdue(rows: list[dict], ascending: bool = False) -> list[dict]:
    """``rows`` most 超期未答复 first (fewest, ``ascending``), a row beneath another (``depth`` 1) kept under it: the
    order of the dashboard's 哪里在拖延 and of the table exports sorted so (``sort=overdue``, `minsheng export-stats
    table --sort overdue`). Ties by region code, then name, as that card (since 2026-12-08; before, here in the table's
    own order, by 受理: two districts as late came in another order than the card's)."""
    groups: list[list[dict]] = []
    for row in rows:
        if row.get("depth", 0) and groups:
            groups[-1].append(row)
        else:
            groups.append([row])

    def late(row):
        return (1 if ascending else -1) * (row.get("overdue") or 0), row.get("filters", {}).get("region", ""), row["label"]

    groups.sort(key=lambda group: late(group[0]))
    return [row for head, *children in groups for row in (head, *sorted(children, key=late))]


def table_sheets(by: str, scope: Scope, now=None, sort: str = "", ascending: bool = False) -> list[tuple[str, list, list]]:
    """A statistics table grouped ``by`` (its first column named in Chinese), then the
    scope's totals, then 说明 (``scope_sheet``, since 2026-12-06): the web export's and
    `minsheng export-stats table`'s sheets, counted as of the minute ``deadlines.clock``;
    ``sort`` one of ``TABLE_SORTS`` (said in 说明; ``ascending`` the other way), else the table's own order."""
    now = clock(now)
    rows = tabulate(by, scope, now=now)
    if sort == "overdue":
        rows = by_overdue(rows, ascending)
    header, body = table_rows(rows, BY_LABELS[by])
    totals = totals_rows(compute(scope, now=now))
    said = (TABLE_SORTS_ASC if ascending else TABLE_SORTS).get(sort)
    first = [["分组", f"按{BY_LABELS[by]}"], *([["排序", said]] if said else [])]
    return [(f"按{BY_LABELS[by]}", header, body), ("合计", totals[0], totals[1:]), scope_sheet(scope, now, first)]


# --- what an export covers -----------------------------------------------------------

SCOPE_TITLE = "说明"
SCOPE_HEADER = ["项目", "内容"]


def scope_lines(scope: Scope, unit_label: str = "办理单位") -> list[list[str]]:
    """The filters of ``scope`` as a reader names them, one [项目, 内容] each, every filter listed
    (「全部区划」 where none was chosen), as the lists' scope line (stats/_scope.html) says them."""
    if scope.region is not None:
        own = scope.own_level and scope.region.level < 4
        region = f"{scope.region.name}本级 (不含下级)" if own else f"{scope.region.name} (含下级)"
    else:
        region = "、".join(r.name for r in scope.regions) or "全部区划"
    if scope.date_from or scope.date_to:
        start, end = (f"{day:%Y-%m-%d}" if day else "" for day in (scope.date_from, scope.date_to))
        days = f"{start} 至 {end}" if start and end else f"{start} 起" if start else f"{end} 及以前"
    else:
        days = "全部时间"
    addressee = scope.addressee
    return [
        ["征集活动", scope.campaign.name if scope.campaign is not None else "不限"],
        ["区划", region],
        ["领域", "、".join(t.name for t in scope.topics) or "全部领域"],
        ["类型", MessageKind(scope.kind).label if scope.kind else "全部类型"],
        [unit_label, scope.unit.name if scope.unit is not None else "全部单位"],
        ["留言对象", (addressee.title + ("" if addressee.is_active else " (已停用)")) if addressee else "不限"],
        ["提交日期", days],
    ]


def scope_sheet(scope: Scope, now, first: list | None = None, last: list | None = None,
                unit_label: str = "办理单位") -> tuple[str, list, list]:
    """The sheet 「说明」 an export ends with (since 2026-12-06): the minute its figures and lists count as
    of (``deadlines.clock``), ``first`` (what it groups or lists), its filters by name (``scope_lines``),
    ``last``. An XLSX's last sheet; a CSV's last block, after an empty row and its title (``stacked_rows``),
    so the data's header stays the file's first line."""
    counted = [["统计截至", f"{timezone.localtime(now):%Y-%m-%d %H:%M}"]]
    return (SCOPE_TITLE, SCOPE_HEADER, [*counted, *(first or []), *scope_lines(scope, unit_label), *(last or [])])


def message_scope_sheet(scope: Scope, measure: str, now, *, public: bool, status: str = "",
                        query: str = "") -> tuple[str, list, list]:
    """「说明」 of a message export: what it lists (统计项), its filters, 状态 and 关键词 when given, and whether
    it holds the published messages only (the public exports) or all (the staff's)."""
    unit_label = ("签收单位" if measure in SIGN_MEASURES else MISS_COLUMNS[0] if measure in MISS_MEASURES
                  else LEAD_COLUMN if measure in HANDLING_MEASURES else "办理单位")
    last = []
    if status:
        last.append(["状态", dict(Status.choices).get(status, status)])
    if query:
        last.append(["关键词", query])
    last.append(["留言范围", "公开的留言" if public else "全部留言 (含未公开的)"])
    return scope_sheet(scope, now, [["统计项", message_title(measure)]], last, unit_label)

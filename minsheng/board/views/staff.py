"""Staff workbench: the unit inbox, the case page with every action, the
dispatcher's triage queue and the supervisor's view.

Every state change goes through ``minsheng.board.actions``; this module only checks
who may see what, validates forms and turns the actions' exceptions into a Chinese
message on the page (never a 500). Scoping: a user without any staff role gets 403,
a staff member outside the case's units and regions gets 404.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.lookups import EndsWith
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from minsheng.accounts import phones
from minsheng.accounts.models import User, canonical_phone, national_phone, national_phone_sql
from minsheng.accounts.names import by_name
from minsheng.accounts.roles import Roles, roles_of
from minsheng.accounts.views import safe_next
from minsheng.directory.models import Region, Topic, Unit, home_region
from minsheng.directory.pinyin import name_or_pinyin, picker_answer
from minsheng.insight import hotspots_service
from minsheng.insight.classify import confidence_text
from minsheng.insight.suggest import SUGGEST_RELATED, prefilled, proposed_units
from minsheng.stats.facts import working_days_late

from .. import actions, batch_dispatch, bulk, moderation, notify, search
from .. import staff_forms as forms
from ..deadlines import SHANGHAI, clock, due_after, working_days_between
from ..forms import MAX_QUERY_LENGTH, query_cut
from ..models import Assignment, Event, Extension, Message, MessageKind, handling_units, overdue_q
from ..position import far_from_region, position_shown
from ..recompute import change_words
from ..workflow import Conflict, IllegalMove, MovedOn, Status, allowed, check_allowed
from . import DRAFT_SENT, staff_hints
from .inbox_sort import (
    DEFAULT_SORT,
    handler_key,
    handler_name,
    inbox_order,
    inbox_sort,
    order_by_sort,
    parse_sort,
    sort_headers,
)
from .public import close_reason, page_of
from .staff_hints import (
    Suggestion,
    near_duplicates_for,
    quality_for,
    quality_to_publish,
    similar_answered_for,
    suggestion_for,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 20
CONFLICT_TEXT = "该留言刚刚被其他人处理过, 请刷新页面后查看最新状态"
# a refused stale form is answered with the fresh case: reloading that page would send the stale
# form again (and be refused again), so these say the page is already the latest
CONFLICT_RETRY = "该留言刚刚被其他人处理过, 本页已更新为最新状态, 请核对后再提交"
CONFLICT_KEPT = "; 您填写的内容已保留"
# the same, when only a change of the calendar moved the case's version (actions.recomputed_words says that)
RECOMPUTED_RETRY = "本页已更新为最新状态, 请核对后再提交"
# and of a case 按建议派单 skipped for it: the page it lands on is the queue read again
RECOMPUTED_QUEUE = "队列已更新, 可重新按建议派单"
# the action is no longer offered: {} says where the case is now (actions.where_now: who answered, transferred… when)
CONFLICT_GONE = "{}; 本页已更新为最新状态, 现在不能再执行该操作"
# 签收 sent again from a page loaded before: the case is signed, which is what was asked, not a refusal
ALREADY_SIGNED = "该留言已{}于 {:%m-%d %H:%M} 签收, 本页已更新为最新状态, 可直接答复"
A = Assignment


# --- scoping ---------------------------------------------------------------------

def _staff_roles(request) -> Roles:
    roles = roles_of(request.user)
    if not roles.is_staff_member:
        raise PermissionDenied("仅限工作人员访问")
    return roles


def can_see_case(roles: Roles, message: Message, assignments=None) -> bool:
    """``assignments``: the case's assignments when already read (签收所选's prefetch)."""
    if roles.admin or roles.dispatches(message.region) or roles.supervises(message.region):
        return True
    if message.addressee_id and message.addressee_id in roles.office_addressee_ids:  # its leader's office reads it
        return True
    if assignments is not None:
        return any(a.unit_id in roles.unit_ids for a in assignments)
    return bool(roles.unit_ids) and message.assignments.filter(unit_id__in=roles.unit_ids).exists()


def shows_contact(roles: Roles, message: Message, assignments=None) -> bool:
    """Whether the case's private contact data (the citizen's phone, email and account name) are shown
    to ``roles``: to those who handle or oversee it now (admin, the region's dispatchers and supervisors,
    a unit holding it), never to a unit it has left (转办, 退单, 答复), which still reads its history.
    ``assignments``: the case's assignments when already read (the API's prefetch)."""
    if roles.admin or roles.dispatches(message.region) or roles.supervises(message.region):
        return True
    if assignments is None:
        assignments = message.assignments.filter(state=A.State.ACTIVE)
    return any(a.state == A.State.ACTIVE and a.unit_id in roles.unit_ids for a in assignments)


def _case_or_404(roles: Roles, public_id: str) -> Message:
    qs = Message.objects.select_related("region", "topic", "predicted_topic", "addressee", "author", "duplicate_of",
                                        "resubmission_of__region")
    message = get_object_or_404(qs, public_id=public_id)
    if not can_see_case(roles, message):
        raise Http404("没有找到该留言")
    return message


def _my_assignment(roles: Roles, message: Message, role: str, assignments=None) -> Assignment:
    """The active assignment the user acts through (their own unit's, or for a
    platform admin the active one). ``assignments``: the case's, when already read (with their units)."""
    active = (message.assignments.filter(state=A.State.ACTIVE, role=role).select_related("unit")
              if assignments is None else [a for a in assignments if a.state == A.State.ACTIVE and a.role == role])
    mine = [a for a in active if a.unit_id in roles.unit_ids]
    if mine:
        return mine[0]
    if roles.admin and active:
        return active[0]
    if message.assignments.filter(unit_id__in=roles.unit_ids, role=role).exists():  # a page from before it moved on
        # moved to the unit in the other part (转办 to the assisting unit): said as the API says it
        (actions.refuse_if_leading if role == A.Role.ASSIST else actions.refuse_if_assisting)(message, roles.unit_ids)
        raise PermissionDenied(f"该留言当前不在您单位办理: {actions.where_now(message)}")
    raise PermissionDenied("该留言当前不在您单位办理" if role == A.Role.LEAD else "您的单位不是该留言的协办单位")


def _ticked(request) -> list[str]:
    """The case numbers ticked on a list (each once): one holding a NUL is no case number, and
    PostgreSQL refuses it in the lookup (a 500)."""
    return [pid for pid in dict.fromkeys(request.POST.getlist("case")) if "\x00" not in pid]


def _ticked_cases(request) -> list[str]:
    """The case numbers of the inbox's ticked rows, each once: a row a head may assign posts ``<编号>:<unit id>``
    (_ticked_rows), 签收所选 reads its 编号."""
    return _ticked_rows(request)[0]


# the inbox's own parameters, the only ones a case page's 返回待办 carries back (?back=)
INBOX_PARAMS = ("tab", "handler", "unit", "q", "sort", "page")


def inbox_back(query: QueryDict) -> str:
    """The inbox's place (its tab, filters, search and page) as the ``back`` a case opened from it
    carries: the query string of the inbox's own parameters alone, so it only ever leads there."""
    return urlencode([(k, query[k][:MAX_QUERY_LENGTH]) for k in INBOX_PARAMS if query.get(k)])


def _back_from(request) -> str | None:
    """The inbox place a case page was opened from (its forms post it back), None when it was not."""
    raw = request.POST.get("back") if "back" in request.POST else request.GET.get("back")
    return None if raw is None else inbox_back(QueryDict(raw))


def _inbox_url(back: str) -> str:
    return f"{reverse('board:inbox')}?{back}" if back else reverse("board:inbox")


def _case_url(public_id: str, back: str | None) -> str:
    url = reverse("board:case", args=[public_id])
    return f"{url}?{urlencode({'back': back})}" if back is not None else url


def _paginate(request_or_query, qs, param="page", count=None):
    """A page of ``qs``; ``count``: its length when the caller counted it already."""
    query = getattr(request_or_query, "GET", request_or_query)
    paginator = Paginator(qs, PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return page_of(paginator, query.get(param))


# --- lists -----------------------------------------------------------------------

def _late_first(now, due_field="due_at"):
    return Case(When(**{f"{due_field}__lt": now}, then=Value(0)), default=Value(1), output_field=IntegerField())


# 即将到期: due by the end of the second working day from today (the 本单位办理情况 page counts them)
DUE_SOON_WORKING_DAYS = 2


def due_soon_until(now):
    """The last moment a deadline counts as 即将到期 (from ``now`` on): the end of the
    DUE_SOON_WORKING_DAYS-th working day after today. The inbox's tab, 督办's list and the API's
    ?due_soon= ask it."""
    return due_after(now, DUE_SOON_WORKING_DAYS)


def due_soon_q(now, field: str = "due_at") -> Q:
    """A ``field`` deadline that is 即将到期: not yet passed, and by due_soon_until."""
    return Q(**{f"{field}__gte": now, f"{field}__lte": due_soon_until(now)})


def sign_late_q(now) -> Q:
    """An assignment a lead unit holds unsigned past its 签收 deadline (签收超期, Assignment.sign_overdue): the
    inbox's tab and the API's ?sign_overdue= ask it."""
    return Q(role=A.Role.LEAD, signed_at__isnull=True, sign_due_at__lt=now)


def due_words(now, due) -> str:
    """How long is left to a deadline, in working days (a date alone left the officer counting weekends
    and holidays): 「今天到期」, 「还有 2 个工作日」 (after today); one passed 「已超期 3 个工作日」 (the
    working days since its date; 「已超期」 on the day after a rest day's); "" when none."""
    if due is None:
        return ""
    if due < now:  # the case page's header said the date alone, as if it were still to come
        late = working_days_between(due, now)
        return f"已超期 {late} 个工作日" if late else "已超期"
    if timezone.localtime(due, SHANGHAI).date() == timezone.localtime(now, SHANGHAI).date():
        return "今天到期"
    left = working_days_between(now, due)
    # a deadline ends a working day (deadlines.due_after); one set by hand on a rest day says its date alone
    return f"还有 {left} 个工作日" if left else ""


def next_deadline(prefix: str = ""):
    """A case's next deadline, over assignments (``prefix``: the path to one from the query's rows): its
    签收 deadline while unsigned, else its reply deadline (答复期限). The inbox (page and API) lists by it,
    then the oldest submission first: a deadline passed is earlier than any to come, so the overdue cases
    (and those past their 签收 deadline) lead, and a signed case due today is not listed behind
    unsigned ones due in ten days."""
    return Case(When(**{f"{prefix}signed_at__isnull": True, f"{prefix}sign_due_at__isnull": False},
                     then=F(f"{prefix}sign_due_at")),
                default=F(f"{prefix}due_at"), output_field=DateTimeField())


def _inbox_tabs(now) -> dict:
    return {
        "todo": ("待办(主办)", Q(role=A.Role.LEAD)),
        "new": ("待签收", Q(role=A.Role.LEAD, signed_at__isnull=True)),
        "handling": ("办理中", Q(role=A.Role.LEAD, signed_at__isnull=False)),
        # 已超期: past the reply deadline (超期未答复, as the supervisors' list and the API's ?overdue=); a case
        # past its 签收 deadline (the row's 「签收超期」, Assignment.sign_overdue) is counted on its own
        "overdue": ("已超期", Q(role=A.Role.LEAD, due_at__lt=now)),
        "sign_late": ("签收超期", sign_late_q(now)),
        "soon": ("即将到期", Q(role=A.Role.LEAD) & due_soon_q(now)),
        # a supervisor's 督办 (actions.do_supervise): the row's badge alone, somewhere on one of ten pages
        "supervised": ("督办", Q(role=A.Role.LEAD, message__supervised=True)),
        "assist": ("协办", Q(role=A.Role.ASSIST)),
    }


def id_param(raw: str) -> int | None:
    """A row id from the address (?unit=, ?handler=): ASCII digits within the database's integers,
    else None (``isdigit`` alone takes ² and full-width digits, which ``int`` refuses)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) < 2**31 else None


def named_handler(roles: Roles, pk: int):
    """The 承办人 ``pk`` as ``roles``' user may name them (the inbox's and the API's ?handler=): a person
    of the user's units, or one given their cases (who may have left since); for an admin anyone. None
    otherwise: the filter must not look up any account's name or phone number."""
    people = User.objects.filter(pk=pk)
    if not roles.admin:
        people = people.filter(Q(memberships__unit_id__in=roles.unit_ids)
                               | Q(handled_assignments__unit_id__in=roles.unit_ids))
    return people.first()


HANDLER_VALUES = "承办人筛选应为 me (指派给我)、none (未指派) 或承办人的用户编号"
NO_SUCH_HANDLER = "没有这位承办人 (只能按本单位的承办人筛选)"


def handler_filter(user, roles: Roles, handler: str) -> tuple[Q, str]:
    """?handler= of the inbox page and of the API's inbox, over assignments: me (指派给我), none
    (未指派) or the id of a person ``user`` may name (named_handler: the head's 本单位办理情况
    links); (the filter, what it shows, in words). Anything else is refused (Invalid naming
    ``handler``), the same words on the page and in the API's 400."""
    if handler == "me":
        return Q(handler=user), ""
    if handler == "none":
        return Q(handler__isnull=True), "未指派承办人"
    handler_id = id_param(handler)
    if handler_id is None:
        raise actions.Invalid(HANDLER_VALUES, "handler")
    name = named_handler(roles, handler_id)
    if name is None:
        raise actions.Invalid(NO_SUCH_HANDLER, "handler")
    return Q(handler_id=handler_id), f"承办人 {name}"


def _inbox_filters(request, roles: Roles, with_handler=True) -> tuple[Q, dict, str, str]:
    """The inbox's ?handler= (handler_filter) and ?unit= (one of the user's units): (the filter,
    the parameters to keep in the inbox's links, what the filter shows, in words, and why a
    ?handler= was refused: the list then shows without it)."""
    q, keep, words, refused = Q(), {}, [], ""
    unit = id_param(request.GET.get("unit", ""))
    if unit is not None and (roles.admin or unit in roles.unit_ids):
        q &= Q(unit_id=unit)
        keep["unit"] = str(unit)
        words.append(Unit.objects.filter(pk=unit).values_list("name", flat=True).first() or "")
    handler = request.GET.get("handler", "") if with_handler else ""
    if handler:
        try:
            handler_q, said = handler_filter(request.user, roles, handler)
        except actions.Invalid as exc:
            refused = str(exc)
        else:
            q &= handler_q
            keep["handler"] = handler
            words.append(said)
    return q, keep, " · ".join(w for w in words if w), refused


def _inbox_list(request, roles: Roles, now, with_handler=True):
    """What the inbox lists for ``request`` (its tab, ?unit=, ?handler=, ?q= and ?sort=; the page aside), the
    page's and its export's (inbox_export): (the unit's active cases under the filters and search, the tab, the
    tab's rows in the inbox's order, the filters' and sort's parameters to keep, the filters' words, a refused
    ?handler='s reason, the search). A ?sort= that is none of INBOX_SORTS lists in the default order."""
    base = A.objects.filter(state=A.State.ACTIVE, message__status__in=Status.handling())
    if not roles.admin:
        base = base.filter(unit_id__in=roles.unit_ids)
    filtered, keep_filters, filter_words, filter_refused = _inbox_filters(request, roles, with_handler)
    base = base.filter(filtered)
    query = _queue_query(request)
    condition = queue_condition(query, through="message__")
    if condition is not None:  # on the joined case of each of the list's assignments, beside its own filters
        base = base.filter(condition)
    inbox_tabs = _inbox_tabs(now)
    tab = request.GET.get("tab", "todo")
    if tab not in inbox_tabs:
        tab = "todo"
    sort = inbox_sort(request)
    if sort != DEFAULT_SORT:
        keep_filters = {**keep_filters, "sort": sort}
    qs = (base.filter(inbox_tabs[tab][1])
          .annotate(late=_late_first(now), next_due=next_deadline(),
                    extension_pending=extension_pending(role="role", message="message_id"))
          .select_related("message__region", "message__topic", "unit", "handler"))
    qs = order_by_sort(qs, inbox_order(*parse_sort(sort), next_due=F("next_due"), handler=handler_name(),
                                       handler_key=handler_key()))
    return base, tab, qs, keep_filters, filter_words, filter_refused, query


def extension_pending(*, role: str, message: str):
    """延期待审批, as the inbox row says it (and its export, the API's inbox items and case): a request the
    supervisor has still to decide — which overdue cases were already asked for was found case by case. ``role``
    names the caller's role in the case (an assignment's ``role``, or an annotation of it: ``lead``, ``assist``,
    ``None`` for no unit of the case), ``message`` the message's id beside it. True for a lead unit when a request
    of any active lead unit waits (a case led by two, 联合办理, has its request from either, and its approval
    moves both units' deadlines); false for an assisting unit (it asks for none, and its row never said it); for
    a caller who is no unit of the case (a supervisor, a dispatcher), true when a lead's request waits."""
    pending = Exists(Extension.objects.filter(
        assignment__message=OuterRef(message), assignment__role=A.Role.LEAD,
        assignment__state=A.State.ACTIVE, state=Extension.State.PENDING))
    return Case(When(Q(**{role: A.Role.ASSIST}), then=Value(False)), default=pending)


def _inbox_place(tab: str, keep_filters: dict, query: str) -> str:
    """The query string of the inbox's tab, filters and search (no page): its 导出 links', and where a refused
    export leads back to."""
    return urlencode({"tab": tab, **keep_filters, **({"q": query} if query else {})})


@login_required
def inbox(request):
    """My unit's cases by their next deadline (next_deadline: overdue first), or by the column whose header was
    clicked (?sort=, sort_headers); overdue, soon due and assisting cases
    on their own tabs; 指派给我 (or, from the head's 本单位办理情况, one officer's) as a filter
    over them. A dispatcher or supervisor without a unit lands on their own list, and a leader's office
    (``Roles.office_only``) whose units hold no case on its 领导来信 (since 2026-12-06: an empty 本单位待办)."""
    roles = _staff_roles(request)
    if not (roles.unit_ids or roles.admin):
        return redirect("board:triage" if roles.is_dispatcher else "board:supervision")
    if roles.office_only:  # its units hold no case in hand (``Roles.office_only``)
        return redirect("board:leader_office")
    now = clock()
    base, tab, qs, keep_filters, filter_words, filter_refused, query = _inbox_list(request, roles, now)
    inbox_tabs = _inbox_tabs(now)
    tab_counts = {key: Count("pk", filter=q) for key, (_, q) in inbox_tabs.items()}
    # 全部 / 指派给我 / 未指派: each with its count of the tab's cases (under the unit and search), as the tabs have;
    # in the tabs' query unless a 承办人 filter narrowed it, then one more over the list without it
    in_tab = inbox_tabs[tab][1]
    handler_counts = {"by_handler_all": Count("pk", filter=in_tab),
                      "by_handler_me": Count("pk", filter=in_tab & Q(handler=request.user)),
                      "by_handler_none": Count("pk", filter=in_tab & Q(handler__isnull=True))}
    if keep_filters.get("handler"):
        counts = base.aggregate(**tab_counts)
        counts.update(_inbox_list(request, roles, now, with_handler=False)[0].aggregate(**handler_counts))
    else:
        counts = base.aggregate(**tab_counts, **handler_counts)
    tabs = [(key, label, counts[key]) for key, (label, _) in inbox_tabs.items()]
    page = _paginate(request, qs)
    if page.missing is not None and page.missing > page.number and any(
            m.level == flash.SUCCESS for m in flash.get_messages(request)):
        # an action that emptied the last page (签收所选 of its one row) lands on the page before, its success
        # alone: 「第 N 页不存在」 beside it read as a failure (2026-12-07); a page typed past the end still says so
        page.missing = None
    page.object_list = list(page.object_list)
    for a in page.object_list:
        a.due_words = due_words(now, a.due_at)
        a.assignable = roles.admin or a.unit_id in roles.head_unit_ids  # 指派所选 may tick it
    return render(request, "board/staff/inbox.html", {
        # 指派所选: the people of the units the head heads among this page's rows, by unit
        "assign_to": _assign_choices([a for a in page.object_list if a.assignable]),
        "page": page, "tab": tab, "tab_label": inbox_tabs[tab][0],
        # an old bookmark or a typed ?tab= that is no tab: said so above the list
        "unknown_tab": request.GET.get("tab", tab) != tab,
        # each case opened from here leads back to this tab, filter, search and page (返回待办)
        "back": urlencode({"back": inbox_back(request.GET)}),
        # 签收所选 only over rows it can tick: not on a page of signed or assisting rows alone
        "signable": any(a.role == A.Role.LEAD and a.signed_at is None for a in page),
        "tabs": tabs, "counts": counts, "now": now, "section": "inbox",
        "q": query, "keep": _keep_query(request, "page"),
        # 导出: the rows of this tab, filters and search, every page (inbox_export)
        "export_param": _inbox_place(tab, keep_filters, query),
        "q_param": urlencode({**keep_filters, **({"q": query} if query else {})}),
        # the 全部 / 指派给我 / 未指派 links change the 承办人 filter alone: the tab, unit and search stay
        "handler_param": urlencode({"tab": tab, **{k: keep_filters[k] for k in ("unit", "sort") if k in keep_filters},
                                    **({"q": query} if query else {})}),
        # each sortable column's header: a link sorting by it (or the other way round), its aria-sort; the order
        # stays through the tabs, filters, search, pages, 返回待办 and the export (keep_filters holds it)
        "sort": keep_filters.get("sort", ""),
        "sort_headers": sort_headers(keep_filters.get("sort", DEFAULT_SORT),
                                     {"tab": tab, **keep_filters, **({"q": query} if query else {})}),
        "handler": keep_filters.get("handler", ""), "unit": keep_filters.get("unit", ""),
        "filter_words": filter_words, "error": f"{filter_refused}; 已显示全部待办" if filter_refused else "",
        "nothing_to_search": bool(query) and not search.searchable(query), "query_cut": query_cut(request),
        "digits": digits_part(query),
        "heads": bool(roles.head_unit_ids or roles.admin)})


def _assign_choices(rows) -> list[tuple]:
    """The officers and heads of each unit of ``rows`` (the inbox rows a head may tick), as 指派所选's
    list offers them: [(unit, [people])], the units by name, the people by name in pinyin (actions.unit_staff),
    in one query. A head of two units picks one of the ticked cases' unit; bulk.assign_each refuses a mix."""
    units = {a.unit_id: a.unit for a in rows}
    if not units:
        return []
    people: dict[int, list] = {pk: [] for pk in units}
    for m in actions.staff_memberships(units).select_related("user").order_by(*by_name("user__")):
        if m.user not in people[m.unit_id]:
            people[m.unit_id].append(m.user)
    return [(units[pk], people[pk]) for pk in sorted(units, key=lambda pk: units[pk].name) if people[pk]]


# 导出 of the inbox: more rows than a meeting reads is a list to narrow first (a tab, 单位, 承办人, 查找)
INBOX_EXPORT_MAX = 5000
INBOX_CLEARED_CHUNK = 500  # the rows the inbox export reads at a time, and what cleared their 督办 marks with them
INBOX_EXPORT_HEADER = ["编号", "标题", "留言时间", "区划", "领域", "单位", "本单位角色", "签收时间", "承办人", "签收期限",
                       "答复期限", "剩余/超期工作日", "状态", "督办", "督办次数", "最近督办时间"]


def _inbox_export_rows(qs, now):
    """The rows of ``INBOX_EXPORT_HEADER``, each as the inbox's row shows the case (inbox.html)."""
    def moment(value, shape="%Y-%m-%d %H:%M"):
        return timezone.localtime(value, SHANGHAI).strftime(shape) if value else ""

    def cells(m):  # 督办次数, 最近督办时间
        count, at = Message.supervision_cells(m.supervised, m.supervised_count, m.last_supervised_at)
        return count, moment(at)

    shares = qs.iterator(chunk_size=INBOX_CLEARED_CHUNK)
    for a, cleared_kind in actions.cleared_kinds_of(shares, lambda a: (a.message_id, a.message.supervised,
                                                                       a.message.ever_supervised), INBOX_CLEARED_CHUNK):
        m = a.message
        if a.role == A.Role.ASSIST:  # an assisting unit does not sign: its row follows the lead unit's
            state = ["主办单位已签收" if a.signed_at else "主办单位待签收"]
        else:
            state = ["已签收" if a.signed_at else "待签收"]
            if a.sign_overdue:
                state.append("签收超期")
        if a.late == 0:
            state.append("已超期")
        if a.extension_pending:
            state.append("延期待审批")
        yield [m.public_id, m.title, moment(m.submitted_at), m.region.name, m.topic.name if m.topic else "",
               a.unit.name, a.get_role_display(), moment(a.signed_at), str(a.handler) if a.handler else "未指派",
               "" if a.role == A.Role.ASSIST or a.signed_at else moment(a.sign_due_at, "%Y-%m-%d"),
               moment(a.due_at, "%Y-%m-%d"), due_words(now, a.due_at), " · ".join(state),
               Message.supervision_label(m.supervised, m.ever_supervised, cleared_kind), *cells(m)]


@login_required
def inbox_export(request, fmt):
    """导出 of 本单位待办: the rows of the inbox's tab, filters and search (every page, at most INBOX_EXPORT_MAX),
    as CSV (UTF-8 with BOM) or Excel, through the statistics' exports (formula-like text written as text)."""
    from minsheng.stats import exports

    if fmt not in ("csv", "xlsx"):
        raise Http404("只支持 csv 或 xlsx 格式")
    roles = _staff_roles(request)
    if not (roles.unit_ids or roles.admin):
        return redirect("board:inbox")
    now = clock()
    _, tab, qs, keep_filters, _, filter_refused, query = _inbox_list(request, roles, now)
    if filter_refused:  # the page lists them all, and says so; a file would not say it
        flash.error(request, f"{filter_refused}; 未导出")
        return redirect(_inbox_url(_inbox_place(tab, keep_filters, query)))
    count = qs.count()
    if count > INBOX_EXPORT_MAX:
        flash.error(request, f"共 {count} 条, 超过导出上限 {INBOX_EXPORT_MAX} 条; 请选择标签、单位或承办人, 或查找缩小范围后再导出")
        return redirect(_inbox_url(_inbox_place(tab, keep_filters, query)))
    rows = _inbox_export_rows(qs.select_related(None).select_related("message__region", "message__topic", "unit", "handler"),
                              now)
    # saved as what it lists (「本单位待办-已超期-202612061346.xlsx」), as the statistics exports are; before
    # 2026-12-06 「inbox-overdue-…」
    label = "" if tab == "todo" else f"-{_inbox_tabs(now)[tab][0]}"
    stamp = f"{timezone.localtime(now, SHANGHAI):%Y%m%d%H%M}"
    name, ascii_name = f"本单位待办{label}-{stamp}.{fmt}", f"inbox-{tab}-{stamp}.{fmt}"  # ASCII beside it since 2026-12-06
    if fmt == "csv":
        return exports.stream_csv(name, INBOX_EXPORT_HEADER, rows, ascii_name)
    return exports.xlsx_response(name, [("本单位待办", INBOX_EXPORT_HEADER, rows)], ascii_name)


# a page of the inbox at most: more in one post is not what a page offered
BULK_SIGN_MAX = bulk.BULK_MAX


def _bulk_chosen(request, verb: str, chosen=None) -> tuple[list[str], str]:
    """The cases ticked for 签收所选 or 指派所选 (``verb``; ``chosen`` when the caller read them), and why they
    are not taken ('' when they are): none ticked, or more than a page."""
    chosen = _ticked(request) if chosen is None else chosen
    if not chosen:
        return chosen, f"请先勾选要{verb}的留言"
    if len(chosen) > BULK_SIGN_MAX:
        return chosen, f"一次最多{verb} {BULK_SIGN_MAX} 件, 请分页{verb}"
    return chosen, ""


@login_required
def inbox_sign(request):
    """批量签收: the cases ticked on the inbox, each signed as its case page's 签收 signs it; one
    signed meanwhile (another tab, a colleague) or no longer with the unit is counted, not refused."""
    if request.method != "POST":
        return redirect("board:inbox")
    roles = _staff_roles(request)
    back = safe_next(request, reverse("board:inbox"))
    chosen, refused = _bulk_chosen(request, "签收", _ticked_cases(request))
    if refused:
        flash.error(request, refused)
        return redirect(back)

    # one transaction (do_sign_many): a case refused is skipped alone, the others are signed together, and the
    # hotspots and statistics the cases touch are refreshed once at its commit, not after each case (in place
    # without a task worker: 20 cases cost 770 queries, 4 s on SQLite; then, each case signed in its own
    # savepoint, about 400; since 2026-12-06 a page costs about the same queries whatever its cases)
    cases, shares, done, assisting = [], {}, [], 0
    for message in Message.objects.filter(public_id__in=chosen).select_related("region").prefetch_related(
            Prefetch("assignments", queryset=A.objects.select_related("unit"))):
        assignments = list(message.assignments.all())
        try:
            if not can_see_case(roles, message, assignments):
                raise PermissionDenied("找不到该留言")
            a = _my_assignment(roles, message, A.Role.LEAD, assignments)
            if a.signed_at is not None:
                raise IllegalMove("已签收")
        except (PermissionDenied, IllegalMove) as exc:
            # a case the unit assists in (a head's every row has a box, for 指派所选): the unit's still, as 协办,
            # which signs nothing; it was said 「已不在本单位办理」 until 2026-12-06
            if any(x.role == A.Role.ASSIST and x.state == A.State.ACTIVE and x.unit_id in roles.unit_ids
                   for x in assignments) and not any(x.role == A.Role.LEAD and x.state == A.State.ACTIVE
                                                     and x.unit_id in roles.unit_ids for x in assignments):
                assisting += 1
                continue
            done.append((message, exc))
        else:
            cases.append((message, a.unit))
            shares[message.pk] = a
    done += [(m, exc) for (m, _), exc in zip(cases, actions.do_sign_many(request.user, cases), strict=True)]
    now = clock()
    # signed past their reply deadline: to answer at once, not 「在期限内」
    late = [m for m, exc in done if exc is None and shares[m.pk].due_at is not None and shares[m.pk].due_at < now]
    signed = sum(exc is None for _, exc in done)
    # a case only a change of the calendar moved since this read (a holiday entered meanwhile) is still the
    # unit's to sign: counted apart (since 2026-12-07, later; it was counted 「已签收或已不在本单位办理」)
    recomputed = sum(isinstance(exc, actions.CalendarMoved) for _, exc in done)
    skipped = len(chosen) - signed - assisting - recomputed  # numbers of no case the user may see among them
    assists = f"{assisting} 件为本单位协办, 协办单位无需签收"
    moved = f"{recomputed} 件的答复期限因节假日调整重新计算, 未签收, 请核对后再签收"
    if signed:
        flash.success(request, f"已签收 {signed} 件, 请在期限内答复"
                      + (f"; 其中 {len(late)} 件已过答复期限, 请尽快答复" if late else "")
                      + (f"; 另有 {skipped} 件已签收或已不在本单位办理, 未再签收" if skipped else "")
                      + (f"; 另有 {moved}" if recomputed else "")
                      + (f"; 另有 {assists}" if assisting else ""))
    elif recomputed:
        flash.error(request, f"所选 {moved}"
                    + (f"; 另有 {skipped} 件已签收或已不在本单位办理" if skipped else "")
                    + (f"; 另有 {assists}" if assisting else ""))
    elif not skipped:
        flash.error(request, f"所选 {assists}, 没有可签收的留言")
    else:
        flash.error(request, "所选留言已签收或已不在本单位办理" + (f" (另有 {assists})" if assisting else "")
                    + ", 没有可签收的留言")
    return redirect(back)


def _ticked_rows(request) -> tuple[list[str], dict[str, set[int]]]:
    """The inbox's ticked rows: (the case numbers, each once; the units whose rows were ticked of each case: a
    row a head may assign posts ``<编号>:<unit id>``, the share 指派所选 gives — a case has a row per assisting
    unit, and a head of its lead and an assisting unit means the row ticked). A plain 编号 (a row to sign only,
    or a post made elsewhere) is not narrowed to a unit."""
    chosen, rows, plain = [], {}, set()
    for value in _ticked(request):
        pid, _, unit = value.rpartition(":")
        if pid and id_param(unit) is not None:
            rows.setdefault(pid, set()).add(int(unit))
        else:
            pid = value
            plain.add(pid)
        chosen.append(pid)
    return list(dict.fromkeys(chosen)), {pid: units for pid, units in rows.items() if pid not in plain}


def _seen_on_inbox(request, chosen: list[str]) -> dict[tuple[str, int], int | None]:
    """The 承办人 each ticked row showed (its ``seen-<case>-<unit>`` field: a user id, '' for 未指派), for
    指派所选 to refuse a case another head gave out meanwhile; a field missing or odd is not compared."""
    seen = {}
    for key, value in request.POST.items():
        parts = key.split("-")
        if len(parts) != 3 or parts[0] != "seen" or parts[1] not in chosen or id_param(parts[2]) is None:
            continue
        if value == "":
            seen[(parts[1], int(parts[2]))] = None
        elif id_param(value) is not None:
            seen[(parts[1], int(parts[2]))] = int(value)
    return seen


def assign_words(outcomes: list[bulk.Outcome], handler) -> tuple[str, str]:
    """What 指派所选 did, in words: (how many were given to ``handler``, '' when none; the refused, each
    case with why, '' when none)."""
    done = sum(o.assigned for o in outcomes)
    refused = [o for o in outcomes if not o.assigned]
    said = f"已将 {done} 件指派给 {handler} 承办" if done else ""
    why = "; ".join(f"{o.public_id}{f'「{o.title}」' if o.title else ''}: {o.reason}" for o in refused)
    return said, (f"{len(refused)} 件未指派 — {why}" if refused else "")


@login_required
def inbox_assign(request):
    """指派所选: the unit head gives the cases ticked on the inbox to one officer of the unit
    (bulk.assign_each: each as the case page's 指派承办人 gives it). Heads only: an officer posting it is
    refused (403) and nothing changes. A handler of another unit, or cases of two units that cannot all go
    to that person, are refused whole; a single case refused (answered meanwhile, the person has it
    already, another head gave it out) is named with why, the others are assigned."""
    if request.method != "POST":
        return redirect("board:inbox")
    roles = _staff_roles(request)
    if not (roles.admin or roles.head_unit_ids):
        raise PermissionDenied(bulk.ONLY_HEADS)
    back = safe_next(request, reverse("board:inbox"))
    chosen, rows = _ticked_rows(request)
    chosen, refused = _bulk_chosen(request, "指派", chosen)
    if refused:
        flash.error(request, refused)
        return redirect(back)
    handler_id = id_param(request.POST.get("handler", ""))
    if handler_id is None:
        flash.error(request, "请选择承办人")
        return redirect(back)
    handler = User.objects.filter(pk=handler_id).first()
    try:
        outcomes = bulk.assign_each(request.user, chosen, handler, seen=_seen_on_inbox(request, chosen), rows=rows)
    except actions.Invalid as exc:
        flash.error(request, f"{exc}; 未指派任何留言")
        return redirect(back)
    said, why = assign_words(outcomes, handler)
    if said:
        flash.success(request, said + (f"; {why}" if why else ""))
    else:
        flash.error(request, f"没有指派任何留言: {why}")
    return redirect(back)


def _queue_query(request) -> str:
    """?q= of a staff list: a citizen on the phone gives the 编号, a colleague a few words of
    the title; the search of the public list (编号, or every word in title and body) within
    the list."""
    return (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]


MIN_DIGITS = 4  # fewer match too many numbers to pick a case out by: the word search alone, as before


def digits_part(query: str) -> str | None:
    """The digits ``query`` is, read as a phone number (national_phone: full-width digits, the separators of
    PHONE_SEPARATORS dropped, +86 as the 0 of the area code), when they are the end of a 留言编号 or of a
    phone number as read out on a call: ``MIN_DIGITS`` or more, not a whole mobile number (canonical_phone)
    nor a whole 留言编号 (search.message_number), which find their case alone."""
    digits = national_phone(query)
    if len(digits) < MIN_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return None if canonical_phone(digits) or search.message_number(digits) else digits


def queue_condition(query: str, through: str = "") -> Q | None:
    """What ?q= of a staff list finds (the inbox's and the queue's, and the API's box=unit and box=dispatch), as
    a condition on a message (on ``through``'s, "message__", for a list of assignments); None: nothing to find
    by, the whole list. The citizen's mobile number (as typed: spaces, dashes, +86) finds their cases, as the
    citizen on the phone gives it; the last digits of one (digits_part: 「0711」, as they read them out) the
    cases whose contact phone ends with them (a landline kept as sent read as national_phone_sql) and those whose
    留言编号 ends with them, beside the search's own matches (a number in a title, 「12345热线」): the end
    alone, as the start of every 编号 is its date (「2026」 would find every case). These lists hold the cases
    whose contact data their users see (shows_contact); a leader's office, which does not, searches its list
    without them (leader_office.office_messages). Anything else is the search of the public list."""
    phone = canonical_phone(query)
    if phone:
        return Q(**{f"{through}contact_phone": phone})
    words = search.matching(query)
    if words is not None and through:  # the search's condition is on a message's own columns
        words = Q(**{f"{through}in": Message.objects.filter(words)})
    digits = digits_part(query)
    if digits is None:
        return words
    # the digits are words too (query_words): the search's condition is never None here
    field = f"{through}contact_phone"
    # the extension's readings only where one may be (review of 2026-12-08: on every row they cost 3 to 6 times
    # the digits' end; bench/phone_search.py)
    extension = may_hold_extension(field) & (Q(EndsWith(national_phone_sql(field, extension=True), digits))
                                             | number_before_extension(field, digits))
    return (Q(EndsWith(national_phone_sql(field), digits)) | extension
            | Q(**{f"{through}public_id__endswith": digits}) | words)


def may_hold_extension(field: str) -> Q:
    """The stored phones (``field``) showing an extension's mark (转, 分机, #, x, ext., or a dash and 1–6 digits after
    a whole local number: phones.split_extension), cheap to test before reading one."""
    marks = Q()
    for mark in ("转", "分", "#", "x", "X"):
        marks |= Q(**{f"{field}__contains": mark})
    dash = Q()
    for mark in ("-", "—", "–"):  # the regular expression only where a dash is: it is dear on SQLite (Python's)
        dash |= Q(**{f"{field}__contains": mark})
    return marks | (dash & Q(**{f"{field}__regex": r"[0-9]{7}" + phones.EXTENSION_DASH + phones.EXTENSION_DIGITS}))


def number_before_extension(field: str, digits: str) -> Q:
    """The stored phones (``field``) with an extension whose number ends with ``digits`` (0931-8123456转802,
    0931-8123456-802, (0931)8123456 ext. 802 by 「3456」 or 「8123456」: the number the caller gives, the 分机 asked
    for once through), read as phones.split_extension reads them, in the regular expressions Python (SQLite) and
    PostgreSQL read alike; the separators a number is written with may stand between the digits, and a 0 first may
    be a +86 or 0086 before the area code (national_phone)."""
    tail = "[ ()-]*".join(digits)
    if digits.startswith("0"):
        tail = r"(?:0|^ *(?:\+86|0086))" + tail[1:]
    with_word = Q(**{f"{field}__regex": tail + phones.EXTENSION_WORD + phones.EXTENSION_DIGITS})
    after_dash = phones.EXTENSION_DASH + phones.EXTENSION_DIGITS
    with_dash = Q(**{f"{field}__regex": tail + after_dash}) & Q(
        **{f"{field}__regex": phones.EXTENSION_DASH_AFTER + after_dash})
    return with_word | with_dash


def queue_matches(messages, query: str):
    """The ``messages`` ?q= of a staff list finds (queue_condition)."""
    condition = queue_condition(query)
    return messages if condition is None else messages.filter(condition)


TRIAGE_TABS = {
    "all": ("全部", Q()),
    "returned": ("被退回", Q(was_returned=True)),
    "submitted": ("待审核", Q(status=Status.SUBMITTED)),
    "accepted": ("待派单", Q(status=Status.ACCEPTED)),
}


@login_required
def triage(request):
    """The dispatcher's queue: submitted and accepted messages of their regions, the
    ones returned by units first, then the oldest."""
    roles = _staff_roles(request)
    if not roles.is_dispatcher:
        raise PermissionDenied("您不是派单员")
    returned = A.objects.filter(message=OuterRef("pk"), state=A.State.RETURNED)
    base = (Message.objects.filter(roles.region_q(roles.dispatch_prefixes),
                                   status__in=[Status.SUBMITTED, Status.ACCEPTED])
            .annotate(was_returned=Exists(returned)))
    query = _queue_query(request)
    base = queue_matches(base, query)
    counts = base.aggregate(all=Count("pk"), returned=Count("pk", filter=Q(was_returned=True)),
                            submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
                            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)))
    tab = request.GET.get("tab", "all")
    unknown_tab = tab not in TRIAGE_TABS  # said so above the list, as on 本单位待办
    if unknown_tab:
        tab = "all"
    qs = (base.filter(TRIAGE_TABS[tab][1])
          .select_related("addressee", "resubmission_of", *SUGGEST_RELATED)
          .order_by("-was_returned", "submitted_at", "pk"))
    tabs = [(key, label, counts[key]) for key, (label, _) in TRIAGE_TABS.items()]
    page = _paginate(request, qs, count=counts[tab])  # the tab's count above, not a second scan of the queue
    page.object_list = list(page.object_list)
    # the case page's 疑似重复 list, counted for the page's rows at once (not a lookup per row)
    duplicates = staff_hints.near_duplicates_each(page.object_list)
    # 建议承办单位: what each row's dispatch form would preselect, and 按建议派单 dispatch (the page's rows at once)
    plans = batch_dispatch.plan_each(page.object_list, duplicates)
    for m in page.object_list:
        m.duplicate_count = len(duplicates.get(m.pk, ()))
        m.plan = plans[m.pk]
    return render(request, "board/staff/triage.html", {
        "page": page, "tab": tab, "tabs": tabs, "section": "triage", "q": query,
        "unknown_tab": unknown_tab, "tab_label": TRIAGE_TABS[tab][0],
        "batchable": any(not m.plan.why_not for m in page.object_list), "batch_max": batch_dispatch.BATCH_MAX,
        "nothing_to_search": bool(query) and not search.searchable(query), "query_cut": query_cut(request),
        "digits": digits_part(query),
        "sure": settings.MINSHENG_PREFILL_CONFIDENCE,
        "keep": _keep_query(request, "page"), "q_param": urlencode({"q": query}) if query else ""})


@login_required
def triage_dispatch(request):
    """按建议派单: the cases ticked on the queue, each dispatched as its case page's 派单 with the
    form as prefilled (batch_dispatch); the flash names each one skipped and why."""
    if request.method != "POST":
        return redirect("board:triage")
    roles = _staff_roles(request)
    if not roles.is_dispatcher:
        raise PermissionDenied("您不是派单员")
    back = safe_next(request, reverse("board:triage"))
    chosen = _ticked(request)
    if not chosen:
        flash.error(request, "请先勾选要按建议派单的留言")
        return redirect(back)
    if len(chosen) > batch_dispatch.BATCH_MAX:
        flash.error(request, f"一次最多按建议派单 {batch_dispatch.BATCH_MAX} 件, 请分页派单")
        return redirect(back)
    # each row posts back what it showed (seen-<id>): a plan changed since is not dispatched
    outcomes = batch_dispatch.dispatch_by_suggestion(
        request.user, chosen, seen={pid: request.POST.get(f"seen-{pid}", "") for pid in chosen}, then=RECOMPUTED_QUEUE)
    done = [o for o in outcomes if o.dispatched]
    if done:
        flash.success(request, f"已按建议派单 {len(done)} 件: "
                      + "; ".join(f"{o.public_id} → {o.lead.name}" for o in done))
    for o in outcomes:
        if not o.dispatched:
            flash.error(request, f"未派单 {o.public_id}{f'「{o.title}」' if o.title else ''}: {o.reason}")
    return redirect(back)


# a province's supervisor counts overdue cases by prefecture, a prefecture's by county;
# a county's by the region itself (the county or its townships)
DISTRICT_DEPTH = {2: 4, 4: 6}
DISTRICT_LEVEL = {2: Region.Level.PROVINCE, 4: Region.Level.PREFECTURE, 6: Region.Level.COUNTY,
                  None: Region.Level.TOWNSHIP}  # the level of the districts counted at each depth


def _district_depth(roles: Roles) -> int | None:
    """How deep the tabs count: the districts just below the supervisor's regions; for an admin, below the
    directory's home region (甘肃省's cities, as the dashboard lists them: by province, a directory of one
    province had a single tab, so none, before 2026-12-05), by province when there are several."""
    if roles.admin or not roles.supervise_prefixes:
        home = home_region()
        return DISTRICT_DEPTH.get(len(home.prefix)) if home is not None else 2
    return DISTRICT_DEPTH.get(min(len(p) for p in roles.supervise_prefixes))


def _district_code(code: str, depth: int | None) -> str:
    return code if depth is None else code[:depth].ljust(6, "0")


def _district_q(code: str, depth: int | None, field: str = "region__code") -> Q:
    """The messages counted under ``code`` by ``_district_code``; ``field``: the region code's path from
    the rows filtered (an extension request's message's)."""
    return Q(**{field: code}) if depth is None else Q(**{f"{field}__startswith": code[:depth]})


def _overdue_by_district(overdue, depth: int | None, others=()) -> list[dict]:
    """Overdue cases per district, the most first: who is late, at a glance; then, with 0, the districts of
    ``others`` (region codes of the page's other sections: since 2026-12-06 every section follows the tab, and a
    district with only an extension to decide, a case due soon or one supervised had no tab)."""
    counts: dict[str, int] = {}
    for code, n in overdue.order_by().values_list("region__code").annotate(n=Count("pk")):
        key = _district_code(code, depth)
        counts[key] = counts.get(key, 0) + n
    for code in others:
        counts.setdefault(_district_code(code, depth), 0)
    # a district above the others' level holds the cases filed there: 兰州市本级 beside its counties
    # (as the dashboard names it), not 兰州市, which reads as the whole city
    regions = {code: (name, region_level)
               for code, name, region_level in Region.objects.filter(code__in=counts).values_list("code", "name", "level")}
    districts = (_district(code, *regions.get(code, (code, None)), depth, n) for code, n in counts.items())
    return sorted(districts, key=lambda d: (-d["count"], d["code"]))


def _district(code: str, name: str, region_level: int | None, depth: int | None, count: int) -> dict:
    """A district tab: its name (「兰州市本级」 for a district above the others' level, the cases filed
    there, as the dashboard names it: 兰州市 read as the whole city) and its list on /stats/overdue/."""
    level = DISTRICT_LEVEL.get(depth)
    own = bool(level and region_level is not None and region_level < level)
    # its cases on /stats/overdue/ too (sortable by 超期天数, exported there): the own level alone for 本级
    query = urlencode({"region": code, **({"own": 1} if own else {})})
    return {"code": code, "name": f"{name}本级" if own else name, "count": count,
            "list_url": f"{reverse('stats:overdue')}?{query}"}


class NoSuchDistrict(Http404):
    """A ?district= the 督办 page offers no tab of (``_chosen_district``): answered 404 with the way back."""


def _chosen_district(code: str, roles: Roles, depth: int | None) -> dict:
    """The district ``?district=`` names when none of its cases is late (its tab is missing): 404 for
    a code that is no region or no district of this page (a township under a county's tab), 403 for
    one outside the supervisor's regions. A code of anything but ASCII digits (at most 12, a region code's
    length) is neither looked up (a NUL byte made PostgreSQL fail) nor repeated (since 2026-12-07)."""
    if not (code.isascii() and code.isdigit() and len(code) <= 12):
        raise NoSuchDistrict("区划代码应为数字")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NoSuchDistrict(f"没有区划代码为 {code} 的区划")  # the words of every other page (区划: an admin's tabs are cities)
    if not roles.admin and not any(code.startswith(p) for p in roles.supervise_prefixes):
        raise PermissionDenied(f"{region.name}不在您督办的区划内")
    if _district_code(code, depth) != code:
        raise NoSuchDistrict(f"{region.name}不是督办页可选的区划")
    return _district(code, region.name, region.level, depth, 0)


def _keep_query(request, param: str, query: QueryDict | None = None) -> str:
    """The list's query string without ``param``: paging one section keeps the others'."""
    query = (request.GET if query is None else query).copy()
    query.pop(param, None)
    return query.urlencode()


def _supervision_context(request, roles: Roles, query: QueryDict | None = None) -> dict:
    """``query``: the list's own query string (page of each section, district) when an action
    posted from it is refused and the list is shown again at another address."""
    query = request.GET if query is None else query
    # as of the minute the figures count (``deadlines.clock``), every section: the late cases of the dashboard
    # and /stats/overdue/ are those listed here (since 2026-12-06; before, the exact time: in the seconds after a
    # deadline passed, 3 late here beside the dashboard's 2); a case late within the minute is 即将到期 until then
    now = clock()
    # each row's units by the function the staff API names them by (handling_units), over these
    shares = Prefetch("assignments", queryset=A.objects.select_related("unit"))
    scope = roles.region_q(roles.supervise_prefixes)
    overdue = Message.objects.filter(scope, overdue_q(now))
    depth = _district_depth(roles)
    # the other sections over the whole of the supervisor's regions, each filtered by the tab below
    # pressed now, or once and the mark cleared since by a 转办, 退单 or 重办 (「转办后未再督办」, below): a unit does
    # not make a case vanish from the supervisor's list by passing it on (review, 2026-12-07)
    supervised = (Message.objects.filter(scope, ever_supervised=True)
                  .exclude(status__in=[Status.CLOSED, Status.REJECTED, Status.WITHDRAWN, Status.MERGED]))
    soon_leads = A.objects.filter(_inbox_tabs(now)["soon"][1], state=A.State.ACTIVE)
    due_soon = Message.objects.filter(scope, status__in=Status.handling(), pk__in=soon_leads.values("message_id"))
    extensions = Extension.objects.filter(roles.region_q(roles.supervise_prefixes, "assignment__message__region__code"),
                                          state=Extension.State.PENDING, assignment__state=A.State.ACTIVE)
    others = set(supervised.order_by().values_list("region__code", flat=True).union(  # one query
        due_soon.order_by().values_list("region__code", flat=True),
        extensions.order_by().values_list("assignment__message__region__code", flat=True)))
    districts = _overdue_by_district(overdue, depth, others)
    chosen = (query.get("district") or "").strip()
    district = next((d for d in districts if d["code"] == chosen), None)
    if district is None and chosen:  # a district with nothing late: shown empty, not all of them
        district = _chosen_district(chosen, roles, depth)
        # its tab, highlighted as any chosen one (since 2026-12-07; before, no tab was: 全部区划 read as not chosen)
        districts = [*districts, district]
    # every section follows the tab (since 2026-12-06; before, only 超期未答复 did and the others listed the whole city)
    in_district = _district_q(district["code"], depth) if district is not None else Q()
    overdue = overdue.filter(in_district)
    overdue = _paginate(query, overdue.select_related("region", "topic").order_by("due_at", "pk"), "op")
    # a supervised case stays listed once answered (until closed): the unit that answered it leads
    supervised = (supervised.filter(in_district)
                  .select_related("region", "topic").prefetch_related(shares)
                  .annotate(late=_late_first(now)).order_by("late", "due_at", "pk"))
    supervised = _paginate(query, supervised, "sp")
    # what cleared a mark since (「转办后未再督办」), read for the page's rows
    supervised.object_list = actions.with_cleared_kinds(supervised.object_list)
    for m in supervised:  # both when two lead it (联合办理); none (尚未派单) once given back, a reopened case too
        m.lead_units = handling_units(m, A.Role.LEAD)
        m.late_as_of = now  # its 已超期 as of the page's minute, as 超期未答复 above and the API's items
    # 即将到期: the cases whose lead unit's deadline falls before the inbox's 即将到期 limit, to chase before
    # they are late; once each, by its earliest such deadline (one row per lead unit listed a case
    # led by two units twice)
    due_soon = (due_soon.filter(in_district)
                .annotate(soon_due=Subquery(soon_leads.filter(message=OuterRef("pk")).order_by("due_at")
                                            .values("due_at")[:1]))
                .select_related("region").order_by("soon_due", "pk"))
    due_soon = _paginate(query, due_soon, "dp")
    overdue.object_list, due_soon.object_list = list(overdue.object_list), list(due_soon.object_list)
    # both lists' lead units in one query
    prefetch_related_objects([*overdue.object_list, *due_soon.object_list], shares)
    for m in overdue.object_list:  # how late, as /stats/overdue/ says it (the list gave the deadline alone)
        m.overdue_days = working_days_late(m.due_at, now)
        m.lead_units = handling_units(m, A.Role.LEAD)
    soon_until = due_soon_until(now)
    for m in due_soon.object_list:
        m.due_words = due_words(now, m.soon_due)
        m.soon_leads = [a for a in handling_units(m, A.Role.LEAD) if a.due_at and now <= a.due_at <= soon_until]
    # a request whose unit no longer handles the case (replied, transferred, returned) cannot be decided
    extensions = (extensions.filter(_district_q(district["code"], depth, "assignment__message__region__code")
                                    if district is not None else Q())
                  .select_related("assignment__unit", "assignment__message__region", "requested_by")
                  .order_by("requested_at", "pk"))
    # shown again at an action's address, the list's links name the list
    list_url = reverse("board:supervision") if query is not request.GET else ""
    extensions = _paginate(query, extensions, "ep")
    for e in extensions:  # what 同意延期 would make the deadline, and whether the case would still be late
        e.new_due = actions.extended_due(e.assignment.message, e.days, now)
    return {"overdue": overdue, "due_soon": due_soon, "supervised": supervised,
            "extensions": extensions, "now": now, "section": "supervision", "soon_days": DUE_SOON_WORKING_DAYS,
            "districts": districts, "district": district,
            "keep": {p: _keep_query(request, p, query) for p in ("op", "dp", "sp", "ep")},
            "decide_form": forms.DecideExtensionForm(),
            # links and the forms' ``next``: the list, also when shown again at an action's address
            "list_url": list_url,
            "here": f"{reverse('board:supervision')}?{query.urlencode()}" if query else reverse("board:supervision")}


def _refused_on_supervision(request, roles: Roles, error: str, status: int, *, or_without_next=False, **extra):
    """An action posted from the supervisor's list and refused: the list again, at the page
    and district it was posted from (its ``next``), with the error; None when it came from
    elsewhere (the case page shows the error then). ``or_without_next``: a post naming no
    page at all is taken as from the list too."""
    parts = urlsplit(request.POST.get("next") or "")
    from_list = not (parts.scheme or parts.netloc) and (
        parts.path == reverse("board:supervision") or (or_without_next and not parts.path))
    if not roles.is_supervisor or not from_list:
        return None
    query = QueryDict(parts.query, mutable=True)
    try:
        context = _supervision_context(request, roles, query)
    except NoSuchDistrict:  # a district no tab names in the list's address: the whole list, with the error
        query.pop("district")
        context = _supervision_context(request, roles, query)
    context.update(error=error, **extra)
    return render(request, "board/staff/supervision.html", context, status=status)


@login_required
def supervision(request):
    """The supervisor's view: overdue cases, those due soon (即将到期), supervised cases, extension requests."""
    roles = _staff_roles(request)
    if not roles.is_supervisor:
        raise PermissionDenied("您不是督办员")
    try:
        context = _supervision_context(request, roles)
    except NoSuchDistrict as exc:  # a ?district= no tab names (``_chosen_district``): why, and the way back
        back = (reverse("board:supervision"), "返回督办")
        return render(request, "404.html", {"reason": str(exc), "back": back}, status=404)
    return render(request, "board/staff/supervision.html", context)


# --- the case page ----------------------------------------------------------------

def _reading_detail(event: Event, topics: dict) -> str:
    """What the machine read (自动分类) or what a dispatcher changed of it (人工更正分类), in
    words: the timeline showed the two events without saying what was read or corrected."""
    d, kinds = event.data or {}, dict(MessageKind.choices)
    parts = []
    if event.kind == Event.Kind.CLASSIFIED:
        # a no-break space: 「(置信度 0.63)」 is not cut in two at the end of a phone's line
        if d.get("topic"):
            parts.append(f"领域 {d['topic']} (置信度\u00a0{confidence_text(d.get('topic_confidence') or 0)})")
        if d.get("kind") in kinds:
            parts.append(f"类型 {kinds[d['kind']]} (置信度\u00a0{confidence_text(d.get('kind_confidence') or 0)})")
        return "; ".join(parts)
    topic, kind = d.get("topic"), d.get("kind")
    if isinstance(topic, list) and len(topic) == 2:
        parts.append("领域: {} → {}".format(*(topics.get(pk, "未分类") for pk in topic)))
    if isinstance(kind, list) and len(kind) == 2:
        parts.append("类型: {} → {}".format(*(kinds.get(code, "—") for code in kind)))
    return "; ".join(parts)


def _held_detail(data: dict) -> str:
    """Why a sure message was not dispatched automatically (insight.tasks.auto_dispatch): the case
    waited in the queue and nothing on it said why."""
    if data.get("duplicates"):
        return f"疑似与留言 {'、'.join(data['duplicates'])} 重复, 请派单人员核对并单"
    if data.get("lookup_failed"):
        return "查重失败, 请派单人员核对是否与在办留言重复"
    if data.get("unmeasured_model"):
        return "领域模型训练数据不足, 未经留出验证, 其置信度不可靠, 不自动派单; 请派单人员派单 (积累更多已派单留言后重新训练)"
    return ""


def _carried_words(via: str | None) -> str:
    """A 承办人 kept by a case back to the unit (actions._told_carried; events before 2026-12-04 have
    no ``via``: 重办), as the history says it."""
    via = via if via in notify.CARRIED_OVER else "reopen"
    return f"{notify.CARRIED_OVER[via]}, 沿用{'上一轮' if via == 'reopen' else '原'}承办人"


def _event_detail(event: Event, topics: dict | None = None) -> str:
    return "; ".join(text for text, _ in _event_detail_parts(event, topics))


def _event_detail_parts(event: Event, topics: dict | None = None) -> list[tuple[str, bool]]:
    """The parts of an event's line of history, each with whether it is what someone wrote (a reason, a
    note, …): the page keeps a name whole (「领域 住房保障」) but wraps what was written as text does."""
    if event.kind in (Event.Kind.CLASSIFIED, Event.Kind.CORRECTED):
        return _as_parts(_reading_detail(event, topics or {}))
    d = event.data or {}
    if event.kind == Event.Kind.AUTO_HELD:
        return _as_parts(_held_detail(d))
    if event.kind == Event.Kind.DEADLINE_MOVED:
        return _as_parts(change_words(d))
    parts = []
    if event.kind == Event.Kind.DISPATCHED and d.get("auto"):
        # an automatic dispatch (insight.tasks.auto_dispatch) has no actor: the line read as any
        # dispatch with its dispatcher's name missing (a dispatcher's account deleted later leaves none either)
        parts.append("系统自动派单 (本区划已开启自动派单, 预测领域的置信度达到设定值)")
    if d.get("lead"):
        parts.append(f"主办: {d['lead']}")
    if d.get("assists"):
        parts.append("协办: " + "、".join(d["assists"]))
    if d.get("to"):
        parts.append(f"转至: {d['to']}")
    if d.get("days"):
        parts.append(f"{d['days']} 个工作日")
    if event.kind == Event.Kind.HANDLER_ASSIGNED and d.get("handler"):
        parts.append(f"承办人: {d['handler']}" + (f" (原承办人: {d['previous']})" if d.get("previous") else "")
                     + (f" ({_carried_words(d.get('via'))})" if d.get("carried_over") else ""))
    if event.kind == Event.Kind.CLOSED:  # a closing's reason is a code, not words someone wrote
        d = {**d, "reason": close_reason(d.get("reason"))}
    parts = [(text, False) for text in parts]
    for key, label in (("reason", "理由"), ("note", "意见"), ("body", "内容"), ("comment", "评价")):
        if d.get(key):
            # a closing's reason is the site's words (close_reason above), not someone's
            parts.append((f"{label}: {d[key]}", event.kind != Event.Kind.CLOSED))
    if d.get("into"):
        parts.append((f"并入: {d['into']}", False))
    if d.get("merged"):
        parts.append((f"并入本件: {d['merged']}", False))
    if event.kind == Event.Kind.UNMERGED:
        parts.insert(0, (f"撤出留言 {d['split']}, 不再并入本件" if d.get("split")
                         else f"已撤出原主件 {d['main']}, 重新待派单" if d.get("main") else "重新待派单", False))
    return parts


def _as_parts(text: str) -> list[tuple[str, bool]]:
    return [(text, False)] if text else []


# the fields of the case page's forms that hold what someone wrote (答复, 理由, 意见)
WRITTEN_FIELDS = ("body", "reason", "note")


def _written_text(form) -> str:
    """What was written in ``form`` (bound, or shown again with its post as initial values)."""
    source = form.data if form.is_bound else form.initial
    return "\n\n".join(str(source.get(f)).strip() for f in WRITTEN_FIELDS if str(source.get(f) or "").strip())


def _case_forms(message: Message, roles: Roles, units, suggestion: Suggestion | None, returned_by=(),
                transfer_to=None) -> dict:
    """The forms of the case page; ``returned_by``: units that returned the case (退单), never
    preselected to receive it again (the table that sent it to them still names them); ``transfer_to``:
    the unit 转办 preselects (staff_hints.transfer_hint)."""
    v = {"version": message.version}
    result = {
        "sign": forms.SignForm(initial=v), "reply": forms.ReplyForm(initial=v),
        "transfer": forms.TransferForm(initial={**v, "to_unit": transfer_to.pk if transfer_to else None}, units=units),
        "return": forms.ReturnForm(initial=v),
        "extend": forms.ExtensionForm(initial=v), "assist": forms.AssistNoteForm(initial=v),
        "note": forms.InternalNoteForm(initial=v),
        "accept": forms.AcceptForm(initial=v), "reject": forms.RejectForm(initial=v),
        "merge": forms.MergeForm(initial=v), "unmerge": forms.ReasonForm(initial=v),
        "supervise": forms.SuperviseForm(initial=v),
    }
    initial = dict(v)
    if suggestion is not None:  # what 按建议派单 of the queue dispatches (batch_dispatch)
        prefill = prefilled(message, suggestion, returned_by, units)
        if prefill.lead is not None:
            initial["lead"] = prefill.lead.pk
        if prefill.assists:
            initial["assists"] = [u.pk for u in prefill.assists]
        if prefill.topic is not None:
            initial["topic"] = prefill.topic.pk
        if prefill.kind:
            initial["kind"] = prefill.kind
        # what the units were suggested for: a 领域 changed later asks for its own (dispatch_suggest)
        initial["shown_topic"] = prefill.topic.pk if prefill.topic is not None else ""
        initial["shown_lead"] = prefill.lead.pk if prefill.lead is not None else ""
        initial["shown_assists"] = ",".join(str(u.pk) for u in prefill.assists)
    result["dispatch"] = forms.DispatchForm(initial=initial, units=units, message=message)
    return result


@dataclass
class Resuggestion:
    """The 派单 form after its 领域 changed (``resuggest``)."""

    suggestion: Suggestion  # for the 领域 chosen (the message's own when 不变)
    form: forms.DispatchForm  # unbound: the units suggested for it where none was chosen by hand
    offer: tuple | None  # (lead, assists) suggested where a unit chosen by hand differs: 采用建议
    replaced: bool  # a unit the form had preselected was changed for the 领域
    topic_changed: bool  # the 领域 is not the one the posted form's units were suggested for
    lead_by_hand: bool  # the lead posted is not the one the form had preselected


def _ids(raw) -> set[int]:
    return {pk for pk in (id_param(part.strip()) for part in str(raw or "").split(",")) if pk is not None}


def resuggest(message: Message, post, units, returned_by, *, adopt: bool = False) -> Resuggestion:
    """The 派单 form ``post`` (what the dispatcher chose) with its units suggested again for the 领域
    chosen and the case's region (as the page suggests them: ``suggestion_for``, ``proposed_units``).
    A lead or set of assisting units other than the form preselected (``shown_lead``, ``shown_assists``)
    was chosen by hand and is kept, the suggestion offered beside it (``offer``), unless ``adopt``
    (采用建议). docs/routing.md, 「The dispatcher changes the topic」."""
    posted = forms.DispatchForm(post, units=units, message=message)
    posted.is_valid()  # what parses is read; the rest is asked again on 派单
    data = posted.cleaned_data
    topic = data.get("topic")
    shown_pk = id_param(str(post.get("shown_topic") or ""))
    before = (Topic.objects.filter(pk=shown_pk).first() if shown_pk else None) or message.topic
    chosen = topic or message.topic
    suggestion = suggestion_for(message, topic=chosen) if chosen is not None else suggestion_for(message)
    lead, assists = proposed_units(suggestion, returned_by, units)
    new_lead, new_assists = (lead.pk if lead else None), [u.pk for u in assists]
    lead_pk = data["lead"].pk if data.get("lead") else None
    assist_pks = {u.pk for u in data.get("assists") or ()}
    lead_by_hand = lead_pk != id_param(str(post.get("shown_lead") or ""))
    assists_by_hand = assist_pks != _ids(post.get("shown_assists"))
    keep_lead, keep_assists = lead_by_hand and not adopt, assists_by_hand and not adopt
    offer = (lead, assists) if (keep_lead and lead_pk != new_lead) or (
        keep_assists and assist_pks != set(new_assists)) else None
    replaced = (not keep_lead and lead_pk != new_lead) or (not keep_assists and assist_pks != set(new_assists))
    version = data.get("version")
    initial = {"version": message.version if version is None else version, "topic": topic.pk if topic else "",
               "kind": data.get("kind") or "",
               "lead": lead_pk if keep_lead else new_lead,
               "assists": sorted(assist_pks) if keep_assists else new_assists,
               "shown_topic": topic.pk if topic else "", "shown_lead": new_lead or "",
               "shown_assists": ",".join(map(str, new_assists))}
    return Resuggestion(suggestion=suggestion, form=forms.DispatchForm(initial=initial, units=units, message=message),
                        offer=offer, replaced=replaced, topic_changed=chosen != before, lead_by_hand=lead_by_hand)


def _render_case(request, roles: Roles, message: Message, *, bound=None, error="", status=200, preview=None,
                 conflict="", decide_form=None, decide_id=None, unsent_text="", resuggested=None, recomputed=None):
    """The case page; ``resuggested``: the 派单 form with its units suggested again for the 领域 chosen
    (``resuggest``); ``conflict``: the action whose stale form was refused (kept in ``bound``);
    ``recomputed``: the 节假日调整 events that alone moved the case since that form was loaded
    (actions.recomputed_since): said instead of 「刚刚被其他人处理过」;
    ``decide_form``: the 审批意见 of the extension request ``decide_id``, refused, shown again;
    ``unsent_text``: text written in a form the page no longer offers (an extension decided meanwhile)."""
    now = clock()
    back = _back_from(request)
    assignments = list(message.assignments.select_related("unit", "handler").order_by("assigned_at", "pk"))
    active = [a for a in assignments if a.state == A.State.ACTIVE]
    my_lead = next((a for a in active if a.role == A.Role.LEAD and (a.unit_id in roles.unit_ids or roles.admin)),
                   None)
    my_assist = next((a for a in active if a.role == A.Role.ASSIST and a.unit_id in roles.unit_ids), None)
    headed_list = actions.headed_assignments(request.user, message, active)
    dispatcher = roles.dispatches(message.region)
    supervisor = roles.supervises(message.region)
    extensions = list(Extension.objects.filter(assignment__message=message)
                      .select_related("assignment__unit", "requested_by", "decided_by").order_by("requested_at"))
    # one pending request per assignment (actions.do_request_extension): no form meanwhile
    may_extend = bool(my_lead and allowed("request_extension", message.status))
    pending_extension = next((e for e in extensions if may_extend and e.assignment_id == my_lead.pk
                              and e.state == Extension.State.PENDING), None)
    can = {
        "sign": bool(my_lead and my_lead.signed_at is None and allowed("sign", message.status)),
        "reply": bool(my_lead and allowed("reply", message.status)),
        "transfer": bool(my_lead and allowed("transfer", message.status)),
        "return": bool(my_lead and allowed("return", message.status)),
        # after 签收 alone (actions.SIGN_BEFORE_EXTENSION), where the unit may sign
        "extend": may_extend and not actions.signs_before_extension(my_lead, message.status)
        and pending_extension is None,
        "assist": bool(my_assist and allowed("assist_note", message.status)),
        # 内部备注 (actions.do_internal_note): the lead unit while it holds the case, dispatchers, supervisors
        "note": bool(my_lead or dispatcher or supervisor or roles.admin) and allowed("note", message.status),
        "assign": bool(headed_list) and allowed("assign_handler", message.status),
        "accept": dispatcher and allowed("accept", message.status),
        "reject": dispatcher and allowed("reject", message.status),
        "dispatch": dispatcher and allowed("dispatch", message.status),
        "merge": dispatcher and allowed("merge", message.status),
        "unmerge": dispatcher and allowed("unmerge", message.status),
        "supervise": actions.may_supervise(roles, message),  # the 超期清单's 「督办 →」 asks the same
        "decide": supervisor and allowed("decide_extension", message.status),
    }
    if conflict:
        kept = len(bound[conflict].fields) > 1  # more than its version: what the user wrote or chose
        error = CONFLICT_RETRY + (CONFLICT_KEPT if kept else "") if can.get(conflict) else CONFLICT_GONE.format(
            actions.where_now(message))
        if recomputed is not None and can.get(conflict):
            error = actions.recomputed_words(recomputed, RECOMPUTED_RETRY) + (CONFLICT_KEPT if kept else "")
        if conflict == "sign" and my_lead and my_lead.signed_at:  # signed in another tab, or by a colleague
            # who: whose case it is now (「该留言已于 … 签收」 alone had the office asking round)
            signer = (message.events.filter(kind=Event.Kind.SIGNED, unit=my_lead.unit).select_related("actor")
                      .order_by("-at", "-pk").first())
            who = f"由{signer.actor}" if signer and signer.actor else ""
            error = ALREADY_SIGNED.format(who, timezone.localtime(my_lead.signed_at))
    units = actions.units_for(message) if (can["dispatch"] or can["transfer"]) else Unit.objects.none()
    returned_by = _returned_by(assignments)
    if resuggested is not None and not can["dispatch"]:
        resuggested = None
    if resuggested is not None:
        suggestion = resuggested.suggestion
        bound = {**(bound or {}), "dispatch": resuggested.form}
    else:
        suggestion = suggestion_for(message) if can["dispatch"] else None
    transfer_to, transfer_words = staff_hints.transfer_hint(message, my_lead.unit) if can["transfer"] else (None, "")
    # nor is a unit that gave the case away (转办, 退单) preselected to take it back: one click sent it straight back
    if transfer_to is not None and transfer_to.pk in returned_by | {
            a.unit_id for a in assignments if a.state == A.State.TRANSFERRED and a.role == A.Role.LEAD}:
        transfer_to = None
    case_forms = _case_forms(message, roles, units.exclude(pk=my_lead.unit_id) if my_lead else units, suggestion,
                             returned_by, transfer_to)
    # 指派承办人: a form for each unit the user heads that holds the case (lead and assisting);
    # a refused or stale one shown again in its unit's place
    assign_forms = []
    for a in headed_list if can["assign"] else ():
        form = forms.AssignHandlerForm(initial={"version": message.version, "handler": a.handler_id, "unit": a.unit_id},
                                       assignment=a, auto_id=f"id_assign{a.unit_id}_%s")
        if bound and "assign" in bound and id_param(str(bound["assign"]["unit"].value() or "")) in (a.unit_id, None):
            form = bound.pop("assign")
        # a form shown again (stale, or refused for its input: the choice kept) is checked against the
        # 承办人 this page names now, not the one its first page showed
        if form.is_bound:
            form.data = form.data.copy()
            form.data["seen"] = a.handler_id or ""
        else:
            form.initial["seen"] = a.handler_id
        assign_forms.append((a, form))
    # what was written in a form refused that the page no longer offers (a colleague answered meanwhile,
    # the case was transferred away): shown to copy, the page had dropped it with its form
    unsent = [(name, _written_text(form)) for name, form in (bound or {}).items() if not can.get(name)]
    if bound:
        case_forms.update(bound)
    events = list(message.events.select_related("actor", "unit"))
    corrected = [pk for e in events if e.kind == Event.Kind.CORRECTED and isinstance((e.data or {}).get("topic"), list)
                 for pk in e.data["topic"]]
    topics = dict(Topic.objects.filter(pk__in=corrected).values_list("pk", "name")) if corrected else {}
    for e in events:
        e.detail = _event_detail_parts(e, topics)
    returned = [e for e in events if e.kind == Event.Kind.RETURNED]
    supervisions = _supervisions(message, events)
    # the note of a split-out message, until it is dispatched again (as 单位退回's, while it waits)
    unmerged = [i for i, e in enumerate(events) if e.kind == Event.Kind.UNMERGED and "main" in (e.data or {})]
    if unmerged and any(e.kind == Event.Kind.DISPATCHED for e in events[unmerged[-1]:]):
        unmerged = []
    if roles.is_supervisor:  # its 老大难 badge as /chronic/ lists it: flagged by age within the hour
        hotspots_service.keep_heat_current()
    hotspot = hotspots_service.hotspot_of(message)
    held = staff_hints.held_on(message, events)
    earlier = message.resubmission_of  # 修改后重新提交: linked where its case page is not a 404 to the user
    # 已并入: the main case as written and its case page to those who may open it, else as the public reads it
    # (a unit that held the merged message reads its history, the main case's page a 404 to it; walk of 2026-12-06)
    main = message.duplicate_of
    main_link = "" if main is None else "case" if can_see_case(roles, main) else "public" if main.is_public else ""
    show_contact = shows_contact(roles, message, active)
    return render(request, "board/staff/case.html", {
        "message": message, "assignments": assignments, "my_lead": my_lead, "my_assist": my_assist,
        "assign_forms": assign_forms,
        "can": can, "forms": case_forms, "extensions": extensions, "pending_extension": pending_extension,
        "events": events, "supervisions": supervisions,
        "replies": list(message.replies.select_related("unit", "author")),
        "show_contact": show_contact, "suggestion": suggestion, "returned_by": returned_by,
        "resuggested": resuggested,
        "transfer_words": transfer_words,
        # a position far from the chosen region (Open311's rough GPS, a wrong region): said before dispatching
        "far_position": far_from_region(message),
        # 标注位置: as sent to those who see the phone (shows_contact), else as the public reads it (a point at home)
        "position": position_shown(message, exact=show_contact),
        # with the cases in hand its automatic dispatch was held on, where the five nearest leave them out
        "duplicates": staff_hints.titles_shown(roles, near_duplicates_for(message, held=held)) if can["merge"] else [], "held_on": held,
        "similar": similar_answered_for(message) if can["reply"] else [],
        # 并入本件的留言: as titles_shown shows them (the main case's unit never held one merged unread)
        "merged": staff_hints.titles_shown(roles, [(m, None) for m in message.merged.select_related("author")]),
        "last_return": returned[-1] if returned else None,
        "last_unmerge": events[unmerged[-1]] if unmerged else None,
        "attachments": list(message.attachments.all()), "error": error, "preview": preview, "now": now,
        "decide_form": decide_form or forms.DecideExtensionForm(), "decide_id": decide_id, "section": "case",
        "back": back, "back_url": _inbox_url(back) if back is not None else "",
        "unsent": "\n\n".join([text for _, text in unsent if text] + ([unsent_text] if unsent_text else [])),
        "due_words": due_words(now, message.due_at) if message.status in Status.handling() else "",
        # the 签收 box's: how late my unit's reply is, when its deadline has passed
        "lead_due_words": due_words(now, my_lead.due_at) if my_lead else "",
        "review": moderation.grouped(moderation.review(message.title, message.body)),
        "predicted_kind": dict(MessageKind.choices).get(message.predicted_kind, ""),
        # its flags as on the hotspot's page: for supervisors and leaders
        "hotspot": hotspot, "hotspot_link": bool(hotspot and hotspot.readable_by(roles)),
        "show_hotspot_flags": bool(hotspot and hotspot.flags_shown_to(roles)),
        "earlier_link": bool(earlier and can_see_case(roles, earlier)),
        "main_link": main_link,
    }, status=status)


def _supervisions(message: Message, events: list[Event]) -> list[tuple[Event, str]]:
    """督办记录: each 督办 of the case, oldest first, with the move that cleared its mark since (「转办前」,
    「重办前」…: ``actions.clearing_moves``, so not a 转办 of one of two lead units; "" for those 已督办 counts
    now). Every 督办 is kept (2026-12-07)."""
    if not any(e.kind == Event.Kind.SUPERVISED for e in events):
        return []
    clearing = set(actions.clearing_moves().filter(message=message).values_list("pk", flat=True))
    out, cleared = [], ""
    for e in reversed(events):
        if e.pk in clearing:
            cleared = f"{e.get_kind_display()}前"
        elif e.kind == Event.Kind.SUPERVISED:
            out.append((e, cleared))
    return out[::-1]


@login_required
def case(request, public_id):
    roles = _staff_roles(request)
    message = _case_or_404(roles, public_id)
    return _render_case(request, roles, message)


# --- actions ----------------------------------------------------------------------

def _run_sign(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.LEAD)
    actions.do_sign(request.user, message, a.unit)
    if a.due_at is not None and a.due_at < clock():  # since 2026-12-05: not 「在期限内」 of a passed one
        return "已签收; 该留言已过答复期限, 请尽快答复"
    return "已签收, 请在期限内答复"


def _run_reply(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.LEAD)
    # stored with what each part short of full marks misses: the case page says why a score is below 100
    actions.do_reply(request.user, message, a.unit, data["body"], quality=quality_to_publish(message, data["body"], a.unit))
    return "答复已公开发布"


def _run_transfer(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.LEAD)
    actions.do_transfer(request.user, message, a.unit, data["to_unit"], data["reason"])
    return f"已转办至{data['to_unit'].name}"


def _run_return(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.LEAD)
    actions.do_return(request.user, message, a.unit, data["reason"])
    return "已退回派单员"


def _run_extend(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.LEAD)
    actions.do_request_extension(request.user, message, a.unit, data["days"], data["reason"])
    return "延期申请已提交, 等待督办员审批"


def _run_assist(request, roles, message, data):
    a = _my_assignment(roles, message, A.Role.ASSIST)
    actions.do_assist_note(request.user, message, a.unit, data["body"])
    return "协办意见已提交"


def _run_note(request, roles, message, data):
    actions.do_internal_note(request.user, message, data["body"])
    return "内部备注已保存 (仅工作人员可见)"


def _run_assign(request, roles, message, data):
    actions.do_assign_handler(request.user, message, data["assignment"].unit, data["handler"], seen=data["seen"])
    return f"已指派 {data['handler']} 承办"


def _run_accept(request, roles, message, data):
    actions.do_accept(request.user, message)
    return "已审核通过, 待派单"


def _run_reject(request, roles, message, data):
    actions.do_reject(request.user, message, data["reason"])
    return "已不予受理"


def _run_dispatch(request, roles, message, data):
    actions.do_dispatch(request.user, message, data["lead"], assists=list(data["assists"] or []),
                        topic=data.get("topic"), kind=data.get("kind") or None)
    return f"已派单至{data['lead'].name}"


def _run_merge(request, roles, message, data):
    into = Message.objects.select_related("region").filter(public_id=data["into"].strip()).first()
    if into is None or not roles.dispatches(into.region):
        raise actions.Invalid(f"找不到编号为 {data['into'].strip()} 的留言")
    actions.do_merge(request.user, message, into)
    return f"已并入留言 {into.public_id}"


def _run_unmerge(request, roles, message, data):
    main = message.duplicate_of
    actions.do_unmerge(request.user, message, data["reason"])
    return (f"已撤销并单, 该留言不再并入 {main.public_id}, 已回到派单队列待派单" if main
            else "已撤销并单, 该留言已回到派单队列待派单")


def _run_supervise(request, roles, message, data):
    actions.do_supervise(request.user, message, data["note"])
    return f"已督办留言 {message.public_id}"


HANDLERS = {
    "sign": (forms.SignForm, _run_sign), "reply": (forms.ReplyForm, _run_reply),
    "transfer": (forms.TransferForm, _run_transfer), "return": (forms.ReturnForm, _run_return),
    "extend": (forms.ExtensionForm, _run_extend), "assist": (forms.AssistNoteForm, _run_assist),
    "accept": (forms.AcceptForm, _run_accept), "reject": (forms.RejectForm, _run_reject),
    "dispatch": (forms.DispatchForm, _run_dispatch), "merge": (forms.MergeForm, _run_merge),
    "unmerge": (forms.ReasonForm, _run_unmerge),
    "supervise": (forms.SuperviseForm, _run_supervise),
    "assign": (forms.AssignHandlerForm, _run_assign), "note": (forms.InternalNoteForm, _run_note),
}
UNIT_FORMS = {"transfer", "dispatch"}
# a note adds to the case without deciding on what the page showed: the lead signing or a
# supervisor acting meanwhile does not make it stale (the action still checks the status);
# 指派承办人 is checked against the 承办人 the page showed instead (actions.do_assign_handler)
UNVERSIONED = {"assist", "note", "assign"}
# the case opened from the inbox leaves the unit's hands (answered, transferred, returned): back to the
# inbox where the officer left it, for the next case; after the others the case page shows what changed
OUT_OF_HAND = {"reply", "transfer", "return"}


def _first_error(form) -> str:
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "输入有误, 请检查后重试"


def _error_status(exc: Exception) -> int:
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, (Conflict, IllegalMove)):
        return 409
    return 400


@login_required
def case_action(request, public_id, action):
    if request.method != "POST":  # an action's address typed or bookmarked: show the case instead
        return redirect("board:case", public_id)
    roles = _staff_roles(request)
    message = _case_or_404(roles, public_id)
    if action not in HANDLERS:
        raise Http404("没有这个操作")
    form_class, run = HANDLERS[action]
    kwargs = {"units": actions.units_for(message)} if action in UNIT_FORMS else {}
    if action == "dispatch":  # a refused form shown again names what 领域 and 类型 keep
        kwargs["message"] = message
    if action == "assign":  # the people of the unit the user heads: anyone else is not a choice
        try:
            kwargs["assignment"] = actions.assignable(request.user, message, id_param(request.POST.get("unit", "")))
        except IllegalMove as exc:  # the unit no longer holds the case: the page says so, as for any stale form
            return _render_case(request, roles, message, error=str(exc), status=409)
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        listed = action == "supervise" and _refused_on_supervision(
            request, roles, _first_error(form), 400, supervise_form=form, supervise_id=message.public_id)
        if listed:
            return listed
        return _render_case(request, roles, message, bound={action: form}, error=_first_error(form), status=400)
    if action == "dispatch" and "shown_topic" in request.POST:  # a form of the page (the API sends none)
        refused = _dispatch_topic_changed(request, roles, message, kwargs["units"])
        if refused:
            return refused
    try:
        if action not in UNVERSIONED and form.cleaned_data["version"] != message.version:
            raise Conflict(CONFLICT_TEXT)
        done = run(request, roles, message, form.cleaned_data)
    except Conflict:
        fresh = _case_or_404(roles, public_id)
        read_version = form.cleaned_data.get("version") if action not in UNVERSIONED else None
        # every value of a multiple choice (the dispatch form's assisting units), not only the last
        initial = {k: v if len(v) > 1 else v[0] for k, v in request.POST.lists()
                   if k not in ("csrfmiddlewaretoken", "version")}
        initial["version"] = fresh.version
        retry = form_class(initial=initial, **kwargs)
        return _render_case(request, roles, fresh, bound={action: retry}, conflict=action, status=409,
                            recomputed=actions.recomputed_since(fresh.pk, read_version))
    except (IllegalMove, actions.Invalid, PermissionDenied) as exc:
        listed = action == "supervise" and _refused_on_supervision(
            request, roles, str(exc) or "无法执行该操作", _error_status(exc), supervise_form=form,
            supervise_id=message.public_id)
        if listed:
            return listed
        fresh = _case_or_404(roles, public_id)
        error = actions.moved_on(fresh, exc) if isinstance(exc, MovedOn) else str(exc) or "无法执行该操作"
        return _render_case(request, roles, fresh, bound={action: form}, error=error, status=_error_status(exc))
    back = _back_from(request)
    if back is not None and action in OUT_OF_HAND:  # the next case: the inbox where the officer left it
        flash.success(request, f"留言 {message.public_id}: {done}", extra_tags=DRAFT_SENT)
        return redirect(_inbox_url(back))
    # draft-sent: the form's draft kept in the tab (static/js/forms.js) was taken, and goes
    flash.success(request, done, extra_tags=DRAFT_SENT)
    return redirect(safe_next(request, _case_url(message.public_id, back)))


def _returned_by(assignments) -> set[int]:
    """The units that returned the case (退单), of its ``assignments``: never preselected to receive it
    again. Its lead units: 退单 releases the assisting units too, as RETURNED."""
    return {a.unit_id for a in assignments if a.state == A.State.RETURNED and a.role == A.Role.LEAD}


def _dispatch_topic_changed(request, roles: Roles, message: Message, units):
    """派单 with a 领域 other than the one its units were suggested for, the lead still the one suggested
    (not chosen by hand), and the table giving the new 领域 other units: not dispatched (the case went to
    the old 领域's unit, which the dispatcher had not looked at again); the form comes back with the units
    for the new 领域 preselected, saying so. None: dispatch as posted."""
    if not roles.dispatches(message.region) or not allowed("dispatch", message.status):
        return None  # the action refuses it in its own words
    returned_by = _returned_by(message.assignments.all())
    again = resuggest(message, request.POST, units, returned_by)
    if not (again.topic_changed and again.replaced and not again.lead_by_hand):
        return None
    topic = again.suggestion.topic
    lead, assists = proposed_units(again.suggestion, returned_by, units)
    table_lead = again.suggestion.lead
    named = f"未派单: 领域已改为「{topic.name if topic else '未分类'}」, "
    assisting = f", 协办 {'、'.join(u.name for u in assists)}" if assists else ""
    if lead is not None:
        error = f"{named}建议单位随之改为主办 {lead.name}{assisting}。请核对后再点「派单」"
    elif table_lead is not None and table_lead.pk in returned_by:
        error = f"{named}其建议主办单位 {table_lead.name} 已退回本件: 请另选主办单位后再点「派单」"
    else:
        error = f"{named}权责清单未给出该领域的主办单位: 请选择主办单位后再点「派单」"
    return _render_case(request, roles, message, error=error, status=400, resuggested=again)


@login_required
def dispatch_suggest(request, public_id):
    """按所选领域重新建议 (and htmx: a 领域 chosen on the 派单 form, 采用建议): the 派单 form with the units
    the responsibility table gives the 领域 chosen for the case's region, a unit chosen by hand kept
    (``resuggest``). htmx gets the form alone; without scripts, the case page."""
    if request.method != "POST":
        return redirect("board:case", public_id)
    roles = _staff_roles(request)
    message = _case_or_404(roles, public_id)
    if not roles.dispatches(message.region):
        raise PermissionDenied("您不是该区划的派单员")
    if not allowed("dispatch", message.status):
        return _render_case(request, roles, message, status=409,
                            error=f"当前状态为「{message.get_status_display()}」, 不能派单 (可能已被他人派单)")
    units = actions.units_for(message)
    returned_by = _returned_by(message.assignments.all())
    again = resuggest(message, request.POST, units, returned_by, adopt=bool(request.POST.get("adopt")))
    if request.headers.get("HX-Request"):
        return render(request, "board/staff/_dispatch_form.html", {
            "message": message, "suggestion": again.suggestion, "returned_by": returned_by,
            "forms": {"dispatch": again.form}, "resuggested": again, "back": _back_from(request)})
    return _render_case(request, roles, message, resuggested=again)


# the preview box is filled in place: a login page (or nothing at all) there leaves the officer
# with a draft and no word of what happened
PREVIEW_SIGNED_OUT = "登录已失效, 未能预览: 请先复制您写的答复, 再刷新本页重新登录"


def _may_reply(roles: Roles, message: Message) -> None:
    """Refuses, as the API's reply preview does (``actions.may_reply``), a case that takes no reply:
    one not yet signed, or answered already (409 「当前状态为「已答复」, 不能答复」; the page's preview
    scored such a draft as if it could still go), and a case another unit holds now (403)."""
    try:
        _my_assignment(roles, message, A.Role.LEAD)
    except PermissionDenied:
        if not message.assignments.filter(state=A.State.ACTIVE, role=A.Role.LEAD).exists():
            check_allowed("reply", message.status)  # no unit holds it (answered, returned…): its status said
        raise
    check_allowed("reply", message.status)  # the unit's, not yet signed


# the unit pickers of the case page: the form and the parameter each select box is
UNIT_PICKERS = {"to_unit": forms.TransferForm, "lead": forms.DispatchForm, "assists": forms.DispatchForm}


@login_required
def case_units(request, public_id):
    """htmx: the 转办至 / 主办单位 / 协办单位 select box (?field=) holding the units a search box's
    ?q= names: in their names or in pinyin (「zjj」「zhujian」 for 住建局, pinyin.py). What is
    chosen in the box (sent as the field) stays in it, found or not."""
    roles = _staff_roles(request)
    message = _case_or_404(roles, public_id)
    field = request.GET.get("field", "")
    if field not in UNIT_PICKERS:
        return HttpResponse("请选择要查找的单位框", status=400, content_type="text/plain; charset=utf-8")
    active = message.assignments.filter(state=A.State.ACTIVE, role=A.Role.LEAD)
    holds = roles.admin or active.filter(unit_id__in=roles.unit_ids).exists()
    if not (roles.dispatches(message.region) or holds):
        raise PermissionDenied("只有派单员或主办单位可以查找派单、转办的单位")
    units = actions.units_for(message)
    if field == "to_unit":  # as the page's 转办 form: not back to the unit that holds it
        units = units.exclude(pk__in=active.values("unit_id"))
    chosen = [pk for pk in map(id_param, request.GET.getlist(field)) if pk is not None]
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    count = 0  # said by the box's status line (a live region: a screen reader reads it out)
    if q:
        named = name_or_pinyin(q, "name", "short_name")
        count = units.filter(named).count()
        units = units.filter(named | Q(pk__in=chosen))
    form = UNIT_PICKERS[field](initial={field: chosen[0] if field != "assists" and chosen else chosen},
                               units=units, **({"message": message} if field != "to_unit" else {}))
    if q and not count and field != "assists":
        form.fields[field].empty_label = f"没有名称或拼音含「{q}」的单位"
    return picker_answer(str(form[field]), "unit", field, q, count, "单位")


def reply_preview(request, public_id):
    """Show the reply as the public will see it, with its quality score; changes nothing."""
    if request.method != "POST":  # the address of a preview shown without htmx, reopened or shared
        return redirect("board:case", public_id)
    if not request.user.is_authenticated:
        if request.headers.get("HX-Request"):  # htmx followed the login redirect into the reply form
            return render(request, "board/staff/_reply_preview.html", {"preview": {"error": PREVIEW_SIGNED_OUT}})
        return redirect_to_login(request.get_full_path())
    roles = _staff_roles(request)
    message = _case_or_404(roles, public_id)
    try:  # those who may answer it (as the API's preview): its warning 「含有留言人的个人信息 (手机号)」 told
        _may_reply(roles, message)  # a unit the case had left which phone number was the citizen's
    except (PermissionDenied, IllegalMove) as exc:
        if request.headers.get("HX-Request"):  # said in the preview box, which htmx fills only from a 200
            return render(request, "board/staff/_reply_preview.html", {"preview": {"error": str(exc)}})
        return _render_case(request, roles, message, error=str(exc), status=_error_status(exc))
    form = forms.ReplyForm(request.POST)
    preview = {"body": (request.POST.get("body") or "").strip()}
    if form.is_valid():
        unit = _my_assignment(roles, message, A.Role.LEAD).unit  # its 联系电话 may stand in the reply
        preview["quality"] = quality_for(message, form.cleaned_data["body"], explain=True, unit=unit)
    else:
        preview["error"] = _first_error(form)
    if request.headers.get("HX-Request"):
        return render(request, "board/staff/_reply_preview.html", {"preview": preview, "message": message})
    return _render_case(request, roles, message, bound={"reply": form}, preview=preview)


@login_required
def decide_extension(request, pk):
    """The region's supervisor approves (the deadline moves) or refuses an extension."""
    roles = _staff_roles(request)
    extension = get_object_or_404(Extension.objects.select_related("assignment__message__region",
                                                                   "assignment__unit"), pk=pk)
    message = extension.assignment.message
    if not can_see_case(roles, message):
        raise Http404("没有找到该延期申请")
    if request.method != "POST":  # the address of a refused decision, reopened: the case and its requests
        return redirect("board:case", message.public_id)
    form = forms.DecideExtensionForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = _first_error(form), 400
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            actions.do_decide_extension(request.user, extension, approve, form.cleaned_data["note"].strip())
        except (Conflict, IllegalMove, actions.Invalid, PermissionDenied) as exc:
            error, status = str(exc) or "无法执行该操作", _error_status(exc)
    if error:
        # the 审批意见 written is shown again in its request's box (a page without scripts takes 600
        # characters there, forms.max_chars_attrs: one over 300 was refused and lost)
        kept = {"decide_form": form, "decide_id": extension.pk}
        extension.refresh_from_db(fields=["state"])
        if extension.state != Extension.State.PENDING:  # no box to show it in again: decided or void meanwhile
            kept["unsent_text"] = (form.data.get("note") or "").strip()
        listed = _refused_on_supervision(request, roles, error, status, or_without_next=True, **kept)
        if listed:
            return listed
        return _render_case(request, roles, message, error=error, status=status, **kept)
    if approve:  # the days run on from the old deadline: a long-overdue case may still be late
        late = "; 该件仍已超期" if message.due_at < clock() else ""
        flash.success(request, f"已同意延期, 答复期限顺延至 {timezone.localtime(message.due_at):%Y-%m-%d}{late}")
    else:
        flash.success(request, "已不同意延期, 期限不变")
    return redirect(safe_next(request, reverse("board:supervision")))


urlpatterns = [
    path("staff/", inbox, name="inbox"),
    path("staff/sign/", inbox_sign, name="inbox_sign"),
    path("staff/assign/", inbox_assign, name="inbox_assign"),
    path("staff/export.<str:fmt>", inbox_export, name="inbox_export"),
    path("staff/triage/", triage, name="triage"),
    path("staff/triage/dispatch/", triage_dispatch, name="triage_dispatch"),
    path("staff/supervision/", supervision, name="supervision"),
    path("staff/case/<str:public_id>/", case, name="case"),
    path("staff/case/<str:public_id>/reply/preview/", reply_preview, name="reply_preview"),
    path("staff/case/<str:public_id>/units/", case_units, name="case_units"),
    path("staff/case/<str:public_id>/dispatch/suggest/", dispatch_suggest, name="dispatch_suggest"),
    path("staff/case/<str:public_id>/<slug:action>/", case_action, name="case_action"),
    path("staff/extensions/<int:pk>/decide/", decide_extension, name="decide_extension"),
]

"""领导留言板 on the workbench: the office of a leader (the 留言对象's 受理单位, e.g. 中共兰州市委员会
办公室 for 兰州市委书记) reads every message written to its leader, in every status (待审核 and 未受理
too, which the public board leaves out), with who handles it now and its reply deadline, and the
board's public figures. Each message opens its case page, read-only for the office unless it
also handles the case. Its queries do not grow with the messages."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from minsheng.directory.models import Addressee

from .. import search
from ..deadlines import clock
from ..forms import MAX_QUERY_LENGTH
from ..models import Assignment, Message, handling_units, overdue, overdue_q
from ..workflow import Status
from .public import public_figures, searched
from .staff import _paginate, _staff_roles, due_words, id_param

A = Assignment


def _filters(now) -> dict[str, tuple[str, Q]]:
    """The list's filters: key -> (label, condition); 已超期 as the inbox counts it (a case
    awaiting its reply past the deadline)."""
    return {
        "all": ("全部", Q()),
        "pending": ("待审核", Q(status=Status.SUBMITTED)),
        "handling": ("办理中", Q(status__in=Status.handling())),
        "overdue": ("已超期", overdue_q(now)),
        "answered": ("已答复", Q(status__in=Status.answered())),
        "other": ("未受理、撤回、并单", Q(status__in=[Status.REJECTED, Status.WITHDRAWN, Status.MERGED])),
    }


def offices_of(roles) -> list[Addressee]:
    """The leaders (留言对象) whose office the user is in, else PermissionDenied (403)."""
    offices = list(Addressee.objects.filter(pk__in=roles.office_addressee_ids).select_related("region", "unit"))
    if not offices:
        raise PermissionDenied("您的单位不是任何领导留言板的受理单位")
    return offices


def office_messages(qs, office, shown: str, q: str = "", now=None):
    """The messages of ``qs`` written to ``office`` that its list shows under the tab ``shown``
    (a key of _filters) and match the keyword ``q`` (search.filter_messages, as the public
    list searches; nothing to search in it: all), newest first, and each tab's count of the
    matches: (queryset, counts). The page and the API's inbox (box=leader) list these."""
    filters = _filters(clock(now))  # late as every page counts it (``deadlines.clock``), also for the API's box=leader
    base = search.filter_messages(qs.filter(addressee=office), q[:MAX_QUERY_LENGTH])
    counts = base.aggregate(**{key: Count("pk", filter=cond) for key, (_, cond) in filters.items()})
    return base.filter(filters[shown][1]).order_by("-submitted_at", "-pk"), counts


def office_tabs() -> list[tuple[str, str]]:
    """The list's tabs (key, label), as the API's inbox (box=leader) takes them in ?show=."""
    return [(key, label) for key, (label, _) in _filters(None).items()]


def month_links(office, today=None) -> list[tuple[str, str]]:
    """(label, url) of the office's figures on /stats/ for 本月 (to today) and 上月 (whole), of its leader's
    messages and region, as /stats/'s period links set them: where the month's figures are read and exported
    (since 2026-12-06; before, the board showed the figures of all time alone and no way to them)."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    last_day = month - dt.timedelta(days=1)
    base = {"addressee": office.pk, "region": office.region.code}
    return [(label, f"{reverse('stats:index')}?{urlencode({**base, 'date_from': start, 'date_to': end})}")
            for label, start, end in (("本月", month, today), ("上月", last_day.replace(day=1), last_day))]


@login_required
def leader_office(request):
    offices = offices_of(_staff_roles(request))
    asked = id_param(request.GET.get("addressee", ""))
    office = next((a for a in offices if a.pk == asked), offices[0])
    now = clock()  # late as every page counts it (``deadlines.clock``)
    filters = _filters(now)
    shown = request.GET.get("show", "all")
    if shown not in filters:
        shown = "all"
    keyword = searched(request)
    q = keyword["q"]
    listed, counts = office_messages(Message.objects.all(), office, shown, q, now)
    # the units handling it now, or those that answered it (``handling_units``, as the API's box=leader names them)
    qs = listed.select_related("region", "topic", "fact").prefetch_related(
        Prefetch("assignments", queryset=A.objects.select_related("unit")))
    page = _paginate(request, qs, count=counts[shown])
    page.object_list = list(page.object_list)
    for m in page.object_list:
        m.lead_units = handling_units(m, A.Role.LEAD)  # none: 尚未派单
        m.awaited = m.status in Status.handling() and m.due_at is not None  # a reply awaited by a deadline
        m.late = overdue(m, now)  # the 已超期 tab's rule (overdue_q)
        m.due_words = due_words(now, m.due_at) if m.awaited else ""
        # answered: whether its first reply came within the deadline (按时率's 按时, the statistics' fact)
        fact = getattr(m, "fact", None)
        m.answered_on_time = fact.on_time if fact and fact.replied and not m.awaited else None
    return render(request, "board/staff/leader_office.html", {
        "offices": offices, "office": office, "figures": public_figures(office), "page": page,
        "month_links": month_links(office),
        "list_filters": {"addressee": office.pk},  # the lists behind its figures, as its public board's
        "tabs": [(key, label, counts[key]) for key, (label, _) in filters.items()], "shown": shown,
        "keep": urlencode({"addressee": office.pk, "show": shown, **({"q": q} if q else {})}),
        "search_keep": [("addressee", office.pk), ("show", shown)],
        **keyword,
        "now": now, "section": "leader_office"})


urlpatterns = [
    path("staff/leader-board/", leader_office, name="leader_office"),
]

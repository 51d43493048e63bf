"""Public statistics, campaign tallies, the leaders' dashboard and exports.

Every figure comes from ``figures`` (rollups); lists behind a number come from the
per-message facts. Filters are GET parameters: region (code), topic (code), kind,
unit (id), addressee (a leader's office, id), date_from, date_to (YYYY-MM-DD, dates of submission).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from minsheng.accounts.roles import roles_of
from minsheng.board.actions import may_supervise, with_cleared_kinds
from minsheng.board.deadlines import clock
from minsheng.board.forms import MAX_QUERY_LENGTH
from minsheng.board.models import MessageKind
from minsheng.board.views.public import page_of
from minsheng.directory.models import Addressee, Region, Unit, home_region, topic_tree
from minsheng.directory.pinyin import name_or_pinyin, picker_answer
from minsheng.lookup_limits import limit_lookups
from minsheng.text_cut import cut

from . import campaign_report, exports, figures
from .facts import working_days_late
from .figures import ScopeError, make_scope
from .models import Campaign

# ``addressee=<id>``: a leader's office (留言对象), the messages written to it — the lists behind a figure
# (/stats/list/ and its exports) since 2026-12-06, the figures themselves (/stats/, /stats/units/, the table
# exports, /stats/figures.json) since 2026-12-06 too, summed from its messages' facts (``figures._sums``)
FILTER_KEYS = ("region", "topic", "kind", "unit", "date_from", "date_to", "campaign", "own", "addressee")
LIST_FILTER_KEYS = FILTER_KEYS
UNIT_COLUMNS = [("label", "办理单位"), ("received", "受理"), ("replied", "已答复"), ("reply_rate", "答复率"),
                ("on_time_rate", "按时率"), ("missed", "误期未答复"),
                ("sign_on_time_rate", "及时签收率"), ("median_days_to_reply", "用时中位数"), ("mean_days_to_reply", "平均用时"),
                ("satisfaction_rate", "满意率"), ("reopened_rate", "重办率"), ("overdue_unreplied", "超期从未答复"),
                ("open", "待答复"), ("overdue", "超期未答复")]  # these two: the unit handling each case now
SORTABLE = {key for key, _ in UNIT_COLUMNS}
UNITS_PER_PAGE = 50  # the league table's page (the demo's hundreds of units made a page 15,000 px tall)


def _default_region(request) -> Region | None:
    """The home region, computed once per request (a few queries per level of the tree)."""
    if not hasattr(request, "_minsheng_home_region"):
        request._minsheng_home_region = home_region()
    return request._minsheng_home_region


BUNDLED_MAP_PROVINCE = "620000"  # static/stats/gansu.json draws 甘肃省's prefectures


def has_map(region: Region | None, home=home_region) -> bool:
    """The map card shows for the whole directory or a province, or for the home region
    when the deployment gives its own map. The bundled map draws 甘肃省 only: another
    deployment's statistics showed Gansu's outline, empty, and no way to say why.
    ``home()`` finds the home region (the caller's, found once per request)."""
    if settings.MINSHENG_MAP_FILE:
        return region is None or region.level == Region.Level.PROVINCE or region == home()
    if region is None:
        return Region.objects.filter(code=BUNDLED_MAP_PROVINCE).exists()
    return region.code == BUNDLED_MAP_PROVINCE


def _landing_region(request) -> Region | None:
    """The region a page opens on without ``?region=``: a supervisor's, dispatcher's or leader's own (the
    first, as the dashboard opens on it), else the home region. Since 2026-12-05: a supervisor of 兰州市
    opened /stats/ and /stats/units/ on 甘肃省 and the dashboard on 兰州市. A leader's office (领导来信), which
    supervises and dispatches nowhere, opens on its leader's region since 2026-12-06 (兰州市市长's office
    read 甘肃省)."""
    own = _staff_regions(request.user) if request.user.is_authenticated else None
    if own:
        return own[0]
    if own is not None and (offices := roles_of(request.user).office_addressee_ids):
        office = Addressee.objects.filter(pk__in=offices).select_related("region").order_by("region__code", "pk").first()
        if office is not None:
            return office.region
    return _default_region(request)


def _filters(request, default_region=True, keys=FILTER_KEYS) -> dict:
    data = {k: request.GET.get(k, "").strip() for k in keys}
    if default_region and not data["region"]:
        region = _landing_region(request)
        if region:
            data["region"] = region.code
    return {k: v for k, v in data.items() if v}


def _error(request, message: str, status: int = 400):
    return render(request, "stats/error.html", {"error": message}, status=status)


def _filter_error(request, filters: dict, message: str):
    """A bad filter of a page with the filter form (/stats/, /stats/units/): 「无法显示」 and why, with the
    form again holding each value that is good on its own (dates the wrong way round keep both), so the
    reader corrects the one. Before 2026-12-05 the page had 「返回公开统计」 alone: every filter was lost."""
    kept = {}
    for key, value in filters.items():
        alone = {key: value, **({"region": filters["region"]} if key == "own" and "region" in filters else {})}
        try:
            make_scope(**alone)
        except ScopeError:
            continue
        kept[key] = value
    return render(request, "stats/error.html", {
        "error": message, "filters": kept, "regions": _filter_regions(kept.get("region", "")),
        "addressees": Addressee.objects.select_related("region").order_by("region__code", "sort", "title"),
        "topics": topic_tree(), "kinds": MessageKind.choices}, status=400)


def _json_error(message: str, status: int = 400) -> JsonResponse:
    """``{"error": "…"}`` with the Chinese readable as such (not \\uXXXX escapes)."""
    return JsonResponse({"error": message}, status=status, content_type="application/json; charset=utf-8",
                        json_dumps_params={"ensure_ascii": False})


def _wants_json_error(request) -> bool:
    """Exports answer errors in JSON, except to a browser: a person who clicked an
    export link gets the page that /stats/ shows for a bad filter."""
    if not request.path.endswith((".csv", ".xlsx", ".json")):
        return False
    # a tab a browser opened on the link is a page, whatever its Accept says (since 2026-12-06: a browser
    # sending */* read {"error": …})
    if request.headers.get("Sec-Fetch-Dest") == "document":
        return False
    return request.get_preferred_type(["application/json", "text/html"]) != "text/html"


def _bad_request(request, message: str, status: int = 400):
    if _wants_json_error(request):
        return _json_error(message, status)
    return _error(request, message, status)


DATE_NAMES = {"date_from": "开始日期", "date_to": "结束日期"}


def _scope_or_date_error(filters: dict):
    """(scope, filters, date_error) for the pages with the filter form (/stats/, /stats/units/). A date
    the scope refuses (not a date, or 从 after 至) is left out and said next to its box, the other
    filters kept, as 浏览留言 does: the page said 「无法显示」 alone, the filters chosen gone. Any other
    ScopeError is raised."""
    try:
        return make_scope(**filters), filters, None
    except ScopeError as exc:
        field = exc.field or ("date_to" if filters.get("date_to") and not filters.get("campaign") else None)
        if field not in DATE_NAMES:
            raise
        kept = {k: v for k, v in filters.items() if k != field}
        error = {"field": field, "value": filters[field], "message": f"{exc}, 未按{DATE_NAMES[field]}筛选"}
        return make_scope(**kept), kept, error


def _chart_percent(rate) -> float | None:
    value = figures.percent_value(rate)
    return None if value is None else float(value)


def _chart_data(months, regions, topics, kinds) -> dict:
    # a table of several regions (topics) has their sub-rows beneath: the charts show the
    # rows that add up to the total, not each number twice
    regions, topics = ([r for r in rows if not r.get("depth")] for rows in (regions, topics))
    return {
        "months": {"labels": [r["label"] for r in months], "received": [r["received"] for r in months],
                   "replied": [r["replied"] for r in months],
                   # in % as the table beneath shows them (figures.percent_value)
                   "reply_rate": [_chart_percent(r["reply_rate"]) for r in months],
                   "satisfaction_rate": [_chart_percent(r["satisfaction_rate"]) for r in months]},
        "regions": [{"code": r["filters"].get("region", ""), "name": r["label"], "received": r["received"],
                     "reply_rate": r["reply_rate"], "reply_rate_text": figures.percent(r["reply_rate"])}
                    for r in regions],
        "topics": [{"name": r["label"], "value": r["received"]} for r in topics],
        "kinds": [{"name": r["label"], "value": r["received"]} for r in kinds],
    }


def _period_notice(scope) -> str:
    """Why a period shows nothing yet: its first day is after today."""
    today = timezone.localdate()
    if scope.date_from and scope.date_from > today:
        return f"所选开始日期 {scope.date_from:%Y-%m-%d} 在今天之后, 这段时间还没有留言, 以下数字均为 0。"
    return ""


def _periods(filters) -> list[dict]:
    """The period links under the filter form (since 2026-12-05; before, the dates were typed by hand):
    近 7 天 and 近 30 天 as the dashboard counts them (the calendar days to today, ``dashboard.day_window``),
    本月 to today, 上月 whole, 全部时间 without dates; each keeps the other filters."""
    from .dashboard import day_window

    today = timezone.localdate()
    month = today.replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    spans = [("近 7 天", *day_window(7, today)), ("近 30 天", *day_window(30, today)), ("本月", month, today),
             ("上月", last, month - dt.timedelta(days=1)), ("全部时间", None, None)]
    shown = (filters.get("date_from"), filters.get("date_to"))
    return [{"label": label, "date_from": start.isoformat() if start else "", "date_to": end.isoformat() if end else "",
             "current": shown == (start.isoformat() if start else None, end.isoformat() if end else None)}
            for label, start, end in spans]


def _filter_regions(chosen: str):
    # a township reached by drilling down stays selected, so "查看" keeps it
    return Region.objects.filter(Q(level__lte=Region.Level.COUNTY) | Q(code=chosen)).only("code", "name", "level")


def _context_filters(scope, filters) -> dict:
    return {
        "filters": filters,
        "scope": scope,
        "period_notice": _period_notice(scope),
        "periods": _periods(filters),
        "regions": _filter_regions(filters.get("region", "")),
        "topics": topic_tree(),
        "kinds": MessageKind.choices,
        # the 留言对象 select of the filter form (/stats/, /stats/units/): every office, a switched-off one
        # too, whose figures are kept (「(已停用)」), as its list is
        "addressees": Addressee.objects.select_related("region").order_by("region__code", "sort", "title"),
        "kind_label": MessageKind(scope.kind).label if scope.kind else "",  # the lists' scope line (_scope.html)
        "breadcrumbs": list(reversed(scope.region.ancestors())) if scope.region else [],
    }


def index(request):
    """公开统计: headline figures, trends, the map and tables by region, topic, type."""
    filters = _filters(request)
    try:
        scope, filters, date_error = _scope_or_date_error(filters)
    except ScopeError as exc:
        return _filter_error(request, filters, str(exc))
    now = timezone.now()
    # figures without an explicit clock: overdue counts as of this minute (cached)
    with figures.one_version():
        got = figures.page(scope, ["totals", "region", "topic", "kind", "month"])
        by_region = figures.tabulate("region", scope, rows=got["region"])
        by_topic = figures.tabulate("topic", scope, rows=got["topic"])
    totals, by_kind, by_month = (got[k] for k in ("totals", "kind", "month"))
    context = {
        **_context_filters(scope, filters), "totals": totals, "by_region": by_region, "by_topic": by_topic,
        "by_kind": by_kind, "by_month": by_month, "now": now,
        "charts": _chart_data(by_month, by_region, by_topic, by_kind),
        "show_map": has_map(scope.region, home=lambda: _default_region(request)), "date_error": date_error,
        # its late figures lead to the late cases, as /stats/units/ does (bare numbers before 2026-12-05)
        "overdue_filters": _overdue_filters(request.user, scope, filters),
    }
    return render(request, "stats/index.html", context)


def units(request):
    """办理单位排行: the league table of units, sortable by any figure."""
    filters = _filters(request)
    try:
        scope, filters, date_error = _scope_or_date_error(filters)
    except ScopeError as exc:
        return _filter_error(request, filters, str(exc))
    rows = figures.breakdown("unit", scope)
    sort = request.GET.get("sort", "received")
    sort = sort if sort in SORTABLE else "received"
    descending = request.GET.get("dir", "desc") != "asc"
    # ties in the unit's name, whichever the direction (as the dashboard's 谁在拖延, figures._overdue_by_unit):
    # since 2026-12-05; before, a descending sort reversed them, so two units tied on 超期未答复 were listed
    # in the opposite order of the dashboard's
    present = sorted((r for r in rows if r[sort] is not None), key=lambda r: r["label"])
    if sort != "label":
        present.sort(key=lambda r: r[sort], reverse=descending)
    elif descending:
        present.reverse()
    rows = present + [r for r in rows if r[sort] is None]
    # ranked over all units, then paged: a unit keeps its rank on any page (the exports stay whole)
    page = page_of(Paginator(rows, UNITS_PER_PAGE), request.GET.get("page"))
    return render(request, "stats/units.html", {**_context_filters(scope, filters), "page": page, "sort": sort,
                                                 "descending": descending, "columns": UNIT_COLUMNS,
                                                 "overdue_filters": _overdue_filters(request.user, scope, filters),
                                                 "date_error": date_error})


def _overdue_filters(user, scope, filters: dict) -> dict | None:
    """The filters of a page's links to /stats/overdue/ (``stats_tags.overdue_link``); None, the numbers bare,
    where ``user`` does not oversee ``scope`` (``_oversees``). The tag alone decides since 2026-12-07: before,
    each template asked ``overdue_links`` before calling it."""
    return filters if _oversees(user, scope) else None


def _oversees(user, scope) -> bool:
    """Whether ``user``'s overdue list (/stats/overdue/) holds every case of ``scope``'s regions: an admin,
    or a supervisor or dispatcher of each of them. The units table then links its two overdue figures to
    that list, whose count is the same (before 2026-12-05 they were bare numbers)."""
    if not user.is_authenticated:
        return False
    roles = roles_of(user)
    if roles.admin:
        return True
    # a leader's office oversees its leader's region (``Roles.office_prefixes``), as the list it links to holds
    return bool(scope.regions) and all(roles.supervises(r) or roles.dispatches(r)
                                       or any(r.code.startswith(p) for p in roles.office_prefixes) for r in scope.regions)


def message_list(request):
    """The messages behind a number of the statistics pages."""
    filters = _filters(request, default_region=False, keys=LIST_FILTER_KEYS)
    measure = request.GET.get("measure", "received")
    if measure not in exports.PUBLIC_MEASURES:
        return _error(request, "该统计项没有公开的留言列表")
    try:  # a date refused is left out and said (「无法显示」 before 2026-12-05), as /stats/overdue/ does
        scope, filters, date_error = _scope_or_date_error(filters)
    except ScopeError as exc:
        return _error(request, str(exc))
    page = exports.message_page(scope, measure, request.GET.get("page"))
    return render(request, "stats/list.html", {**_context_filters(scope, filters), "page": page,
                                                "measure": measure, "date_error": date_error,
                                                "measure_label": exports.MEASURE_LABELS[measure]})


# --- campaigns ---------------------------------------------------------------------

def campaigns(request):
    items = Campaign.objects.filter(is_public=True).prefetch_related("regions", "topics")
    with figures.one_version():
        rows = [(c, figures.compute(make_scope(campaign=c))) for c in items]
    return render(request, "stats/campaigns.html", {"rows": rows})


def campaign_detail(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug, is_public=True)
    scope, report = campaign_report.report(campaign)
    # the lists behind the numbers: this campaign's messages (all its regions and topics)
    filters = {"campaign": campaign.slug}
    return render(request, "stats/campaign.html", {
        "campaign": campaign, "scope": scope, "filters": filters, **report,
        "charts": _chart_data(report["by_month"], report["by_region"], report["by_topic"], []),
        "announcement": campaign_report.announcement(campaign, report),
    })


# --- leaders' dashboard and staff lists ------------------------------------------

def _staff_regions(user) -> list[Region] | None:
    """Regions a supervisor (or admin: None = everywhere) oversees."""
    roles = roles_of(user)
    if roles.admin:
        return None
    prefixes = roles.supervise_prefixes + roles.dispatch_prefixes
    return [r for r in Region.objects.filter(prefix__in=prefixes) if r.level <= 3 or r.prefix in prefixes]


def _require_login(request):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return None


def dashboard(request):
    """领导驾驶舱 for supervisors and leaders, scoped to their regions."""
    redirect = _require_login(request)
    if redirect:
        return redirect
    roles = roles_of(request.user)
    if not (roles.is_supervisor or roles.office_prefixes):
        return _error(request, "只有督办人员、领导和领导办公室可以查看驾驶舱", 403)
    allowed = _dashboard_regions(request.user, roles)
    code = request.GET.get("region", "")
    if code:
        region = Region.objects.filter(code=code).first()
        if region is None:
            return _error(request, f"没有区划代码为 {cut(code, 20)} 的区划")
        if allowed is not None and not any(a.contains(region) for a in allowed):
            return _error(request, "您无权查看该区划", 403)
    else:
        region = allowed[0] if allowed else _default_region(request)
    from .dashboard import build

    # a region's overview of fixed days (近 30 天, 本周, 90 天): the other filters of /stats/ are not its; given in
    # the address (a link from /stats/?topic=…) they are named as not applied, and its link to /stats/ keeps
    # them (since 2026-12-06: the whole district's figures showed unsaid)
    ignored = {k: request.GET[k].strip() for k in DASHBOARD_IGNORED if request.GET.get(k, "").strip()}
    query = urlencode({**({"region": region.code} if region else {}), **ignored})
    stats_url = reverse("stats:index") + (f"?{query}" if query else "")
    ignored_names = "、".join(dict.fromkeys(DASHBOARD_IGNORED[k] for k in ignored))
    board = build(region, roles, home=lambda: _default_region(request))
    scope = make_scope(region=region)
    # 哪里在拖延's export of the late cases, where /stats/overdue/ offers it (a leader's office reads the list,
    # exports none)
    late_list_export = _export_scope(request.user, scope, {"region": region.code} if region else {}) is not None
    return render(request, "stats/dashboard.html", {**board, "allowed": allowed, "region": region,
                                                    "stats_url": stats_url, "ignored_filters": ignored_names,
                                                    "overdue_filters": _overdue_filters(request.user, scope,
                                                                                        board["recent"]),
                                                    "late_list_export": late_list_export})


def _dashboard_regions(user, roles) -> list[Region] | None:
    """The regions whose dashboard ``user`` reads (None: everywhere, an admin): those they supervise or dispatch,
    and a leader's office its leader's region, as it reads that region's overdue list (``Roles.office_prefixes``;
    until 2026-12-07 the 领导驾驶舱 refused the leader's own office, a walk of that day)."""
    allowed = _staff_regions(user)
    if allowed is None:
        return None
    offices = Region.objects.filter(prefix__in=roles.office_prefixes).exclude(pk__in=[r.pk for r in allowed])
    return allowed + sorted(offices, key=lambda r: r.code)


# the filters of /stats/ the dashboard does not apply, as its line names them
DASHBOARD_IGNORED = {"topic": "领域", "kind": "类型", "unit": "办理单位", "addressee": "留言对象", "date_from": "日期",
                     "date_to": "日期", "own": "本级", "campaign": "征集活动"}


def overdue(request):
    """The staff list behind 超期未答复 (``overdue``) or 超期从未答复 (``overdue_unreplied``):
    supervisors and dispatchers see their regions, a leader's office its leader's region (since
    2026-12-06), unit staff their units' cases."""
    redirect = _require_login(request)
    if redirect:
        return redirect
    roles = roles_of(request.user)
    if not roles.is_staff_member:
        return _error(request, "只有工作人员可以查看超期清单", 403)
    from minsheng.board.models import Message

    now = clock()  # the minute its figures count as of, as its exports
    qs = Message.objects.filter(open_case__due_at__lt=now)
    # the regions overseen: a leader's office its leader's, as the figures linking here count them (it read 「共 0
    # 件」 beside 兰州市's 12 late until 2026-12-06, its own unit handling none)
    prefixes = roles.supervise_prefixes + roles.dispatch_prefixes + roles.office_prefixes
    if not roles.admin:
        qs = qs.filter(roles.region_q(prefixes) | _unit_q(roles.unit_ids))
    filters = _filters(request, default_region=False)
    # the form offers 本级 beside 全部区划: ticked there it lists every region of the user's, as the notice says
    # (before 2026-12-05 the page's own form led to 「无法显示」)
    own_notice = "“本级”需要选定一个区划, 以下为全部区划的留言。" if filters.get("own") and not filters.get("region") else ""
    if own_notice:
        del filters["own"]
    measure = request.GET.get("measure", "overdue")
    if measure not in exports.TIMED_MEASURES:
        return _error(request, f"不支持的统计项: {cut(measure, 20)}")
    try:  # a date refused is left out and said by its box (「无法显示」 and the filters gone before 2026-12-05)
        scope, filters, date_error = _scope_or_date_error(filters)
    except ScopeError as exc:
        return _error(request, str(exc))
    # a region none of whose cases the user may see: 「共 0 件」 read as if it had none late (the dashboard: 403)
    if scope.region and not (roles.admin or roles.unit_ids or any(
            scope.region.code.startswith(p) or p.startswith(scope.region.prefix) for p in prefixes)):
        return _error(request, f"您无权查看{scope.region.name}的超期留言", 403)
    # the list but for its 留言对象: what the form's offices count (a case of the user's late now, of the page's
    # region and other filters), as choosing one lists
    late_here = qs.filter(pk__in=exports.message_queryset(dataclasses.replace(scope, addressee=None), measure,
                                                          public=False, now=now).values("pk"))
    # and but for its 主办单位, what the form's units count (the choice of all units ran to hundreds; under 超期从未答复
    # a unit whose late cases were all answered once listed nothing)
    late_units = qs.filter(pk__in=exports.message_queryset(dataclasses.replace(scope, unit=None), measure,
                                                           public=False, now=now).values("pk"))
    qs = qs.filter(pk__in=exports.message_queryset(scope, measure, public=False, now=now).values("pk"))
    # 超期天数 grows as the deadline lies further back: most overdue first unless ?dir=asc
    ascending = request.GET.get("dir") == "asc"
    qs = exports.late_order(qs.select_related("region", "topic", "open_case", "author"), ascending)
    page = page_of(Paginator(qs, 30), request.GET.get("page"))
    # 「转办后未再督办」 where a 督办 was cleared since, as the 督办 page and the export say (Message.supervision_label):
    # read for the page's rows
    page.object_list = with_cleared_kinds(page.object_list)
    # the staff case page where the user may open it; a leader's office, overseeing its leader's region, the public
    # page of the others (the staff page, with the citizen's contact details, is 404 to it)
    ids = [m.pk for m in page.object_list]
    as_staff = set(ids if roles.admin else Message.objects.filter(roles.staff_messages_q(), pk__in=ids)
                   .values_list("pk", flat=True))
    # who is late: the lead unit handling each case now (the unit 谁在拖延 counts it for)
    units = Unit.objects.in_bulk({m.open_case.unit_key for m in page.object_list if m.open_case.unit_key})
    for m in page.object_list:
        m.lead_unit = units.get(m.open_case.unit_key)
        m.overdue_days = working_days_late(m.open_case.due_at, now)
        m.as_staff = m.pk in as_staff
        m.may_supervise = m.as_staff and may_supervise(roles, m)  # its 督办 form, on the case page
    can_export = _export_scope(request.user, scope, filters) is not None
    # the filter form (stats/_filters.html): the regions this user may see, 本级, the unit handling the case
    # now; it keeps the list's order and measure (before 2026-12-05 the filters came from links alone)
    keep = [("measure", measure)] * (measure != "overdue") + [("dir", "asc")] * ascending
    return render(request, "stats/overdue.html", {
        **_context_filters(scope, filters), "regions": visible_regions(roles, filters.get("region", "")),
        "addressees": _late_offices(late_here, scope.addressee),
        "own_filter": True, "region_list": "overdue", "unit_choices": _late_lead_units(late_units, scope.unit), "unit_label": "主办单位", "keep_params": keep,
        "form_label": "筛选超期清单", "own_notice": own_notice,
        "page": page, "now": now, "can_export": can_export, "ascending": ascending, "measure": measure,
        "measure_label": exports.MEASURE_LABELS[measure], "date_error": date_error})


def _late_offices(late, chosen: Addressee | None) -> list[Addressee]:
    """The overdue list's 留言对象 (``late``: its cases but for the office chosen): the offices written one of them,
    each with ``late_count``, as many as choosing it lists, and the office ``chosen`` (from the address) whatever
    its count. Since 2026-12-07 they follow the page's region (and its other filters): 甘肃省's supervisor looking at
    兰州市 was offered 定西市市长 and read 「共 0 件」 choosing it; since 2026-12-06 only offices of the user's late
    cases, before every office of the directory."""
    counts = dict(late.exclude(addressee=None).order_by().values_list("addressee_id").annotate(n=Count("pk")))
    offices = Addressee.objects.filter(pk__in=[*counts, *([chosen.pk] if chosen else [])])
    offices = list(offices.select_related("region").order_by("region__code", "sort", "title"))
    for office in offices:
        office.late_count = counts.get(office.pk, 0)
    return offices


def _late_lead_units(late, chosen: Unit | None) -> list[Unit]:
    """The overdue list's 主办单位 (``late``: its cases but for the unit chosen): the units handling one of them now,
    each with ``late_count``, as many as choosing it lists, and the unit ``chosen`` (from the address) whatever its
    count; as ``_late_offices``. Since 2026-12-07 (later) they follow the page's region and other filters: 甘肃省's
    supervisor looking at 定西市 was offered 兰州市's units; before, every unit with a late case of the user's."""
    counts = dict(late.exclude(open_case__unit_key=None).order_by().values_list("open_case__unit_key")
                  .annotate(n=Count("pk")))
    units = list(Unit.objects.filter(pk__in=[*counts, *([chosen.pk] if chosen else [])]))  # by region, then name
    if 0 in counts or (chosen is not None and chosen.pk == 0):  # 尚未派单 (``unit=0``, since 2026-12-07), last
        units.append(figures.not_dispatched())
    for unit in units:
        unit.late_count = counts.get(unit.pk, 0)
    return units


@limit_lookups
def region_options(request):
    """htmx: the 区划 select box of the filters (_filters.html) holding the regions whose name or pinyin
    holds ?q= (「qlh」 for 七里河区: the case page's 查找 boxes, pinyin.name_or_pinyin), and the one chosen
    (?region=) whatever is typed. ?list=overdue: from the regions /stats/overdue/'s form offers the user."""
    chosen = request.GET.get("region", "").strip()
    listed = request.GET.get("list")
    if listed in ("overdue", "chronic"):
        roles = roles_of(request.user)
        # ?list=chronic: /chronic/'s form (since 2026-12-08), the regions its supervisors and leaders supervise
        refused = ("只有工作人员可以查看超期清单" if listed == "overdue" and not roles.is_staff_member
                   else "只有督办人员和领导可以查看老大难问题" if listed == "chronic" and not roles.is_supervisor else "")
        if refused:
            return HttpResponse(refused, status=403, content_type="text/plain; charset=utf-8")
        regions = visible_regions(roles, chosen, roles.supervise_prefixes if listed == "chronic" else None)
    else:
        regions = _filter_regions(chosen)
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    count = 0
    if q:
        named = name_or_pinyin(q, "name")
        count = regions.filter(named).count()
        regions = regions.filter(named | Q(code=chosen))
    select = render_to_string("stats/_region_select.html", {"regions": regions, "filters": {"region": chosen}})
    return picker_answer(select, "region", "region", q, count, "区划")


def visible_regions(roles, chosen: str, prefixes: list[str] | None = None):
    """The regions of the overdue list's form: those of ``_context_filters`` (to the counties, and the
    one chosen) inside the regions a staff member oversees or dispatches for, or its units' regions;
    inside ``prefixes`` where given (/chronic/'s form: the regions supervised, ``Roles.supervise_prefixes``)."""
    shown = Q(level__lte=Region.Level.COUNTY) | Q(code=chosen)
    if roles.admin:
        return Region.objects.filter(shown).only("code", "name", "level")
    if prefixes is None:
        prefixes = [*roles.supervise_prefixes, *roles.dispatch_prefixes, *roles.office_prefixes,
                    *Unit.objects.filter(pk__in=roles.unit_ids).values_list("region__prefix", flat=True)]
    inside = Q(pk__in=[])
    for prefix in prefixes:
        inside |= Q(code__startswith=prefix)
    # a township's own supervisor sees the township itself, below the counties
    return Region.objects.filter(inside).filter(shown | Q(prefix__in=prefixes)).only("code", "name", "level")


def _unit_q(unit_ids):
    return Q(open_case__unit_key__in=list(unit_ids)) if unit_ids else Q(pk__in=[])


# --- exports -------------------------------------------------------------------------

def _personal_allowed(user, scope) -> bool:
    """Dispatchers and supervisors of the whole requested region, or admins."""
    roles = roles_of(user)
    if roles.admin:
        return True
    prefixes = roles.dispatch_prefixes + roles.supervise_prefixes
    if not prefixes or not scope.regions:
        return False
    return all(any(r.code.startswith(p) and r.prefix.startswith(p) for p in prefixes) for r in scope.regions)


def _export_scope(user, scope, filters):
    """(scope, filters) of an export of the overdue list (without contact details or with) or of any list with
    contact details, where ``user`` may take it, else None: the one rule of /stats/overdue/'s and the dashboard's
    export links and of the export itself (``export_messages``; since 2026-12-07, before written in each).
    With no region chosen, a staff member of exactly one region exports that region."""
    if not filters.get("region"):
        own = _staff_regions(user)  # None for an admin: everywhere, the scope as it is
        if own is not None and len(own) == 1:
            scope, filters = dataclasses.replace(scope, regions=own), {**filters, "region": own[0].code}
    return (scope, filters) if _personal_allowed(user, scope) else None


def export_messages(request, fmt):
    if fmt not in ("csv", "xlsx"):
        return _bad_request(request, "只支持 csv 或 xlsx 格式", 404)
    filters = _filters(request, default_region=False, keys=LIST_FILTER_KEYS)
    measure = request.GET.get("measure", "received")
    personal = request.GET.get("personal") == "1"
    status = request.GET.get("status", "").strip()
    query = request.GET.get("q", "").strip()
    if measure not in exports.MEASURE_LABELS:
        return _bad_request(request, f"不支持的统计项: {measure}")
    # the overdue lists without contact details: for the staff who may export them with (a supervisor sending
    # the late cases to the districts handed out every author's phone number before 2026-12-05)
    late_list = not personal and measure in exports.TIMED_MEASURES and request.user.is_authenticated
    if not personal and not late_list and measure not in exports.PUBLIC_MEASURES:
        return _bad_request(request, "该统计项只能由工作人员导出", 403)
    try:
        scope = make_scope(**filters)
    except ScopeError as exc:
        return _bad_request(request, str(exc))
    if personal or late_list:
        if not request.user.is_authenticated:
            return _bad_request(request, "导出个人信息需要登录", 403)
        allowed = _export_scope(request.user, scope, filters)
        if allowed is None:
            what = "留言的个人信息" if personal else "的超期清单"
            return _bad_request(request, f"您无权导出该区划{what} (限本区划派单员、督办员或管理员)", 403)
        scope, filters = allowed
    now = clock()  # the minute the page read (before 2026-12-06 the exact time: a row more, or less)
    qs = exports.message_queryset(scope, measure, public=not (personal or late_list), status=status, query=query,
                                  now=now)
    if measure in exports.TIMED_MEASURES and request.GET.get("dir") == "asc":
        qs = exports.late_order(qs, ascending=True)  # the order of the overdue list the link is under
    count = qs.count()
    if fmt == "xlsx" and count > exports.XLSX_MAX_ROWS:
        return _bad_request(request, f"共 {count} 条, 超过 XLSX 上限 {exports.XLSX_MAX_ROWS} 条, 请导出 CSV")
    if personal:
        exports.record_personal_export(request.user, {**filters, "measure": measure, "status": status, "q": query},
                                       count, fmt)
    header, rows = exports.message_sheet(qs, measure, personal, request.build_absolute_uri("/").rstrip("/"), now)
    title = exports.message_title(measure)
    # 「超期未答复-兰州市-20261101至20261130-截至202612061954.csv」: its scope and minute (since 2026-12-06)
    name, ascii_name = exports.file_names(title, measure, scope, now, fmt, *(("-含联系方式", "-personal") if personal else ()))
    if fmt == "csv":  # a row a message and nothing else: programs read a list's CSV to its end
        return exports.stream_csv(name, header, rows, ascii_name)
    # what the file covers, inside it (since 2026-12-06): its last sheet
    return exports.xlsx_response(name, [(title, header, rows), exports.message_scope_sheet(
        scope, measure, now, public=not (personal or late_list), status=status, query=query)], ascii_name)


def export_table(request, fmt):
    if fmt not in ("csv", "xlsx"):
        return _bad_request(request, "只支持 csv 或 xlsx 格式", 404)
    by = request.GET.get("by", "region")
    if by not in exports.BY_LABELS:
        return _bad_request(request, f"不支持的分组: {cut(by, 20)}")
    # the dashboard's late cards: most 超期未答复 first; another (/stats/units/'s links carry its league's ``sort``)
    # leaves the table in its own order, as before
    sort = request.GET.get("sort", "").strip()
    sort = sort if sort in exports.TABLE_SORTS else ""
    filters = _filters(request)
    try:
        scope = make_scope(**filters)
    except ScopeError as exc:
        return _bad_request(request, str(exc))
    now = clock()
    sheets = exports.table_sheets(by, scope, now, sort, ascending=request.GET.get("dir") == "asc")
    # 「统计-按区划-兰州市-全部-截至202612061954.xlsx」 (since 2026-12-06; before, 「统计-按区划-20261206」)
    name, ascii_name = exports.file_names(f"统计-按{exports.BY_LABELS[by]}", f"stats-by-{by}", scope, now, fmt)
    if fmt == "csv":
        # the table, then 说明 (since 2026-12-06) stacked beneath it: the table's header stays the first line
        stacked = exports.stacked_rows([sheets[0], sheets[-1]])
        return exports.stream_csv(name, next(stacked), stacked, ascii_name)
    return exports.xlsx_response(name, sheets, ascii_name)


def export_campaign(request, slug, fmt):
    if fmt not in ("csv", "xlsx"):
        return _bad_request(request, "只支持 csv 或 xlsx 格式", 404)
    campaign = Campaign.objects.filter(slug=slug, is_public=True).first()
    if campaign is None:
        return _bad_request(request, "没有这个征集活动", 404)
    sheets = campaign_report.sheets(campaign)
    # 「征集活动-我为群众办实事.xlsx」 (before 2026-12-06 「campaign-<slug>」); a long name cut (「…」): whole, a name of
    # 100 characters was 300 bytes, more than a file system takes (review of 2026-12-06)
    name = f"征集活动-{exports.name_part(campaign.name, exports.NAME_ALONE_MAX)}.{fmt}"
    ascii_name = f"campaign-{slug}.{fmt}"
    if fmt == "xlsx":
        return exports.xlsx_response(name, sheets, ascii_name)
    rows = exports.stacked_rows(sheets)
    return exports.stream_csv(name, next(rows), rows, ascii_name)


# --- the map -------------------------------------------------------------------------

def map_shapes(request):
    """Region shapes (GeoJSON) for the map: the deployment's MINSHENG_MAP_FILE, or
    the bundled demo map of 甘肃省 (see static/stats/MAP-LICENSE.txt)."""
    configured = settings.MINSHENG_MAP_FILE
    path = Path(configured) if configured else Path(finders.find("stats/gansu.json") or "")
    if not path.is_file():
        raise Http404("没有地图文件")
    response = FileResponse(path.open("rb"), content_type="application/json")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def figures_json(request):
    """The headline figures of a scope as JSON (for embedding; the API has more)."""
    filters = _filters(request, default_region=False)
    try:
        data = figures.reported(figures.compute(**filters))
    except ScopeError as exc:
        return _json_error(str(exc))  # JSON for embedding, whoever asks
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")


"""Hotspot pages (热点问题), the 老大难 list for supervisors and leaders, how the
machine's reading fares (机器阅读表现) for dispatchers and supervisors, and the
similar-messages fragment of the post form."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import roles_of
from minsheng.board.models import Message, MessageKind, Support
from minsheng.board.views.public import page_of
from minsheng.board.workflow import Status
from minsheng.directory.models import Region
from minsheng.lookup_limits import limit_lookups
from minsheng.stats import exports
from minsheng.stats.views import visible_regions
from minsheng.text_cut import cut

from . import lookup
from .hotspots_service import (
    chronic_days,
    chronic_refusal,
    heat_clock,
    keep_heat_current,
    trend_of,
    unresolved_members,
)
from .models import PERIODS, AutoDispatch, Hotspot
from .reading import DEFAULT_DAYS, cached_reading
from .reading import PERIODS as READING_PERIODS

PER_PAGE = 30


def _region(code: str | None) -> Region | None:
    code = (code or "").strip()
    if not code or not code.isdigit() or len(code) > 12:
        return None
    return Region.objects.filter(code=code).first()


def _regions_for_filter(chosen: Region | None = None) -> list[Region]:
    """Regions holding public hotspots and the regions above them, by code, each indented by
    its level: a county listed without its prefecture (张家川回族自治县 right after 白银市)
    read as part of the one before it, and its prefecture could not be chosen. Townships are
    not listed, but their county is: a county whose hotspots all sit in its streets (城关区's
    火车站街道, 东岗街道) was missing, though filtering by it lists them. The region chosen
    (from a link or a typed address) is always listed, so the select shows what is filtered."""
    ids = set()
    wanted = set(Region.objects.filter(hotspots__in=Hotspot.objects.public()).values_list("id", flat=True))
    if chosen:
        wanted.add(chosen.id)
    while wanted - ids:  # up one level at a time: four levels at most
        ids |= wanted
        wanted |= set(Region.objects.filter(id__in=wanted, parent__isnull=False).values_list("parent_id", flat=True))
    listed = Q(level__lte=Region.Level.COUNTY) | Q(id=chosen.id) if chosen else Q(level__lte=Region.Level.COUNTY)
    regions = list(Region.objects.filter(listed, id__in=ids).order_by("code"))
    for r in regions:
        r.indent = "\u3000" * (r.level - 1)  # full-width spaces: an option holds no markup
    return regions


def hotspot_list(request):
    """The public hotspots by heat; ``?days=7|30|90``: those with a public message in that period
    (a leader asks what citizens raise this week: one of two months ago ranked first), ranked by
    the heat of that period's messages (``period_heat``); none: all (全部), by the stored heat,
    brought to now first where it is over an hour old (``keep_heat_current``). A bad value lists
    all, saying so in Chinese."""
    asked_region = request.GET.get("region", "").strip()
    region = _region(asked_region)
    # a code that names no region (a link mistyped) is said, and all are listed, as a bad period is: it listed all,
    # nothing said, as if that region's were shown (a supervisor's walk, 2026-12-07)
    bad_region = cut(asked_region, 20) if asked_region and region is None else None
    asked = request.GET.get("days", "").strip()
    days = next((d for d in PERIODS if str(d) == asked), None)
    # 全部 ranks by the stored heat, brought to now where it is over an hour old; a period by its heat as of the same
    # moment, so that page 2 read a minute after page 1 ranks alike (heat_clock)
    heat_at = heat_clock()
    qs = Hotspot.objects.public().with_public_figures().select_related("region")
    if region:
        qs = qs.filter(region__code__startswith=region.prefix)
    # equals newest first, as the API: a page break between equals showed one twice and another never
    qs = (qs.active_within(days, heat_at=heat_at).order_by("-period_heat", "-last_at", "-id") if days
          else qs.order_by("-heat", "-last_at", "-id"))
    page = page_of(Paginator(qs, PER_PAGE), request.GET.get("page"))
    kept = {"region": region.code if region else None, "days": days}
    return render(request, "insight/hotspots.html", {
        "page": page, "region": region, "regions": _regions_for_filter(region), "days": days,
        "periods": [(d, f"近 {d} 天" if d else "全部", urlencode({k: v for k, v in {**kept, "days": d}.items() if v}))
                    for d in (*PERIODS, None)],
        "bad_days": cut(asked, 20) if asked and days is None else None, "bad_region": bad_region,
        "query": "".join(f"{k}={v}&" for k, v in kept.items() if v),
    }, status=400 if (asked and days is None) or bad_region else 200)


def _trend_label(trend: dict) -> str:
    """The chart's text alternative (a screen reader heard 「每日的留言数」 and no number): its span,
    total and busiest period, and where each message's date is."""
    labels, counts, per = trend["labels"], trend["counts"], trend["per"]
    if not labels:
        return f"每{per}留言数图: 暂无公开留言"
    span = labels[0] if len(labels) == 1 else f"{labels[0]} 至 {labels[-1]}"
    peak = max(range(len(counts)), key=counts.__getitem__)  # the first of equal ones
    one = "一个月" if per == "月" else f"一{per}"  # 「最多的一月」 reads as January
    return (f"每{per}留言数图: {span} 共 {sum(counts)} 条, 最多的{one} {labels[peak]}, {counts[peak]} 条; "
            "各条留言的日期见下方列表")


def hotspot_detail(request, pk: int):
    roles = roles_of(request.user)
    keep_heat_current()  # its 热度指数 is the list's, no more than an hour old
    # as the lists: two messages or more, one of them public (its title and place would
    # otherwise quote unpublished text); supervisors reach the others of their own regions
    # from /chronic/, never another region's by its number
    hotspot = get_object_or_404(Hotspot.objects.readable_by(roles).with_public_figures().select_related("region"),
                                pk=pk)
    # the public members, for everyone: the page states what the hotspot publicly is (its count
    # says 已公开 N 条), and the author reads a pending, rejected or withdrawn message of their own
    # on its own page, not listed and charted here as part of a public problem
    messages = list(Message.objects.filter(status__in=Status.public(), hotspot_member__hotspot=hotspot)
                    .exclude(kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._readings)
                    .select_related("region", "topic", "author").order_by("-submitted_at"))
    # a supervisor who opened a 老大难 from /chronic/ reached each case's public page only, with no
    # way on to its 办理 page (督办, the units' deadlines): the staff who dispatch or supervise a
    # message's region get that link too (the rule of the staff case page, less the unit officers)
    for m in messages:
        m.staff_case = roles.admin or roles.dispatches(m.region) or roles.supervises(m.region)
    # a 老大难 whose messages all read 已办结 left the supervisor asking why it was one: the answered
    # members whose latest rating is 不满意 say so (the others still unresolved are in handling)
    show_flags = hotspot.flags_shown_to(roles)
    if show_flags:
        prefetch_related_objects(messages, "evaluations")
        unsatisfied = {m.pk for m in unresolved_members(messages) if m.status in Status.answered()}
        for m in messages:
            m.unsatisfied = m.pk in unsatisfied
    return render(request, "insight/hotspot.html", {
        "hotspot": hotspot, "members": messages,
        "trend": (trend := trend_of(messages)), "trend_json": json.dumps(trend, ensure_ascii=False),
        "trend_label": _trend_label(trend),
        "show_flags": show_flags,  # as /chronic/: in the regions the user supervises
        # the badges 老大难 / 需多部门协调 are the machine's verdict: the page says what made it
        "days": (timezone.now() - hotspot.first_at).days, "chronic_days": chronic_days(),
        # some members are not public yet: the page's figures are the public members' (supervisors
        # also read those of every member, labelled)
        "partial": hotspot.public_count != hotspot.message_count,
    })


def _chronic_error(request, error: str, status: int):
    return render(request, "insight/chronic.html", {"error": error, "section": "chronic"}, status=status)


def _chronic_listed(request, counted: bool = True):
    """What /chronic/ lists for ``request`` — its tab (``?show=``) and region (``?region=``), in its order — as
    ``(qs, show, region, counts)``; or the response refusing it (sign in, 403, a region unknown or not theirs).
    The page and its CSV export (``chronic_export``) read it alike; the export counts no tabs (``counted``)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = roles_of(request.user)
    if not roles.is_supervisor:
        raise PermissionDenied("只有督办人员和领导可以查看老大难问题")
    # a problem past its 90th day with nothing written to it: flagged within the hour; ranked by the heat as of the
    # hour's pass, so that its pages rank alike (heat_clock)
    heat_at = heat_clock()
    qs = Hotspot.objects.filter(Q(chronic=True) | Q(needs_coordination=True)).select_related("region")
    qs = qs.filter(roles.region_q(roles.supervise_prefixes))
    # ?region=: one city's 老大难 (the dashboard of 天水市 counted its 2 and linked to all 54 of the province)
    code = request.GET.get("region", "").strip()
    region = _region(code) if code else None
    if code and region is None:
        return _chronic_error(request, f"没有区划代码为 {cut(code, 20)} 的区划", 400)
    if region is not None and (refused := chronic_refusal(roles, region)):  # (it read 「定西市在您负责的区划内暂无…」)
        return _chronic_error(request, refused, 403)
    if region is not None:
        qs = qs.filter(region__code__startswith=region.prefix)
    # each tab says how many it lists, as the dispatcher's queue does (the tabs had no figure)
    counts = qs.aggregate(all=Count("pk"), chronic=Count("pk", filter=Q(chronic=True)),
                          coordination=Count("pk", filter=Q(needs_coordination=True))) if counted else None
    show = request.GET.get("show", "")
    if show == "chronic":
        qs = qs.filter(chronic=True)
    elif show == "coordination":
        qs = qs.filter(needs_coordination=True)
    # by the heat of now, not the stored one (as of the last refresh: in the embedded default without cron,
    # of the last letter, so a problem quiet for a year outranked one written to yesterday); few rows
    qs = qs.with_current_heat(heat_at).order_by("-chronic", "-current_heat", "-last_at", "-id")
    return qs, show, region, counts


def chronic(request):
    """老大难 and needs-coordination hotspots, for supervisors (and leaders, who hold
    the supervisor role) within their regions."""
    listed = _chronic_listed(request)
    if not isinstance(listed, tuple):
        return listed
    qs, show, region, counts = listed
    roles = roles_of(request.user)
    now = timezone.now()
    page = page_of(Paginator(qs, PER_PAGE), request.GET.get("page"))
    for h in page.object_list:  # in days: "10 月" (timesince) reads as October
        h.days = (now - h.first_at).days
    in_region = f"region={region.code}&" if region else ""
    kept = {k: v for k, v in (("show", show if show in ("chronic", "coordination") else ""),
                              ("region", region.code if region else "")) if v}
    return render(request, "insight/chronic.html", {"page": page, "show": show, "now": now, "section": "chronic",
                                                   "counts": counts, "region": region, "in_region": in_region,
                                                   "query": in_region + (f"show={show}&" if show in ("chronic", "coordination")
                                                                         else ""),
                                                   "export_query": urlencode(kept),
                                                   # its form's 区划: the regions they supervise, as /stats/overdue/'s,
                                                   # and the one chosen (甘肃省 for 兰州市's: allowed, its heading's)
                                                   "regions": visible_regions(roles, kept.get("region", ""),
                                                                              roles.supervise_prefixes)
                                                   | Region.objects.filter(code=kept.get("region", "")).only("code", "name", "level"),
                                                   "filters": {"region": kept.get("region", "")}})


CHRONIC_EXPORT_HEADER = ["问题描述", "区划", "首次留言时间", "最近留言时间", "留言数", "未解决/不满意数", "涉及单位", "标记",
                         "链接"]


def chronic_export(request):
    """/chronic/export.csv (2026-12-07): every hotspot /chronic/ lists under the same tab and region, in its order
    and on every page, with the columns a supervisor forwards to the units; the page's permission."""
    listed = _chronic_listed(request, counted=False)
    if not isinstance(listed, tuple):
        return listed
    qs, show, region, _ = listed
    base = request.build_absolute_uri("/").rstrip("/")

    def moment(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    def rows():
        for h in qs.iterator(chunk_size=500):
            marks = [word for flag, word in ((h.chronic, "老大难"), (h.needs_coordination, "需多部门协调")) if flag]
            yield [h.title, h.region.name if h.region else "", moment(h.first_at), moment(h.last_at), h.message_count,
                   h.unresolved_count, "、".join(h.units or []), "、".join(marks),
                   base + reverse("insight:hotspot", args=[h.pk])]

    tab = {"chronic": "老大难", "coordination": "需多部门协调"}.get(show, "全部")
    name = f"老大难问题-{region.name if region else '全部区划'}-{tab}-{timezone.localdate():%Y%m%d}.csv"
    # the ASCII name says the region and tab too, as the statistics exports' do (since 2026-12-08)
    ascii_name = (f"chronic-{region.code if region else 'all'}-{show if show in ('chronic', 'coordination') else 'all'}"
                  f"-{timezone.localdate():%Y%m%d}.csv")
    return exports.stream_csv(name, CHRONIC_EXPORT_HEADER, rows(), ascii_name)


def reading_page(request):
    """机器阅读表现 over the regions the user dispatches or supervises."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = roles_of(request.user)
    if not (roles.is_dispatcher or roles.is_supervisor):
        raise PermissionDenied("只有派单和督办人员可以查看机器阅读表现")
    days = next((p for p in READING_PERIODS if str(p) == request.GET.get("days")), DEFAULT_DAYS)
    prefixes = roles.dispatch_prefixes + roles.supervise_prefixes
    figures = cached_reading(roles.region_q(prefixes), days)
    return render(request, "insight/reading.html", {"r": figures, "periods": READING_PERIODS, "section": "reading",
                                                    "auto_dispatch": _auto_dispatch_rows(roles, prefixes)})


def _auto_dispatch_rows(roles, prefixes: list[str]) -> list[AutoDispatch]:
    """The 自动派单设置 rows that govern the user's regions: their own, those below them and
    those above (a province's switch reaches its cities). The page said 「自动派单 0 件」 and
    nothing of whether it was on, or where it is switched. Few rows: filtered here."""
    rows = AutoDispatch.objects.select_related("region").order_by("region__code")
    if roles.admin:
        return list(rows)
    return [a for a in rows if any(p.startswith(a.region.prefix) or a.region.prefix.startswith(p) for p in prefixes)]


@limit_lookups
def similar(request):
    """htmx fragment for the post form: similar open public messages in the same area.
    The form POSTs (a body of up to 3000 characters does not fit in a URL: the server
    answers 414 from about 450); GET still answers for short texts. Asked by htmx, the answer
    also fills the line above 所在区划 (out of band, ``lookup.region_hint``): the request the citizen's
    typing makes already, no second one."""
    params = request.POST if request.method == "POST" else request.GET
    title = (params.get("title") or "")[:100]
    body = (params.get("body") or "")[:3000]
    region = _region(params.get("region"))
    where = lookup.typed_area(title, body, region)
    hint = render_to_string("insight/_region_hint.html", {"offer": lookup.region_hint(region, where)},
                            request) if request.headers.get("HX-Request") else ""
    box = _similar_box(request, title, body, region, where)
    return HttpResponse(box + hint.strip())


def _similar_box(request, title: str, body: str, region: Region | None, where: Region | None) -> str:
    """「已有相似留言」: the box's HTML, "" when there is none (the page hides an empty box)."""
    found = lookup.similar_open_now(title, body, region, k=5, where=where)
    if not found:
        return ""
    # 我也遇到 is pressed in the box itself (it was only on each message's own page, opened in
    # another tab); one already pressed says so rather than offering the button again
    supported = set(Support.objects.filter(user=request.user, message__in=[m for m, _ in found])
                    .values_list("message_id", flat=True)) if request.user.is_authenticated else set()
    return render_to_string("insight/_similar.html", {"found": found, "supported": supported}, request)

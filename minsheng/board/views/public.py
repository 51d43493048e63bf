"""Public pages: home with headline figures, browse and search, a message's page with
its public timeline, a leader's board (addressee) and region pages.

The public sees only published statuses (``Status.public()``); an anonymous author's
name never appears (``Message.author_public_name``); contact details are never put in
these templates' context. A message's author may open its page in any status.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.functional import cached_property

from minsheng.directory.models import Addressee, Region, Topic, topic_tree
from minsheng.insight.hotspots_service import hotspot_of

from .. import actions, search
from ..forms import ANSWERED, MAX_QUERY_LENGTH, BrowseForm, query_cut
from ..models import HIDDEN_EVENT_KINDS, Assignment, Attachment, Evaluation, Event, Message, Rating, Reply
from ..workflow import Status, allowed
from .staff_hints import replies_shown_to_others

PAGE_SIZE = 20
SEARCH_COUNT_CAP = 1000  # a search's matches counted up to (SearchPaginator)


def close_reason(code: str | None) -> str:
    """A closing's reason (stored as a code) in the words the timelines show."""
    return {
        "evaluated": "评价后办结",
        "no_evaluation": f"答复后 {settings.MINSHENG_EVALUATION_DAYS} 天未评价, 自动办结",
        "not_reopened": "不满意评价后未申请重办, 自动办结",
    }.get(code or "", "")


def public_messages():
    return Message.objects.filter(status__in=Status.public())


def list_queryset(qs):
    """What every message list renders: one query per page, no per-row lookups."""
    return qs.select_related("region", "topic", "addressee", "author").only(
        "public_id", "title", "body", "show_name", "author__display_name", "hidden_name", "kind", "status", "submitted_at",
        "replied_at", "due_at", "support_count", "region__name", "region__code", "topic__name", "addressee__title")


class SearchPaginator(Paginator):
    """A search's pages with its matches counted up to ``cap`` only: counting every match of a
    word in most messages (您好: 42,000 of 60,000) read every message's terms and took as long
    as the page. The page then says 超过 1000 条 and offers the next page."""

    def __init__(self, object_list, per_page, cap):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self):
        return self.object_list.count_up_to(self.cap + 1)

    @property
    def more(self) -> bool:
        """More matches than ``cap`` (how many was not counted)."""
        return self.count > self.cap


def _page_asked(request) -> int:
    """The page number asked for; Paginator.get_page lists the last page for one below 1,
    which takes the whole count."""
    try:
        asked = int(request.GET.get("page") or 1)
    except ValueError:
        return 1
    return min(asked if asked >= 1 else 100_000, 100_000)


def page_of(paginator: Paginator, asked):
    """``paginator.get_page(asked)``, with ``missing``: the page number asked for when there is no such
    page (?page=99 of 3 pages, ?page=0), None otherwise. Such a page showed the last without a word;
    the lists say 「第 99 页不存在, 已显示第 3 页」 above their rows (board/_page_missing.html)."""
    page = paginator.get_page(asked)
    try:
        number = int(asked)
    except (TypeError, ValueError):
        number = None
    page.missing = number if number is not None and number != page.number and paginator.count else None
    return page


def paginate(request, qs, size=PAGE_SIZE, count_cap=None):
    """A page of ``qs``; with ``count_cap`` (a ``search.Ranked``), its matches are counted up to
    that many, or as far as the page asked for and the one after it reach."""
    if count_cap is None:
        paginator = Paginator(qs, size)
    else:
        paginator = SearchPaginator(qs, size, cap=max(count_cap, _page_asked(request) * size))
    page = page_of(paginator, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()


def percent(rate: float | None) -> Decimal | None:
    """A rate (0..1) in % with one decimal, as /stats/ and the exports show it (``figures.percent_value``;
    ``round(100 * rate, 1)`` rounded the float: 82.35 read 82.3 here, 82.4 in Excel)."""
    from minsheng.stats.figures import percent_value

    return percent_value(rate)


def public_figures(addressee=None, **scope) -> dict:
    """The headline figures exactly as /stats/ defines and counts them (from the
    statistics rollups, or the messages' facts for a leader's office; never a scan of the
    messages), with the reply, on-time and on-time sign-for rates in % (及时签收率 since 2026-12-06, with its
    counts, from which ``stats_tags.rate_note`` shows 签收超期, its late ones) and the mean working days to the
    first reply (how fast; shown with one decimal by the ``days`` filter, as on /stats/: since 2026-12-06 the same
    figure, it read 6.2 here and 6.15 there)."""
    from minsheng.stats.figures import addressee_figures, compute

    figures = addressee_figures(addressee) if addressee is not None else compute(**scope)
    return {"received": figures["received"], "replied": figures["replied"],
            "reply_rate": percent(figures["reply_rate"]),
            "on_time": figures["on_time"], "on_time_rate": percent(figures["on_time_rate"]),
            # 误期未答复, the misses in 按时率's base: its list one click away (since 2026-12-06, stats misses)
            "missed": figures["missed"],
            "sign_due": figures["sign_due"], "signed_on_time": figures["signed_on_time"],
            "sign_on_time_rate": percent(figures["sign_on_time_rate"]),  # 签收超期 by ``stats_tags.rate_note``
            "mean_days": figures["mean_days_to_reply"]}  # shown by the days filter, as /stats/ shows it


def home(request):
    latest = list_queryset(Message.objects.filter(status__in=Status.answered()).order_by("-replied_at", "-id"))[:10]
    return render(request, "board/home.html", {
        "latest": latest, "figures": public_figures(), "list_filters": {},
        "kinds": Message._meta.get_field("kind").choices,
    })


def _topic_subtree_ids(code: str) -> list[int]:
    """The topic of ``code`` as typed (``Topic.objects.coded``: 「URBAN」 is 「urban」) and those under it, read in the
    one query that reads the tree."""
    chosen = Exists(Topic.objects.coded(code).filter(pk=OuterRef("pk")))
    topics = list(Topic.objects.annotate(chosen=chosen).values_list("id", "parent_id", "chosen"))
    root = next((t[0] for t in topics if t[2]), None)
    if root is None:
        return []
    ids, frontier = {root}, {root}
    while frontier:
        frontier = {t[0] for t in topics if t[1] in frontier} - ids
        ids |= frontier
    return list(ids)


def filter_public(qs, data: dict):
    """Apply cleaned BrowseForm values; returns (queryset, chosen region or None)."""
    region = None
    if data.get("region"):
        region = Region.objects.filter(code=data["region"]).first()  # one there is (BrowseForm.clean_region)
        if region is not None:  # gone since, between two queries: the list is the one without it, as said
            qs = qs.filter(region__code__startswith=region.prefix)
    if data.get("topic"):
        qs = qs.filter(topic_id__in=_topic_subtree_ids(data["topic"]))
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if data.get("status") == ANSWERED:
        qs = qs.filter(status__in=Status.answered())
    elif data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("date_from"):
        qs = qs.filter(submitted_at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(submitted_at__date__lte=data["date_to"])
    if data.get("q"):
        qs = search.filter_messages(qs, data["q"])
    return qs, region


def search_page(request, qs, q: str):
    """A page of ``qs`` (already filtered by the keyword ``q``) as a list renders it, the best
    matches of ``q`` first when it has something to search (search.Ranked), and the query string
    of its pages: (page, query)."""
    if search.searchable(q):
        return paginate(request, search.Ranked(list_queryset(qs), q), count_cap=SEARCH_COUNT_CAP)
    return paginate(request, list_queryset(qs))


def searched(request) -> dict:
    """A list's keyword, ?q=, as the public list takes it (BrowseForm: trimmed, cut to
    MAX_QUERY_LENGTH), and what its page says of it."""
    q = (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    return {"q": q, "nothing_to_search": bool(q) and not search.searchable(q), "query_cut": query_cut(request)}


def browse(request):
    form = BrowseForm(request.GET or None)
    data = {}
    if form.is_bound:
        form.is_valid()  # invalid fields are dropped (and shown next to the field)
        data = form.cleaned_data
    qs, region = filter_public(public_messages(), data)
    q = data.get("q") or ""
    page, query = search_page(request, qs, q)
    regions = Region.objects.filter(level__lte=Region.Level.COUNTY).only("code", "name", "level")
    topics = topic_tree()
    number = search.message_number(q)
    return render(request, "board/browse.html", {
        "form": form, "page": page, "query": query, "region": region, "regions": regions, "topics": topics,
        "q": q, "nothing_to_search": bool(q.strip()) and not search.searchable(q), "query_cut": query_cut(request),
        "number": number, "own_unlisted": _own_unlisted(request.user, number),
        # a filter past the keyword in use (or refused): 更多筛选 stays open on a phone
        "more_filters_used": any(request.GET.get(name) for name in ("region", "topic", "kind", "status", "date_from",
                                                                     "date_to")),
    })


def _own_unlisted(user, number: str | None) -> Message | None:
    """The signed-in user's own message numbered ``number`` that no list shows (待审核, 撤回, 不予受理…):
    its author, told 「留言已提交 (编号 …)」, searched the number and read 「没有找到相关留言」. Anyone
    else's is not confirmed to exist."""
    if number is None or not user.is_authenticated:
        return None
    message = Message.objects.filter(public_id=number, author=user).first()
    return None if message is None or message.is_public else message


def _visible_message(request, public_id) -> Message:
    message = get_object_or_404(
        Message.objects.select_related("region__parent__parent__parent", "topic", "addressee", "author",
                                       "duplicate_of__author"),
        public_id=public_id)
    if readable(request.user, message):
        return message
    raise Http404("留言不存在或尚未公开")


def readable(user, message: Message) -> bool:
    """Whether ``user`` may open the message's public page: anyone once it is public, its author always."""
    return message.is_public or (user.is_authenticated and message.author_id == user.pk)


def _rating_label(value):
    return Rating(value).label if value in Rating.values else value


def timeline(message) -> list[dict]:
    """Public events in Chinese; never private events, notes or who the citizen is."""
    entries = []
    events = message.events.filter(public=True).exclude(kind__in=HIDDEN_EVENT_KINDS).select_related("unit")
    for e in events:
        d, unit = e.data or {}, e.unit.name if e.unit else ""
        detail, parts = "", []
        if e.kind == Event.Kind.DISPATCHED:
            detail = f"交由 {d.get('lead') or unit} 主办"
            if d.get("assists"):
                detail += ", " + "、".join(d["assists"]) + " 协办"
        elif e.kind == Event.Kind.SIGNED:
            detail = f"{unit} 已签收"
        elif e.kind == Event.Kind.TRANSFERRED:
            detail = f"{unit} 转办至 {d.get('to', '')}"
        elif e.kind == Event.Kind.RETURNED:
            detail = f"{unit} 退回, 重新派单"
        elif e.kind == Event.Kind.EXTENSION_REQUESTED:
            detail = f"{unit} 申请延期 {d.get('days', '')} 个工作日"
        elif e.kind == Event.Kind.EXTENSION_APPROVED:
            detail = f"同意延期 {d.get('days', '')} 个工作日"
        elif e.kind == Event.Kind.REPLIED:
            detail = f"{unit} 答复" + ("" if d.get("on_time", True) else " (超期)")
        elif e.kind == Event.Kind.EVALUATED:  # three parts the page lists as 「a · b · c」
            parts = [f"{label}: {_rating_label(d.get(key))}"
                     for key, label in (("resolution", "解决情况"), ("attitude", "办理态度"), ("speed", "办理速度"))]
        elif e.kind == Event.Kind.REOPENED:
            detail = f"留言人不满意, 交 {unit} 重新办理"
        elif e.kind == Event.Kind.CLOSED:
            detail = close_reason(d.get("reason"))
        elif e.kind == Event.Kind.MERGED:
            detail = f"与留言 {d['into']} 合并办理" if d.get("into") and message.public_main else "与另一条留言合并办理"
        entries.append({"at": e.at, "label": e.get_kind_display(), "detail": detail, "parts": parts, "kind": e.kind})
    return entries


def message_detail(request, public_id):
    message = _visible_message(request, public_id)
    is_author = request.user.is_authenticated and message.author_id == request.user.pk
    main = message.public_main if message.status == Status.MERGED else None
    answered = main or message
    # the citizens' personal data hidden in each (a reply stored before such replies were refused named them)
    replies = replies_shown_to_others(
        answered, Reply.objects.filter(message=answered).select_related("unit").order_by("published_at"))
    evaluations = list(Evaluation.objects.filter(message=answered).select_related("message__author")
                       .order_by("created_at"))
    for r in replies:
        r.evaluation = next((ev for ev in evaluations if ev.reply_id == r.pk), None)
    supported = (request.user.is_authenticated
                 and message.supports.filter(user=request.user).exists())
    # a public message of a public hotspot links to it: its page led to the message, never back,
    # and a reader could not learn that others had raised the same problem there
    hotspot = hotspot_of(message) if message.is_public else None
    resubmitted_as = actions.resubmitted_as(message) if is_author and message.status == Status.REJECTED else None
    return render(request, "board/message.html", {
        "message": message, "main": main, "replies": replies, "timeline": timeline(message),
        "photos": Attachment.objects.filter(message=message).only("file", "width", "height"),
        "is_author": is_author, "supported": supported,
        "hotspot": hotspot if hotspot and hotspot.is_public else None,
        "can_withdraw": is_author and allowed("withdraw", message.status),
        "can_rate": is_author and message.status == Status.REPLIED,
        "can_reopen": is_author and actions.can_reopen(message),
        # 未受理原因 asks for more (「请补充后重新提交」): the form opens with this message's text (citizen.post_message)
        # once only: sent again, its page links to the copy (it offered the button still: walk, 2026-12-06)
        "resubmitted_as": resubmitted_as,
        # and the copy back to it, for its author alone (only they see the old one): API walk, 2026-12-06
        "resubmission_of": message.resubmission_of if is_author and message.resubmission_of_id else None,
        "can_post_again": is_author and message.status == Status.REJECTED and resubmitted_as is None,
        # its author, on a case past its 答复期限 unanswered: the unit handling it, whom to ask (until 2026-12-06 the page
        # said 「已超期」 and 「尚未答复」, nothing to do)
        "late_unit": _lead_unit(message) if is_author and message.is_overdue else None,
        "breadcrumb": list(reversed(message.region.ancestors())),
    })


def _lead_unit(message):
    """The unit leading ``message`` now (主办, still handling it), or None (待派单, or back from a unit)."""
    lead = (Assignment.objects.filter(message=message, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE)
            .select_related("unit").first())
    return lead.unit if lead else None


def addressees(request):
    """Each leader's office with its 受理留言 figure and 答复率, those its own board leads with."""
    from minsheng.stats.figures import received_by_addressee

    rows = list(Addressee.objects.filter(is_active=True).select_related("region"))
    figures = received_by_addressee()
    for a in rows:
        mine = figures.get(a.pk, {})
        a.n, a.reply_rate = mine.get("received", 0), percent(mine.get("reply_rate"))
    return render(request, "board/addressees.html", {"addressees": rows})


# a leader's board's tabs (?status=): key -> (label, statuses); 全部 holds merged messages too
BOARD_TABS = {"": ("全部", None), "answered": ("已答复", Status.answered()), "handling": ("办理中", Status.handling())}


def addressee_board(request, pk):
    """A leader's office: its figures and its public messages; the list has more than the
    受理留言 figure when it holds merged messages, and says so (as a region page does). An office switched off
    (停用) keeps its board, its history: it says it takes no new messages and offers no 「给…留言」, its figures
    and their lists (/stats/list/?addressee=) as they were — since 2026-12-06, before a 404 while those lists
    and /stats/?addressee= answered (as a unit switched off keeps its figures)."""
    addressee = get_object_or_404(Addressee.objects.select_related("region", "unit"), pk=pk)
    keyword = searched(request)
    qs = search.filter_messages(public_messages().filter(addressee=addressee), keyword["q"])
    shown = request.GET.get("status", "")
    if shown not in BOARD_TABS:
        shown = ""
    counts = qs.aggregate(merged=Count("pk", filter=Q(status=Status.MERGED)),
                          **{key or "all": Count("pk", filter=Q(status__in=statuses) if statuses else Q())
                             for key, (_, statuses) in BOARD_TABS.items()})
    page, query = search_page(request, qs.filter(status__in=BOARD_TABS[shown][1]) if shown else qs, keyword["q"])
    return render(request, "board/addressee.html", {
        "addressee": addressee, "page": page, "query": query, "figures": public_figures(addressee),
        # its figures' lists: the messages written to it (bare numbers before 2026-12-06)
        "list_filters": {"addressee": addressee.pk},
        "tabs": [(key, label, counts[key or "all"]) for key, (label, _) in BOARD_TABS.items()], "shown": shown,
        "keep": [("status", shown)] if shown else [], **keyword,
        "merged": 0 if shown else counts["merged"]})


def region_page(request, code):
    """A region's figures, its sub-regions and its public messages. Each sub-region shows
    its 受理留言 figure, the one its own page leads with; the list has more than that
    figure when it holds merged messages (public, but counted once, in the main message)."""
    from minsheng.stats.figures import one_version, received_by_child

    region = get_object_or_404(Region.objects.select_related("parent__parent__parent"), code=code)
    qs = public_messages().filter(region__code__startswith=region.prefix)
    children = list(region.children.order_by("code").only("code", "name", "level", "prefix", "parent"))
    with one_version():
        figures = public_figures(region=region)
        received = received_by_child(region) if children else {}
    for child in children:
        child.count = received.get(child.prefix, 0)
    page, query = paginate(request, list_queryset(qs))
    return render(request, "board/region.html", {
        "region": region, "breadcrumb": list(reversed(region.ancestors())), "children": children,
        "figures": figures, "list_filters": {"region": region.code}, "page": page, "query": query,
        "merged": qs.filter(status=Status.MERGED).count(),
        "addressees": region.addressees.filter(is_active=True),
    })


urlpatterns = [
    path("", home, name="home"),
    path("browse/", browse, name="browse"),
    path("m/<str:public_id>/", message_detail, name="message"),
    path("leaders/", addressees, name="addressees"),
    path("leaders/<int:pk>/", addressee_board, name="addressee"),
    path("region/<str:code>/", region_page, name="region"),
]

"""Similar messages for the product's forms: the post form (similar open messages in
the same region), the dispatcher's triage page (near-duplicates to merge) and the reply
form (similar answered messages with their replies, and a quality score of the draft).

Each lookup ranks a bounded set of candidates from the database (same region subtree,
recent first) with ``similar.TextIndex``; the index over a candidate set is cached in
the process for ``CACHE_SECONDS`` so that typing in the post form stays fast. The
dispatcher's candidates are cached only while they stay the same (their count and versions).
"""

from __future__ import annotations

import bisect
import datetime as dt
import time

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone

from minsheng.board.models import Message, Reply
from minsheng.board.workflow import Status

from . import quality
from .hotspots import county_of, extract_places
from .places import refined_areas, refined_region
from .similar import TextIndex, message_places, same_place

CANDIDATES = 1500
CACHE_SECONDS = 60
BODY_CHARS = 300
_cache: dict = {}


def _prefix(region) -> str:
    """Compare within the prefecture (a county's neighbours count as the same area);
    ``region``: a Region or a gazetteer Place (places.refined_areas)."""
    if region is None:
        return ""
    return region.code[:4] if region.level >= 2 else region.code[:2]


def _counties(a: Message, region_a, b: Message) -> tuple[str | None, str | None]:
    """The counties two messages are about: their regions' county codes when both are
    known at county level or below (``region_a``: ``a``'s region, refined from its text;
    七里河区 and 榆中县 are different places: cases of two counties go to different units and
    are never merged), else the county marks of their titles (A3区)."""
    if region_a is not None and b.region is not None and region_a.level >= 3 and b.region.level >= 3:
        return region_a.code[:6], b.region.code[:6]
    return county_of(a.title), county_of(b.title)


def _cached(key: tuple):
    """(messages, index) cached under ``key`` less than ``CACHE_SECONDS`` ago, or None."""
    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    return None


def _store(key: tuple, messages: list[Message], titles, bodies) -> tuple[list[Message], TextIndex | None]:
    now = time.monotonic()
    # keys that change do not pile up; a copy, for other threads of the worker use the cache too
    for old, entry in list(_cache.items()):
        if now - entry[0] >= CACHE_SECONDS:
            _cache.pop(old, None)
    index = TextIndex.build(titles, bodies) if messages else None
    _cache[key] = (now, messages, index)
    return messages, index


def _index(key: tuple, queryset, public: bool = False) -> tuple[list[Message], TextIndex | None]:
    """Candidates and their index; ``public``: indexed as the public reads them (masked), so
    a query cannot find a message by the phone number it hides."""
    hit = _cached(key)
    if hit is not None:
        return hit
    messages = list(queryset.select_related("region", "author")[:CANDIDATES])
    titles = [m.public_title if public else m.title for m in messages]
    bodies = [(m.public_body if public else m.body)[:BODY_CHARS] for m in messages]
    return _store(key, messages, titles, bodies)


def clear_cache() -> None:
    _cache.clear()


def similar_open(title: str, body: str, region, k: int = 5, min_score: float = 0.2) -> list[tuple[Message, float]]:
    """Public messages not yet closed in the same area that raise the same problem, most
    similar first, so a citizen can support (我也遇到) or follow one instead of posting again.
    A message about another problem at the same compound is not one (``TextIndex.same_problem``):
    the citizen would read it as already reported."""
    if not (title or "").strip() and not (body or "").strip():
        return []
    open_statuses = [Status.ACCEPTED, Status.DISPATCHED, Status.SIGNED, Status.REPLIED, Status.EVALUATED]
    qs = Message.objects.filter(status__in=open_statuses)
    prefix = _prefix(refined_region(region, f"{title} {body}"))
    if prefix:
        qs = qs.filter(region__code__startswith=prefix)
    messages, index = _index(("open", prefix), qs.order_by("-submitted_at"), public=True)
    if index is None:
        return []
    out = []
    # a neighbouring county's message may be the same problem filed under the wrong county:
    # the citizen only gets a suggestion to support it, so only the title's marks are compared
    title, body = title or "", (body or "")[:BODY_CHARS]
    places, county = set(extract_places(title)), county_of(title)
    vector, named = index.vector(title, body), message_places(title, body)
    for n in index.query(title, body, k=k * 3, min_score=min_score, vector=vector):
        m = messages[n.index]
        if (same_place(places, set(extract_places(m.title)), county, county_of(m.title))
                and index.same_problem(vector, n.index, named)):
            out.append((m, n.score))
    return out[:k]


def _day_start(moment: dt.datetime) -> dt.datetime:
    """Midnight (Asia/Shanghai) of ``moment``'s day."""
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _dup_candidates(prefixes, start: dt.datetime):
    """Possible main cases for 并单 in the areas ``prefixes`` ("" is everywhere), submitted
    since ``start``: accepted (a main case is public) and not merged themselves."""
    qs = (Message.objects.filter(submitted_at__gte=start, status__in=Status.public())
          .exclude(status=Status.MERGED))
    if "" not in prefixes:
        qs = qs.filter(Q.create([("region__code__startswith", p) for p in prefixes], connector=Q.OR))
    return qs


def _dup_states(groups) -> dict:
    """(count, sum of versions) of the candidates of each (prefix, start) of ``groups``:
    one grouped aggregate per start (prefectures by the first four digits of the code)."""
    states = {}
    for start in {start for _, start in groups}:
        prefixes = {prefix for prefix, s in groups if s == start}
        rows = (_dup_candidates(prefixes, start).order_by().values(area=Substr("region__code", 1, 4))
                .annotate(n=Count("pk"), versions=Sum("version")))
        areas = [(row["area"] or "", row["n"], row["versions"] or 0) for row in rows]
        for prefix in prefixes:
            mine = [(n, v) for area, n, v in areas if area.startswith(prefix)]
            states[(prefix, start)] = (sum(n for n, _ in mine), sum(v for _, v in mine))
    return states


def _dup_fetch(prefixes, start: dt.datetime) -> dict[str, list[Message]]:
    """The ``CANDIDATES`` latest candidates of each prefix (newest first), in one query for
    the prefectures (a window function numbers each one's rows) and one per wider prefix."""
    fetched: dict[str, list[Message]] = {}
    areas = sorted(p for p in prefixes if len(p) == 4)
    if areas:
        area = Substr("region__code", 1, 4)
        rows = (_dup_candidates(areas, start)
                .annotate(area=area, rank=Window(RowNumber(), partition_by=area,
                                                 order_by=[F("submitted_at").desc(), F("pk").desc()]))
                .filter(rank__lte=CANDIDATES).select_related("region", "author")
                .order_by("area", "-submitted_at", "-pk"))
        fetched = {p: [] for p in areas}
        for m in rows:
            fetched[m.area].append(m)
    for prefix in prefixes:
        if len(prefix) != 4:
            fetched[prefix] = list(_dup_candidates({prefix}, start).select_related("region", "author")
                                   .order_by("-submitted_at", "-pk")[:CANDIDATES])
    return fetched


def _dup_indexes(groups) -> dict:
    """(messages, index) of each (prefix, start) of ``groups``, from the cache while their
    candidates stay the same (their count and the sum of their versions: a case accepted,
    merged or rejected a moment ago counts at once, for the dispatcher opens its duplicate
    next, and every move raises a message's version)."""
    states = _dup_states(groups)
    keys = {group: ("dup", group[0], group[1].date(), *states[group]) for group in groups}
    found = {group: _cached(key) for group, key in keys.items()}
    missing = [group for group, hit in found.items() if hit is None]
    for start in {start for _, start in missing}:
        for prefix, messages in _dup_fetch([prefix for prefix, s in missing if s == start], start).items():
            found[(prefix, start)] = _store(keys[(prefix, start)], messages, [m.title for m in messages],
                                            [m.body[:BODY_CHARS] for m in messages])
    return found


def near_duplicates_many(messages, k: int = 5, min_score: float = 0.35, days: int = 180,
                         now: dt.datetime | None = None) -> dict[int, list[tuple[Message, float]]]:
    """``near_duplicates`` of several messages (the dispatcher's queue), by message pk, with
    a fixed number of queries: every message submitted in the last ``days`` days is looked up
    in one index per area, over the candidates of the last 2 × ``days`` days (the same index
    for the queue and the case page, so both say the same), each message keeping to its own
    window; an older one is looked up in an index from its own window's first day."""
    messages = list(messages)
    if not messages:
        return {}
    shared = _day_start(now or timezone.now()) - dt.timedelta(days=2 * days)
    regions = refined_areas([(m.region, f"{m.title} {m.body}") for m in messages])
    wanted = []
    for m, region in zip(messages, regions, strict=True):
        since = m.submitted_at - dt.timedelta(days=days)
        wanted.append((m, region, since, (_prefix(region), shared if since >= shared else _day_start(since))))
    indexes = _dup_indexes({group for *_, group in wanted})
    return {m.pk: _near(m, region, since, *indexes[group], k=k, min_score=min_score)
            for m, region, since, group in wanted}


def _near(message, region, since, candidates, index, *, k: int, min_score: float) -> list[tuple[Message, float]]:
    if index is None:
        return []
    # the candidates are newest first: the message's window is a head of the list
    window = bisect.bisect_right(candidates, -since.timestamp(), key=lambda c: -c.submitted_at.timestamp())
    places = set(extract_places(message.title))
    body = message.body[:BODY_CHARS]
    vector, named = index.vector(message.title, body), message_places(message.title, body)
    out = []
    allowed = None if window == len(candidates) else range(window)
    for n in index.query(message.title, body, k=k * 3 + 1, min_score=min_score, allowed=allowed, vector=vector):
        other = candidates[n.index]
        if other.pk == message.pk or other.duplicate_of_id:
            continue
        if (same_place(places, set(extract_places(other.title)), *_counties(message, region, other))
                and index.same_problem(vector, n.index, named)):
            out.append((other, n.score))
    return out[:k]


def near_duplicates(message, k: int = 5, min_score: float = 0.35, days: int = 180) -> list[tuple[Message, float]]:
    """Messages in the same area from ``days`` days before ``message`` on that raise the same
    problem at the same place: candidates for 并单 at triage (see near_duplicates_many)."""
    return near_duplicates_many([message], k=k, min_score=min_score, days=days)[message.pk]


def similar_answered(message, k: int = 3, min_score: float = 0.2) -> list[tuple[Message, Reply, float]]:
    """Past answered messages like this one, with their latest reply (reply form)."""
    qs = Message.objects.filter(status__in=list(Status.answered())).exclude(pk=message.pk)
    prefix = _prefix(message.region)
    if prefix:
        qs = qs.filter(region__code__startswith=prefix[:2])  # the province's answers help too
    messages, index = _index(("answered", prefix[:2]), qs.order_by("-replied_at"))
    if index is None:
        return []
    found = [(messages[n.index], n.score)
             for n in index.query(message.title, message.body[:BODY_CHARS], k=k * 2, min_score=min_score)
             if messages[n.index].pk != message.pk]
    replies = {}
    for r in Reply.objects.filter(message__in=[m for m, _ in found]).order_by("published_at"):
        replies[r.message_id] = r  # the latest wins
    return [(m, replies[m.pk], s) for m, s in found if m.pk in replies][:k]


def score_for_reply(message, body: str, replied_at=None) -> dict:
    """quality.score_reply for a draft reply to ``message`` (reply form, do_reply)."""
    return quality.score_reply(message.title, message.body, body or "", message.submitted_at,
                               replied_at or timezone.now())

"""Similar messages for the product's forms: the post form (similar open messages in
the same region), the dispatcher's triage page (near-duplicates to merge) and the reply
form (similar answered messages with their replies, and a quality score of the draft).

Each lookup ranks a bounded set of candidates from the database (same region subtree,
recent first) with ``similar.TextIndex``; the index over a candidate set is cached in
the process for ``CACHE_SECONDS`` so that typing in the post form stays fast. The
dispatcher's candidates are cached only while they stay the same (their count and versions).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db.models import Count, Sum
from django.utils import timezone

from minsheng.board.models import Message, Reply
from minsheng.board.workflow import Status

from . import quality
from .hotspots import county_of, extract_places
from .places import refined_region
from .similar import TextIndex, same_place

CANDIDATES = 1500
CACHE_SECONDS = 60
BODY_CHARS = 300
_cache: dict = {}


def _prefix(region) -> str:
    """Compare within the prefecture (a county's neighbours count as the same area)."""
    if region is None:
        return ""
    return region.code[:4] if region.level >= 2 else region.prefix


def _counties(a: Message, region_a, b: Message) -> tuple[str | None, str | None]:
    """The counties two messages are about: their regions' county codes when both are
    known at county level or below (``region_a``: ``a``'s region, refined from its text;
    七里河区 and 榆中县 are different places: cases of two counties go to different units and
    are never merged), else the county marks of their titles (A3区)."""
    if region_a is not None and b.region is not None and region_a.level >= 3 and b.region.level >= 3:
        return region_a.code[:6], b.region.code[:6]
    return county_of(a.title), county_of(b.title)


def _index(key: tuple, queryset, public: bool = False) -> tuple[list[Message], TextIndex | None]:
    """Candidates and their index; ``public``: indexed as the public reads them (masked), so
    a query cannot find a message by the phone number it hides."""
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2]
    # keys that change do not pile up; a copy, for other threads of the worker use the cache too
    for old, entry in list(_cache.items()):
        if now - entry[0] >= CACHE_SECONDS:
            _cache.pop(old, None)
    messages = list(queryset.select_related("region", "author")[:CANDIDATES])
    titles = [m.public_title if public else m.title for m in messages]
    bodies = [(m.public_body if public else m.body)[:BODY_CHARS] for m in messages]
    index = TextIndex.build(titles, bodies) if messages else None
    _cache[key] = (now, messages, index)
    return messages, index


def clear_cache() -> None:
    _cache.clear()


def similar_open(title: str, body: str, region, k: int = 5, min_score: float = 0.2) -> list[tuple[Message, float]]:
    """Public messages not yet closed in the same area, most similar first, so a
    citizen can support (我也遇到) or follow one instead of posting again."""
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
    places, county = set(extract_places(title)), county_of(title)
    for n in index.query(title or "", (body or "")[:BODY_CHARS], k=k * 3, min_score=min_score):
        m = messages[n.index]
        if same_place(places, set(extract_places(m.title)), county, county_of(m.title)):
            out.append((m, n.score))
    return out[:k]


def near_duplicates(message, k: int = 5, min_score: float = 0.35, days: int = 180) -> list[tuple[Message, float]]:
    """Messages in the same area from the last ``days`` days that raise the same
    problem at the same place: candidates for 并单 at triage."""
    since = message.submitted_at - dt.timedelta(days=days)
    qs = (Message.objects.filter(submitted_at__gte=since, status__in=Status.public())  # accepted: a main case
          .exclude(status=Status.MERGED))
    region = refined_region(message.region, f"{message.title} {message.body}")
    prefix = _prefix(region)
    if prefix:
        qs = qs.filter(region__code__startswith=prefix)
    # the candidates as they are now: a case accepted (or merged, rejected) a moment ago counts at
    # once, for the dispatcher opens its duplicate next (every move raises a message's version)
    state = qs.aggregate(n=Count("pk"), versions=Sum("version"))
    messages, index = _index(("dup", prefix, since.date(), state["n"], state["versions"]),
                             qs.order_by("-submitted_at"))
    if index is None:
        return []
    places = set(extract_places(message.title))
    out = []
    for n in index.query(message.title, message.body[:BODY_CHARS], k=k * 3 + 1, min_score=min_score):
        other = messages[n.index]
        if other.pk == message.pk or other.duplicate_of_id:
            continue
        if same_place(places, set(extract_places(other.title)), *_counties(message, region, other)):
            out.append((other, n.score))
    return out[:k]


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

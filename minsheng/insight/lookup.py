"""Similar messages for the product's forms: the post form (similar open messages in
the same region), the dispatcher's triage page (near-duplicates to merge) and the reply
form (similar answered messages with their replies, and a quality score of the draft).

Each lookup ranks a bounded set of candidates from the database (same region subtree,
recent first) with ``similar.TextIndex``; the index over a candidate set is cached in
the process for ``CACHE_SECONDS`` so that typing in the post form stays fast. The
dispatcher's candidates are kept up to date instead (``_dup_indexes``): every lookup reads
which candidates there are and their versions, and only the messages new or moved since are
read again; their feature counts (``similar.FeatureCounts``) make the index again in
milliseconds.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from django.utils import timezone

from minsheng.board.models import Message, MessageKind, Reply
from minsheng.board.workflow import Status
from minsheng.directory.models import Region

from . import quality
from .hotspots import county_of, extract_places
from .places import area_names, gazetteer, refined_areas, refined_region, without_names
from .similar import (
    FeatureCounts,
    RowWeights,
    TextIndex,
    common_places,
    message_places,
    same_name,
    same_place,
)

CANDIDATES = 1500
CACHE_SECONDS = 60
BODY_CHARS = 300
# the dispatcher's candidate indexes need no expiry (each lookup brings them up to date); one
# nobody used for this long is dropped, so that the areas and days once asked do not pile up
DUP_IDLE_SECONDS = 30 * 60
# and at most this many are kept, the least recently used dropped first: a backlog of old cases
# spread over many days has an index per day (each up to CANDIDATES messages)
DUP_MAX_INDEXES = 16
FETCH_CHUNK = 5000  # messages read by one query (SQLite takes 32,766 parameters)
_cache: dict = {}
_dup_cache: dict = {}


def _prefix(region) -> str:
    """Compare within the prefecture (a county's neighbours count as the same area);
    ``region``: a Region or a gazetteer Place (places.refined_areas)."""
    if region is None:
        return ""
    return region.code[:4] if region.level >= 2 else region.code[:2]


def _counties(a: Message, region_a, b: Message, region_b) -> tuple[str | None, str | None]:
    """The counties two messages are about: their regions' county codes when both are
    known at county level or below (``region_a``, ``region_b``: their regions, refined from their
    texts; 七里河区 and 榆中县 are different places: cases of two counties go to different units and
    are never merged), else the county marks of their titles (A3区)."""
    if region_a is not None and region_b is not None and region_a.level >= 3 and region_b.level >= 3:
        return region_a.code[:6], region_b.code[:6]
    return county_of(a.title), county_of(b.title)


def _county_code(region) -> str | None:
    """The county code of a region at county level or below (a Region or a gazetteer Place)."""
    return region.code[:6] if region is not None and region.level >= 3 else None


def _in_its_county(places: set[str], other: Message, region, other_region, candidates, index) -> bool:
    """For a message and a candidate of which one is known to be in a county and the other is
    filed above it (兰州市, its text naming no county): whether the two name a place in common that
    only that county's messages name. A dispatcher merges a city-level message about 永登县's
    滨河家园 into 永登县's case, but a city-level message naming no place (兰州市公租房分配, 12345
    无人回复) is not that county's case, nor one about a name two counties' messages use (北滨河路
    runs through three districts; every county has a 第二人民医院): the county is not known.
    ``places``: the places the message's title names; ``region``, ``other_region``: the two
    messages', refined."""
    county = _county_code(region) or _county_code(other_region)
    theirs = _title_places(other.title)
    for name in common_places(places, theirs):
        elsewhere = False
        for row in index.rows_naming(name):
            m = candidates[row]
            code = _county_code(m.region)
            if code and code != county and any(same_name(name, p) for p in index.title_places(row)):
                elsewhere = True
                break
        if not elsewhere:
            return True
    return False


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
    _dup_cache.clear()


_REFINE = object()  # similar_open's ``where`` not given: read from the text


def similar_open(title: str, body: str, region, k: int = 5, min_score: float = 0.2,
                 where=_REFINE) -> list[tuple[Message, float]]:
    """Public messages not yet closed in the same area that raise the same problem, most
    similar first, so a citizen can support (我也遇到) or follow one instead of posting again.
    A message about another problem at the same compound is not one (``TextIndex.same_problem``):
    the citizen would read it as already reported. ``where``: the area, ``refined_region`` of
    ``region`` and the text, when the caller read it already (the post form's region hint)."""
    if not (title or "").strip() and not (body or "").strip():
        return []
    qs = Message.objects.filter(status__in=Status.in_hand())
    if where is _REFINE:
        where = refined_region(region, f"{title} {body}")
    prefix = _prefix(where)
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
    named = message_places(title, body)
    # the area's names say where, not what: compared without them (「七里河区西津西路烧烤店油烟扰民」 was
    # offered 「咨询七里河区西津西路道路维修计划」 as the same problem, 七里河区 the words they shared beyond the road)
    names = area_names(where.code if where else None)
    said = (without_names(title, names), without_names(body, names))
    vector = index.vector(*said)
    for n in index.nearest(vector, named, k * 3, min_score=min_score):
        m = messages[n.index]
        if (same_place(places, set(extract_places(m.title)), county, county_of(m.title))
                and index.same_problem(vector, n.index, named, said)):
            out.append((m, n.score))
    return out[:k]


def typed_area(title: str, body: str, region) -> Region | None:
    """Where what the citizen is typing is looked up (``similar_open_now``'s ``where``) and what the region
    line offers (``region_hint``): ``region``, or the lower place the text names inside it
    (``places.refined_region``), the texts cut to the form's limits. The post form's box and
    GET/POST /api/v1/messages/similar/ read it here, once for both."""
    title, body = (title or "")[:100], (body or "")[:3000]
    return refined_region(region, f"{title} {body}") if (title + body).strip() else region


def region_hint(region: Region | None, where: Region | None) -> Region | None:
    """The region the post form offers to choose (「留言提到「七里河区」: 选为所在区划」), and the API's
    ``region_hint``: ``where`` (``typed_area``), the lower place the text names inside the chosen
    ``region`` (none, a province or a prefecture), as the routing reads it; none when it is the chosen
    region, or one no unit serves and no dispatcher sees (the form would refuse it,
    ``board.forms.check_handled``)."""
    from django.core.exceptions import ValidationError

    from minsheng.board.forms import check_handled

    if where is None or where == region:
        return None
    try:
        check_handled(where)
    except ValidationError:
        return None
    return where


def similar_open_now(title: str, body: str, region, k: int = 5, where=_REFINE) -> list[tuple[Message, float]]:
    """``similar_open`` as the citizen is shown it while typing (the post form's box, GET/POST
    /api/v1/messages/similar/): nothing for under 4 characters, the texts cut to the form's limits
    (100 and 3000), each message's status and 我也遇到 count read now (the candidates are cached
    for a minute, CACHE_SECONDS: a 我也遇到 pressed a moment ago shows), and one withdrawn or
    rejected since left out (no longer public: its link would be a 404), or closed or merged since
    (no longer in hand: the box offers what is 尚未办结). ``where`` as for ``similar_open``."""
    title, body = (title or "")[:100], (body or "")[:3000]
    found = similar_open(title, body, region, k=k, where=where) if len(title + body) >= 4 else []
    if not found:
        return []
    now = {pk: (status, count) for pk, status, count in Message.objects.filter(
        pk__in=[m.pk for m, _ in found]).values_list("pk", "status", "support_count")}
    # the caller's own copies: the cached ones are shared by the server's threads, and a caller sets
    # its figures on them (the API's similarity: another caller's lookup meanwhile set its own)
    found = [(copy.copy(m), score) for m, score in found]
    for m, _ in found:
        m.status, m.support_count = now.get(m.pk, (m.status, m.support_count))
    return [(m, score) for m, score in found if m.pk in now and m.status in Status.in_hand()]


def _day_start(moment: dt.datetime) -> dt.datetime:
    """Midnight (Asia/Shanghai) of ``moment``'s day."""
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _dup_candidates(prefix: str, start: dt.datetime):
    """Possible main cases for 并单 in the area ``prefix`` ("" is everywhere), submitted since
    ``start``: accepted (a main case is public) and not merged themselves."""
    qs = (Message.objects.filter(submitted_at__gte=start, status__in=Status.public())
          .exclude(status=Status.MERGED))
    if prefix:  # the area's regions as a subquery, not a join: the newest rows come in index order
        qs = qs.filter(region__in=Region.objects.filter(code__startswith=prefix).values("pk"))
    return qs


def _dup_states(groups) -> dict[tuple, tuple[tuple[int, int], ...]]:
    """The candidates of each (prefix, start) of ``groups`` as (pk, version), the ``CANDIDATES``
    newest first: a query per group (a page's rows are in a few prefectures), each reading only
    the newest rows (through the index on submitted_at, or a small area's regions' index). A
    window function numbering every candidate of the groups in one query read them all: at
    60,000 messages 49 ms for a prefecture on PostgreSQL (now 8), 243 ms for four areas (now 58),
    growing with the table (bench/pages.py)."""
    return {(prefix, start): tuple(_dup_candidates(prefix, start).order_by("-submitted_at", "-pk")
                                   .values_list("pk", "version")[:CANDIDATES])
            for prefix, start in groups}


@dataclass(frozen=True)
class _Candidates:
    """The candidates of one (prefix, start), newest first, with their feature counts and index."""

    state: tuple[tuple[int, int], ...]  # (pk, version) of each message
    messages: list[Message]
    counts: FeatureCounts
    index: TextIndex | None
    # what ``near_duplicates_many`` found among them, by the looked-up message's text, area and
    # window: the queue is opened again and again while its candidates stay the same
    near: dict = field(default_factory=dict, compare=False, repr=False)


_NO_CANDIDATES = _Candidates((), [], FeatureCounts(), None)


def _dup_update(old: _Candidates, state, fetched: dict[int, Message]) -> _Candidates:
    """``old`` brought to ``state``: the messages ``fetched`` (new or moved since) replace
    theirs, the others are kept with their counts; the index is made again from the counts."""
    row_of = {pk: i for i, (pk, _) in enumerate(old.state)}
    held = dict(old.state)
    messages, rows = [], []
    for pk, version in state:
        if pk in fetched:
            messages.append(fetched[pk])
        elif held.get(pk) == version:
            messages.append(old.messages[row_of[pk]])
        else:
            continue  # no longer a candidate when it was read (withdrawn, merged, deleted a moment ago)
        # a message's text does not change when it moves: its counts are kept, unless the text
        # read again differs (an edit in the Django admin raises no version; it shows here with
        # the message's next move)
        text = (messages[-1].title, messages[-1].body[:BODY_CHARS])
        rows.append(row_of[pk] if pk in row_of and old.counts.texts[row_of[pk]] == text else text)
    counts = old.counts.select(rows)
    return _Candidates(tuple((m.pk, m.version) for m in messages), messages, counts,
                       counts.index() if messages else None)


# what the lookup reads of a candidate, and what the case page's 并单 list shows of one (its 编号,
# title and status): a process's first queue page reads an area's 1,500 candidates, and reading
# every column, with the author, was half of their reading (PostgreSQL 211-260 → 101-106 ms,
# SQLite 138-281 → 78-119). Another field read of a candidate costs a query: add it here
DUP_FIELDS = ("title", "body", "public_id", "status", "version", "submitted_at", "duplicate_of",
              "region__code", "region__level")


def _dup_fetch(pks) -> dict[int, Message]:
    """The messages ``pks`` that are still possible main cases (see ``_dup_candidates``), with
    ``DUP_FIELDS`` only."""
    pks, fetched = sorted(pks), {}
    candidates = (Message.objects.filter(status__in=Status.public()).exclude(status=Status.MERGED)
                  .select_related("region").only(*DUP_FIELDS))
    for first in range(0, len(pks), FETCH_CHUNK):
        for m in candidates.filter(pk__in=pks[first:first + FETCH_CHUNK]):
            fetched[m.pk] = m
    return fetched


def _dup_indexes(groups) -> dict:
    """(messages, index) of each (prefix, start) of ``groups``, up to date: the candidates'
    pks and versions are read (every move raises a message's version: a case accepted,
    merged or rejected a moment ago counts at once, for the dispatcher opens its duplicate
    next), and only the messages new or moved since the last lookup are read again, in one
    query; the index is made again from the kept feature counts (``_dup_update``)."""
    states = _dup_states(groups)
    now = time.monotonic()
    for key, (used, _) in list(_dup_cache.items()):  # a copy: other threads of the worker use it too
        if now - used >= DUP_IDLE_SECONDS:
            _dup_cache.pop(key, None)
    held = {group: _dup_cache.get(("dup", *group), (now, _NO_CANDIDATES))[1] for group in groups}
    stale = {group for group in groups if held[group].state != states[group]}
    moved = set()
    for group in stale:
        moved.update(set(states[group]) - set(held[group].state))
    fetched = _dup_fetch({pk for pk, _ in moved}) if moved else {}
    found = {}
    for group in groups:
        if group in stale:
            held[group] = _dup_update(held[group], states[group], fetched)
        _dup_cache[("dup", *group)] = (now, held[group])
        found[group] = (held[group].messages, held[group].index, held[group].near)
    by_use = sorted(list(_dup_cache.items()), key=lambda item: item[1][0])
    for key, _ in by_use[:max(0, len(by_use) - max(DUP_MAX_INDEXES, len(groups)))]:
        _dup_cache.pop(key, None)
    return found


def _dup_wanted(messages: list[Message], days: int, now: dt.datetime | None) -> list[tuple]:
    """(message, its region refined from its text, the start of its window, the (prefix, start)
    of the candidates it is looked up among) of each of ``messages`` (see near_duplicates_many)."""
    shared = _day_start(now or timezone.now()) - dt.timedelta(days=2 * days)
    regions = refined_areas([(m.region, f"{m.title} {m.body}") for m in messages])
    wanted = []
    for m, region in zip(messages, regions, strict=True):
        since = m.submitted_at - dt.timedelta(days=days)
        wanted.append((m, region, since, (_prefix(region), shared if since >= shared else _day_start(since))))
    return wanted


# areas whose candidates the start-up warm-up reads: half of those kept, so that the warm-up does
# not push out what the requests use
WARM_AREAS = DUP_MAX_INDEXES // 2
WARM_PENDING = 5000  # waiting messages read to find their areas (the queues' order: oldest first)


def warm_near_duplicates(days: int = 180, before_each=None) -> int:
    """Build the candidate indexes of the areas with the most messages waiting for a dispatcher
    (submitted or accepted; at most ``WARM_AREAS``), the ones the dispatchers' queues look their
    rows up in (``near_duplicates_many``): run by the start-up warm-up (``warmup.warm``), so
    that a process's first queue page does not read and count an area's 1,500 candidates.
    ``before_each()`` is called before the waiting messages are read and before each area's
    index (the warm-up waits there while the process serves a request). Returns how many
    indexes it built."""
    before_each = before_each or (lambda: None)
    before_each()
    pending = list(Message.objects.filter(status__in=[Status.SUBMITTED, Status.ACCEPTED])
                   .select_related("region").only("title", "body", "submitted_at", "region__code", "region__level")
                   .order_by("submitted_at", "pk")[:WARM_PENDING])
    waiting = Counter(group for *_, group in _dup_wanted(pending, days, None))
    groups = [group for group, _ in waiting.most_common(WARM_AREAS)]
    for group in groups:  # one at a time, the busiest first
        before_each()
        _dup_indexes({group})
    return len(groups)


def near_duplicates_many(messages, k: int | None = 5, min_score: float = 0.35, days: int = 180,
                         now: dt.datetime | None = None,
                         statuses: frozenset[str] | None = None) -> dict[int, list[tuple[Message, float]]]:
    """``near_duplicates`` of several messages (the dispatcher's queue), by message pk, with
    a fixed number of queries: every message submitted in the last ``days`` days is looked up
    in one index per area, over the candidates of the last 2 × ``days`` days (the same index
    for the queue and the case page, so both say the same), each message keeping to its own
    window; an older one is looked up in an index from its own window's first day.
    ``k``: the nearest ``k``, or every one from ``min_score`` (None); ``statuses``: only the
    candidates in one of these (the rows of the same index, scored as the dispatcher's list
    scores them: automatic dispatch's hold asks for those in hand, ``Status.in_hand``)."""
    messages = list(messages)
    if not messages:
        return {}
    wanted = _dup_wanted(messages, days, now)
    indexes = _dup_indexes({group for *_, group in wanted})
    found, todo = {}, {}
    for m, region, since, group in wanted:
        _, index, kept = indexes[group]
        if index is None:  # no candidates in the area
            found[m.pk] = []
            continue
        # the same among the same candidates finds the same: comparing each hit's clause features
        # (same_problem) was most of a queue page's time (60% of the province's at 60,000 messages).
        # The text by its hash: 5,000 keys of 16 sets holding 300 characters each were 50 MB a worker
        key = (m.pk, hash((m.title, m.body[:BODY_CHARS])), getattr(region, "code", None),
               getattr(region, "level", None), since, k, min_score, statuses)
        near = kept.get(key)  # one read: another thread of the worker may clear it meanwhile
        if near is not None:
            found[m.pk] = list(near)
        else:
            todo.setdefault(group, []).append((m, region, since, key))
    for group, rows in todo.items():
        candidates, index, kept = indexes[group]
        for (m, *_, key), near in zip(rows, _near_many(rows, candidates, index, k=k, min_score=min_score,
                                                       statuses=statuses), strict=True):
            if len(kept) >= NEAR_KEPT:
                kept.clear()
            kept[key] = near
            found[m.pk] = list(near)
    return {m.pk: found[m.pk] for m, *_ in wanted}


NEAR_KEPT = 5000  # lookups kept per set of candidates (a few queues' rows and case pages)
TITLE_PLACES_KEPT = 8192  # titles whose places are kept (about 5 MB a worker): the hits of many pages
MESSAGE_PLACES_KEPT = 4096  # queue rows whose places (title and head of body) are kept (about 5 MB)


@lru_cache(maxsize=TITLE_PLACES_KEPT)
def _title_places(title: str) -> frozenset[str]:
    """The places a title names (``extract_places``), by its text: each candidate's are read for
    every row of a queue it is near to, and again once a move made a new set of candidates (a
    third of a queue page's first load was reading them)."""
    return frozenset(extract_places(title))


@lru_cache(maxsize=MESSAGE_PLACES_KEPT)
def _message_places(title: str, body: str) -> tuple[str, ...]:
    """``message_places`` of a queue row's text: read again for each load that compares the row
    afresh (after any move among its candidates)."""
    return tuple(message_places(title, body))


def _near_many(rows, candidates, index, *, k: int | None, min_score: float,
               statuses: frozenset[str] | None = None) -> list[list[tuple[Message, float]]]:
    """``_near_found`` of each (message, region, since, …) of ``rows`` among one set of
    candidates: their vectors made at once and scored by one product with the index (a
    product per message was a quarter of the time of a queue page's rows)."""
    texts = [(m.title, m.body[:BODY_CHARS]) for m, *_ in rows]
    # compared without the names of their areas, as the post form's box compares (``similar_open``)
    said = [tuple(without_names(t, area_names(getattr(region, "code", None))) for t in text)
            for (_, region, *_), text in zip(rows, texts, strict=True)]
    vectors = index.vectors(said)
    scores = index.matrix.dot(vectors.T).toarray()
    if statuses is not None:  # the others as past the window: never read (-1)
        scores[[i for i, c in enumerate(candidates) if c.status not in statuses]] = -1.0
    area = _areas_of(candidates)
    return [_near_found(m, region, since, candidates, index, text, said[j],
                        RowWeights(*(part[vectors.indptr[j]:vectors.indptr[j + 1]]
                                     for part in (vectors.indices, vectors.data))),
                        scores[:, j], area, k=k, min_score=min_score)
            for j, ((m, region, since, _), text) in enumerate(zip(rows, texts, strict=True))]


def _areas_of(candidates):
    """The region each of ``candidates`` is about (by its row), refined from its text as the message
    looked up is (``places.refined_areas``), read when first asked: a case filed under 兰州市 whose text
    names 七里河区 was read as a city's, and the same letter filed so again was not offered to merge
    with it (the two in one county, the new one known to be, the case not)."""
    names, found = None, {}

    def area(row: int):
        nonlocal names
        if row not in found:
            other = candidates[row]
            region = other.region
            if region is not None and region.level > Region.Level.PREFECTURE:
                found[row] = region
            else:
                names = names or gazetteer()  # one per lookup: its freshness costs a query
                found[row] = names.find(f"{other.title} {other.body}", region.code if region else None,
                                        region.level if region else 0) or region
        return found[row]

    return area


def _near_found(message, region, since, candidates, index, text, said, vector, scores, area, *, k: int | None,
                min_score: float) -> list[tuple[Message, float]]:
    """``message``'s near-duplicates among ``candidates``; ``text``: its title and the head of its
    body, ``said``: the same without its area's names, ``vector``: their features' weights (a row of
    ``index.vectors``), ``scores``: the
    vector's with every candidate, ``area``: the region of a candidate's row (``_areas_of``)."""
    # the candidates are newest first: the message's window is a head of the list
    window = bisect.bisect_right(candidates, -since.timestamp(), key=lambda c: -c.submitted_at.timestamp())
    places = _title_places(message.title)
    named = _message_places(*text)
    if window < len(candidates):
        # those past the window as ``nearest``'s ``allowed`` leaves them (-1), without listing the
        # 1,500 rows it keeps
        inside, scores = scores, np.full(len(candidates), -1.0)
        scores[:window] = inside[:window]
    out = []
    # k None: every candidate from min_score is read (and those naming its place from NAMED_MIN_SCORE)
    for n in index.nearest(None, named, len(candidates) if k is None else k * 3 + 1, min_score=min_score,
                           scores=scores):
        other = candidates[n.index]
        if other.pk == message.pk or other.duplicate_of_id:
            continue
        theirs = area(n.index)
        if not same_place(places, _title_places(other.title), *_counties(message, region, other, theirs)):
            continue
        if (_county_code(region) is None) != (_county_code(theirs) is None) and not _in_its_county(
                places, other, region, theirs, candidates, index):
            continue
        if index.same_problem(vector, n.index, named, said):
            out.append((other, n.score))
            if len(out) == k:  # the nearest k are the answer: those after them are not read
                break
    return out


def near_duplicates(message, k: int | None = 5, min_score: float = 0.35, days: int = 180,
                    statuses: frozenset[str] | None = None) -> list[tuple[Message, float]]:
    """Messages in the same area from ``days`` days before ``message`` on that raise the same
    problem at the same place: candidates for 并单 at triage (see near_duplicates_many)."""
    return near_duplicates_many([message], k=k, min_score=min_score, days=days, statuses=statuses)[message.pk]


def similar_answered(message, k: int = 3, min_score: float = 0.2) -> list[tuple[Message, Reply, float]]:
    """Past answered messages like this one, with their latest reply (reply form), that reply no form letter."""
    qs = Message.objects.filter(status__in=list(Status.answered())).exclude(pk=message.pk)
    prefix = _prefix(message.region)
    if prefix:
        qs = qs.filter(region__code__startswith=prefix[:2])  # the province's answers help too
    messages, index = _index(("answered", prefix[:2]), qs.order_by("-replied_at"))
    if index is None:
        return []
    # a pool wide enough that the form letters left out below do not crowd out the answers behind them (a unit
    # answering everything with 「已收悉, 请耐心等待」 filled the six nearest: review, 2026-12-05)
    found = [(messages[n.index], n.score)
             for n in index.query(message.title, message.body[:BODY_CHARS], k=k * 10, min_score=min_score)
             if messages[n.index].pk != message.pk]
    replies = {}
    # with its unit: the reply form and GET /staff/cases/{id}/similar-answers/ name it (a query each)
    for r in Reply.objects.filter(message__in=[m for m, _ in found]).select_related("unit").order_by("published_at"):
        replies[r.message_id] = r  # the latest wins
    # the caller's own copies (the cached ones are shared by the server's threads: the API sets each one's
    # similarity on it, and an officer answered while another's lookup ran read the other's)
    # a form letter (套话: quality.score_reply's boilerplate, stored with the reply) is nothing to learn
    # from: the nearest listed beside the reply form was the 「已收悉, 请耐心等待」 its hints warn against
    return [(copy.copy(m), replies[m.pk], s) for m, s in found
            if m.pk in replies and not (replies[m.pk].quality or {}).get("boilerplate")][:k]


def score_for_reply(message, body: str, replied_at=None, *, explain: bool = False) -> dict:
    """quality.score_reply for a draft reply to ``message`` (reply form, do_reply); timely up to
    the case's deadline (``due_at``, extensions included) where it has one; with what each part
    short of full marks found and misses (``explained``) with ``explain``: the form's and the API's preview
    show it and a published reply stores it, the seeded demo's replies too (about 4 ms of part-of-speech
    tagging each)."""
    return quality.score_reply(message.title, message.body, body or "", message.submitted_at,
                               replied_at or timezone.now(), due_at=message.due_at, explain=explain,
                               thanks=message.kind == MessageKind.THANKS)

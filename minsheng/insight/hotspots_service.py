"""Hotspots in the product: place each new message into its hotspot, and recompute
counts, heat and the 老大难 / coordination flags. Wraps the Django-free core
``minsheng.insight.hotspots``.

Each process keeps one ``HotspotIndex`` of the sliding window in memory. Before every
placement it catches up with memberships other processes wrote (rows with a higher id
than it has seen), so several workers share the same clustering; the database is the
truth and a restarted worker rebuilds the index from it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, Sum, Value, When
from django.utils import timezone

from minsheng.board.moderation import mask
from minsheng.board.workflow import Status
from minsheng.directory.models import Region, Topic, Unit

from . import hotspots as core
from .models import MIN_MESSAGES, HeatDecay, Hotspot, HotspotMember, heat_in_database
from .places import Reading, _admin_aliases, admin_names, aliases, directory_stamp, refined_region
from .text import normalize

log = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict = {"index": None, "seen": 0}
# the directory the index read its messages with (``_directory_moved``)
_read_with: dict = {"stamp": None, "regions": None}
CLOSED_OUT = ("rejected", "withdrawn")


def window_days() -> int:
    return int(getattr(settings, "MINSHENG_HOTSPOT_WINDOW_DAYS", core.WINDOW_DAYS))


def chronic_refusal(roles, region: Region) -> str:
    """Why the 老大难 lists refuse ``region`` to ``roles`` — /chronic/'s ``?region=`` (403) and, since 2026-12-08,
    the API's ``?chronic=``/``?needs_coordination=`` with ``region`` (403; an empty list before) —, or "" where they
    supervise it or some of it (兰州市's supervisor some of 甘肃省, none of 定西市)."""
    return "" if roles.supervises_some_of(region) else f"老大难只列您督办的区划; 您不督办{region.name}。"


def chronic_days() -> int:
    return int(getattr(settings, "MINSHENG_CHRONIC_DAYS", 90))


def _where(message, reading: Reading | None = None):
    """The region a message is about: filed under 兰州市 but about 榆中县马家坪村, it is in 榆中县. ``reading``: that
    of ``places.extract_region``, kept over the messages read at once."""
    if not message.region_id:
        return None
    return refined_region(message.region, f"{message.title} {message.body[:core.BODY_CHARS * 2]}", reading)


def _item(message, reading: Reading | None = None) -> core.Item:
    # the county is where it is, and its name (like the city's) says where, not which problem
    region = _where(message, reading)
    return core.Item(id=str(message.pk), title=message.title, body=message.body, at=message.submitted_at,
                     user=str(message.author_id), supports=message.support_count,
                     region=region.code if region else None,
                     admin_names=admin_names(region) if region else ())


def _horizon() -> dt.datetime:
    # the hotspots a letter that repeats one reopens too (``core.REOPEN_WINDOWS``): a restarted worker places as one
    # that kept them
    return timezone.now() - dt.timedelta(days=window_days() * core.REOPEN_WINDOWS)


def _read_into(index: core.HotspotIndex, members, counted: bool = True):
    """Add ``members`` (oldest first) to ``index``, each read as ``place_message`` read it (the estates the index knew,
    then learn its own): a worker that catches up holds the places the placing worker gave the hotspot, and labels it
    the same. Yields each membership once added."""
    rows = members.select_related("message__region__parent__parent__parent").order_by("id")
    reading = Reading()  # the gazetteer checked once, each region a letter names read once (not per letter)
    for member in rows.iterator(chunk_size=2000):
        index.add(index.read_estates(_item(member.message, reading).prepare()), member.hotspot_id, counted=counted)
        yield member


def _catch_up(index: core.HotspotIndex, state: dict) -> None:
    """Add memberships written since ``state["seen"]`` (by any process). ``seen`` follows
    each membership added, so a catch-up that fails half-way adds none of them twice."""
    new = HotspotMember.objects.filter(id__gt=state["seen"], message__submitted_at__gte=_horizon())
    for member in _read_into(index, new):
        state["seen"] = member.id
    state["seen"] = max(state["seen"], HotspotMember.objects.order_by("-id").values_list("id", flat=True).first() or 0)


def _regions() -> dict[int, tuple]:
    """What the index read of the directory: each region's name, parent, level and code, by pk (``admin_names`` cut
    out of each message's text, ``refined_region`` read from it, ``Item.region``)."""
    return {pk: tuple(row) for pk, *row in Region.objects.values_list("pk", "name", "parent_id", "level", "code")}


def _directory_moved() -> tuple[set[int], dict, dict]:
    """The regions renamed, moved, added, removed or recoded since the index read its messages (by any process: the
    admin's, a command's; none where nothing moved), with the directory as it was and as it is (``_regions``). Checked
    at each placement by one aggregate query (``places.directory_stamp``); only where that moved are the regions read
    and compared, so a region saved with its name and parent unchanged costs one read of the table."""
    stamp = directory_stamp()
    if stamp == _read_with["stamp"]:
        return set(), {}, {}
    regions, before = _regions(), _read_with["regions"] or {}
    _read_with["stamp"], _read_with["regions"] = stamp, regions
    return {pk for pk in regions.keys() | before.keys() if regions.get(pk) != before.get(pk)}, before, regions


def _below(pks, tree: dict) -> set[int]:
    """``pks`` and every region below them in ``tree``."""
    children: dict = {}
    for pk, (_, parent_id, *_) in tree.items():
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(pks), list(pks)
    while todo:
        for pk in children.get(todo.pop(), []):
            if pk not in found:
                found.add(pk)
                todo.append(pk)
    return found


def _above(pk, tree: dict) -> list[int]:
    """The regions above ``pk`` in ``tree``, nearest first."""
    found, parent_id = [], tree.get(pk, (None, None))[1]
    while parent_id in tree and parent_id not in found:
        found.append(parent_id)
        parent_id = tree[parent_id][1]
    return found


def _read_otherwise(moved: set[int], before: dict, now: dict) -> tuple[set[int], set[int], set[str]]:
    """What may read otherwise once the regions ``moved`` changed from ``before`` to ``now`` (``_regions``): the
    regions whose messages may (each of them and every region below it, whose text their names are cut out of:
    ``admin_names``; the province and city above it, a message filed there that names it being read as its:
    ``refined_region``), those whose messages all do (a region recoded or re-levelled, and those below it), and the
    names that tell the others (the region's names before and after, and where it moved, the names of the regions
    above it before and after): a message whose text writes none of them reads as it did."""
    regions, recoded, names = set(), set(), set()
    for tree in (before, now):
        regions |= _below(moved, tree)
        recoded |= _below([pk for pk in moved if before.get(pk, (None,) * 4)[2:] != now.get(pk, (None,) * 4)[2:]],
                          tree)
        for pk in moved:
            above = _above(pk, tree)
            regions.update(a for a in above if tree[a][2] <= Region.Level.PREFECTURE)
            # a region added or removed read no letter with the names above it: its own tell the letters it changes
            changed_parent = pk in before and pk in now and before[pk][1] != now[pk][1]
            for region in [pk, *(above if changed_parent else [])]:
                if region in tree:
                    names |= aliases(tree[region][0]) | _admin_aliases(tree[region][0])
    return regions, recoded, names


def _writing_any(names):
    """A test of whether a text writes one of ``names``, whose cost grows with the text, not with the names (10,000
    villages imported: 20,000 names, each looked for in each letter, took 16-25 ms a letter): the names are kept by
    their first two characters, and only those whose two a text writes are looked for in it."""
    heads: dict[str, list[str]] = {}
    for name in filter(None, names):
        heads.setdefault(name[:2], []).append(name)
    short = [head for head in heads if len(head) < 2]  # a name of one character, looked for alone

    def writes(text: str) -> bool:
        return any(name in text for name in short) or any(
            name in text for head in {text[at:at + 2] for at in range(len(text) - 1)} & heads.keys()
            for name in heads[head])
    return writes


def _read_again(index: core.HotspotIndex, moved: set[int], before: dict, now: dict) -> bool:
    """Read again, with the directory's names as they are now, the hotspots of ``index`` holding a message that reads
    otherwise since the regions ``moved`` changed (``_read_otherwise``): their members' places were read with the old
    names cut out of their text (县幸福家园 of 榆中县幸福家园 where the county was 榆中区). The other hotspots are kept
    as read. False, reading nothing, where they are more than half the index: it is built again whole then."""
    regions, recoded, names = _read_otherwise(moved, before, now)
    writes = _writing_any(names)
    held = HotspotMember.objects.filter(id__lte=_state["seen"], message__submitted_at__gte=_horizon())
    about: set[int] = set()
    pks = sorted(regions)
    for start in range(0, len(pks), 2000):  # within any backend's parameters
        rows = (held.filter(message__region_id__in=pks[start:start + 2000]).order_by()
                .values_list("hotspot_id", "message__region_id", "message__title", "message__body"))
        for hotspot, region, title, body in rows.iterator(chunk_size=2000):
            # as written (the bigrams) and as read (the places: in simplified characters, the masking stars dropped)
            texts = (text := f"{title}\n{body}", normalize(text))
            if region in recoded or any(map(writes, texts)):
                about.add(hotspot)
    about &= index.clusters.keys()
    if len(about) * 2 > len(index.clusters):
        return False
    index.forget(about)
    hotspot_pks = sorted(about)
    for start in range(0, len(hotspot_pks), 2000):
        for _ in _read_into(index, held.filter(hotspot_id__in=hotspot_pks[start:start + 2000]), counted=False):
            pass
    log.info("regions renamed or moved: %d hotspot(s) of the index read again with their names", len(about))
    return True


def get_index() -> core.HotspotIndex:
    """The process's index, brought up to date; the caller holds ``_lock``. A first build
    is made aside and kept only once whole: one that fails leaves no half-built index. Where a region was renamed or
    moved since (``_directory_moved``), the hotspots about it are read again (``_read_again``; built again whole until
    2026-12-06, in the request of the first letter placed after it: seconds on a large database), or the whole index
    where they are most of it."""
    moved, before, now = _directory_moved() if _state["index"] is not None else (set(), {}, {})
    try:
        if moved and not _read_again(_state["index"], moved, before, now):
            log.info("regions renamed or moved: the hotspot index is read again with their names")
            _state["index"] = None
    except BaseException:
        # dropped and not all read again (a database error half-way): built again whole by the next placement, not
        # left without those hotspots, whose next letters would each start another (since 2026-12-06)
        _state["index"] = None
        raise
    if _state["index"] is None:
        read_with = {"stamp": directory_stamp(), "regions": _regions()}  # before: a rename meanwhile is seen
        index, state = core.HotspotIndex(window_days=window_days()), {"seen": 0}
        _catch_up(index, state)
        _state["index"], _state["seen"] = index, state["seen"]
        _read_with.update(read_with)
        return index
    _catch_up(_state["index"], _state)
    return _state["index"]


def reset_index() -> None:
    """Forget the in-memory index (tests; after bulk changes), and when this process last saw
    the stored heat brought to the clock (``keep_heat_current``): as a process started now."""
    with _lock:
        _state["index"] = None
        _state["seen"] = 0
        _read_with["stamp"] = _read_with["regions"] = None
    _heat_seen["at"], _heat_seen["failing"], _heat_seen["chronic_days"] = None, False, None
    _heat_seen["setting"], _heat_seen["started"] = None, timezone.now()


def place_message(message, refresh: bool = True) -> Hotspot | None:
    """Put ``message`` into its hotspot, creating one when none fits. Idempotent: a
    message already placed keeps its hotspot. Returns the hotspot (None for an
    empty message, and for a thank-you note: a hotspot is a problem raised, and thanks for
    one solved ranked among them). ``refresh=False`` leaves counts and heat to the caller (bulk)."""
    from minsheng.board.models import MessageKind

    if message.kind == MessageKind.THANKS:
        return None
    existing = HotspotMember.objects.filter(message_id=message.pk).select_related("hotspot").first()
    if existing:
        return existing.hotspot
    if not (message.title or message.body):
        return None
    with _lock:
        index = get_index()
        item = index.read_estates(_item(message).prepare())  # 时代年华 where a title wrote 时代年华小区
        vector = index.vector(item)
        cid, score = index.assign(item, vector)
        with transaction.atomic():
            if cid is None or not Hotspot.objects.filter(pk=cid).exists():
                # the region it is about, as the clustering reads it: the list's 榆中县 filter finds the
                # 马家坪村 problem whose first message was filed under 兰州市
                hotspot = Hotspot.objects.create(title=message.public_title[:200], region=_where(message),
                                                 first_at=message.submitted_at, last_at=message.submitted_at)
                cid, score = hotspot.pk, 1.0
            else:
                hotspot = Hotspot.objects.get(pk=cid)
            member, created = HotspotMember.objects.get_or_create(message=message,
                                                                  defaults={"hotspot": hotspot, "score": score})
        if not created:  # another worker placed it meanwhile
            return member.hotspot
        cluster = index.add(item, cid, vector)
        _state["seen"] = max(_state["seen"], member.id)
        title = mask(index.title_of(cluster))[:200]  # a public title: no personal data
        if hotspot.public_count:  # public: a public member's title now; the place is refresh_one's
            hotspot.title = public_title(title, _public_members(hotspot))
            hotspot.save(update_fields=["title"])
        else:  # not shown to the public: the clustering's own title and place
            hotspot.title, hotspot.place = title, cluster.place_label(with_region=False)[:200]
            hotspot.save(update_fields=["title", "place"])
    if refresh:
        refresh_one(hotspot)
    return hotspot


def hotspot_of(message) -> Hotspot | None:
    """The hotspot ``message`` belongs to, when it is one (two messages or more: a single
    message is a case, not a hotspot), with its region."""
    from minsheng.board.models import MessageKind

    if message.kind == MessageKind.THANKS:  # counted in none (_readings)
        return None
    member = (HotspotMember.objects.select_related("hotspot__region")
              .filter(message=message, hotspot__message_count__gte=MIN_MESSAGES).first())
    return member.hotspot if member else None


# --- recomputing counts, heat and flags ---------------------------------------


def unresolved_members(messages) -> list:
    """Members still awaiting a reply, or whose latest rating is 不满意 (their ``evaluations``
    prefetched)."""
    from minsheng.board.models import Rating

    found = []
    for m in messages:
        if m.status in Status.handling() or m.status == Status.SUBMITTED:
            found.append(m)
        elif m.status in Status.answered():
            ratings = sorted(m.evaluations.all(), key=lambda e: e.created_at)
            if ratings and ratings[-1].resolution == Rating.UNSATISFIED:
                found.append(m)
    return found


def _public_members(hotspot: Hotspot) -> list:
    from minsheng.board.models import Message, MessageKind

    return list(Message.objects.filter(hotspot_member__hotspot=hotspot, status__in=Status.public())
                .exclude(kind=MessageKind.THANKS)
                .select_related("author").only("title", "body", "submitted_at", "show_name", "author__display_name", "hidden_name"))


def public_face(title: str, place: str, public) -> tuple[str, str]:
    """(title, place) as the public may read them, from the public members only: the
    clustering's own title and place label read every member, pending ones included. A
    hotspot without a public member keeps them (it is shown to supervisors only)."""
    if not public:
        return title, place
    return public_title(title, public), public_place(public)


def public_place(public) -> str:
    """地点/人群 of the public members, read as ``Cluster.place_label`` reads all members."""
    places, title_places, groups, titles = Counter(), Counter(), Counter(), []
    for m in public:
        item = _item(m).prepare()
        places.update(item.places)
        title_places.update(item.title_places)
        groups.update(item.groups)
        titles.append(item.title_text)
    parts = core.main_places(places, title_places, len(public), "\n".join(titles))
    return mask(core.label(parts, groups, len(public)))[:200]


def public_title(title: str, public) -> str:
    """``title`` when it is a public member's (masked) title that tells the problem
    (``hotspots.telling_titles``: a consultation's, refreshed after an upgrade, gives way to
    a complaint's), else the earliest public member's that does: a hotspot's title never
    quotes a message the public cannot read."""
    earliest_first = [m.public_title[:200] for m in sorted(public, key=lambda m: (m.submitted_at, m.pk))]
    titles = core.telling_titles(earliest_first)
    return title if not titles or title in titles else titles[0]


# what a refresh recomputes of a hotspot (``_figures``)
FIGURES = ("first_at", "last_at", "message_count", "public_count", "title", "place", "citizen_count", "support_count",
           "unresolved_count", "heat", "chronic", "needs_coordination", "units", "topics")


# what the heat is computed from (besides the clock)
HEAT_COUNTS = ("citizen_count", "message_count", "support_count", "last_at")


def refresh_one(hotspot: Hotspot, now: dt.datetime | None = None) -> Hotspot:
    """Recompute one hotspot from its members (``refresh_many`` of one). Changes nothing when
    nothing changed."""
    locked = refresh_many([hotspot.pk], now).get(hotspot.pk)
    if locked is None:  # deleted meanwhile (a rebuild)
        return hotspot
    for name in ("refreshed_at", *FIGURES):
        setattr(hotspot, name, getattr(locked, name))
    return hotspot


def refresh_many(hotspot_pks, now: dt.datetime | None = None, release=()) -> dict[int, Hotspot]:
    """Recompute the hotspots ``hotspot_pks`` from their members, their members read together
    (``_readings``: a fixed number of queries for them all, not a few per hotspot), and save
    those that changed; returns them by pk (a hotspot deleted meanwhile left out).

    Their rows are locked while their members are read and the results saved, so two
    refreshes of one hotspot (two workers, or a worker and the hourly refresh) take turns:
    the second reads the members after the first has saved, and never saves an older
    reading over a newer one. Locked in the order of their pks, so that two refreshes of
    overlapping hotspots never wait on each other. ``release``: of them, those whose queued refresh this is
    (``refresh_hotspot``), taken out of the queue in the same transaction, once locked and before their members are
    read: a change committed from then on queues the next refresh, and a refresh that fails leaves them queued."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(Hotspot.objects.select_for_update().filter(pk__in=sorted(set(hotspot_pks))).order_by("pk"))
        if not locked:
            return {}
        if release:
            # once locked in the order of their pks, not before: an UPDATE locks its rows in the order it scans them,
            # and two refreshes taking overlapping rows in two orders could each wait on the other (PostgreSQL)
            release = set(release)
            released = [h for h in locked if h.pk in release]
            Hotspot.objects.filter(pk__in=[h.pk for h in released]).update(refresh_queued_at=None)
            for hotspot in released:
                hotspot.refresh_queued_at = None
        readings = _readings(locked, now)
        stale, fields_changed = [], set()
        for hotspot in locked:
            fields = readings[hotspot.pk]
            if all(fields.get(name) == getattr(hotspot, name) for name in HEAT_COUNTS):
                # the heat moves with the clock at the hour's pass alone (keep_heat_current; the whole refresh): a move
                # that changes none of its counts (a sign-for, a reply) aged it as of the move, and a list paged across
                # it and a neighbour of nearly equal heat showed one of them twice (since 2026-12-06)
                fields["heat"] = hotspot.heat
            changed = [name for name, value in fields.items() if getattr(hotspot, name) != value]
            if changed:
                for name, value in fields.items():
                    setattr(hotspot, name, value)
                hotspot.refreshed_at = now
                stale.append(hotspot)
                fields_changed.update(changed)
        if len(stale) == 1:
            stale[0].save(update_fields=[*sorted(fields_changed), "refreshed_at"])
        elif stale:
            Hotspot.objects.bulk_update(stale, [*sorted(fields_changed), "refreshed_at"], batch_size=500)
    return {hotspot.pk: hotspot for hotspot in locked}


def _readings(hotspots, now: dt.datetime) -> dict[int, dict]:
    """The figures, flags, title and place of each of ``hotspots`` as its members give them now, by pk: their
    members, the members' ratings, who pressed 我也遇到 and the units handling them each read once for them all."""
    from minsheng.board.models import Assignment, Message, MessageKind, Support

    pks = [h.pk for h in hotspots]
    # a thank-you note is placed in no hotspot (place_message); one placed before it was filed as 感谢 (a
    # complaint the dispatcher filed so, a note placed before 2026-12-03) counts in none either
    members = (Message.objects.filter(hotspot_member__hotspot__in=pks).exclude(status__in=CLOSED_OUT)
               .exclude(kind=MessageKind.THANKS))
    messages = list(members
                    # the topics' roots (three levels) and regions in the same query, not one per message
                    .select_related("topic__parent__parent", "predicted_topic__parent__parent",
                                    "region__parent__parent__parent", "author", "hotspot_member")
                    .prefetch_related("evaluations"))
    of: dict[int, list] = {pk: [] for pk in pks}
    for m in messages:
        of[m.hotspot_member.hotspot_id].append(m)
    supporters: dict[int, set] = {pk: set() for pk in pks}
    handling: dict[int, set] = {pk: set() for pk in pks}
    if messages:
        hotspot_of_message = {m.pk: m.hotspot_member.hotspot_id for m in messages}
        member_pks = members.values("pk")
        # 我也遇到 counts people, as citizens does: one who pressed it on two of the messages is one
        for message_id, user_id in Support.objects.filter(message__in=member_pks).values_list("message_id", "user_id"):
            supporters[hotspot_of_message[message_id]].add(user_id)
        # a unit that passed a case on (转办) or sent it back as not its own (退单, its assisting
        # units released with it) does not handle the problem
        passed_on = [Assignment.State.TRANSFERRED, Assignment.State.RETURNED]
        for row in (Assignment.objects.filter(message__in=member_pks).exclude(state__in=passed_on)
                    .values_list("message_id", "role", "unit__name").distinct()):
            handling[hotspot_of_message[row[0]]].add(row)
    return {h.pk: _figures(h, of[h.pk], len(supporters[h.pk]), sorted(handling[h.pk]), now) for h in hotspots}


def _figures(hotspot: Hotspot, messages: list, supports: int, handling: list, now: dt.datetime) -> dict:
    """The figures of ``hotspot`` from its ``messages`` (those counted, their ratings prefetched), the number of
    people who pressed 我也遇到 on them and the (message, role, unit name) handling them."""
    from minsheng.board.models import Assignment

    if not messages:
        return {"message_count": 0, "public_count": 0, "citizen_count": 0, "support_count": 0,
                "unresolved_count": 0, "heat": 0.0, "chronic": False, "needs_coordination": False}
    first = min(m.submitted_at for m in messages)
    last = max(m.submitted_at for m in messages)
    citizens = len({m.author_id for m in messages})
    open_members = unresolved_members(messages)
    unresolved = len(open_members)
    leads = {name for _, role, name in handling if role == Assignment.Role.LEAD}
    assists = {name for _, role, name in handling if role == Assignment.Role.ASSIST}
    topics = sorted({(m.topic or m.predicted_topic).root().name for m in messages if m.topic or m.predicted_topic})
    # what is still open: the units and topics of the unresolved members alone, so a settled
    # case's assisting unit does not flag a problem that is now one unit's
    open_ids = {m.pk for m in open_members}
    open_units = {name for message_id, _, name in handling if message_id in open_ids}
    open_topics = {(m.topic or m.predicted_topic).root().name for m in open_members if m.topic or m.predicted_topic}
    public = [m for m in messages if m.status in Status.public()]
    title, place = public_face(hotspot.title, hotspot.place, public)
    return {
        "first_at": first, "last_at": last, "message_count": len(messages), "public_count": len(public),
        "title": title, "place": place,
        "citizen_count": citizens,
        "support_count": supports, "unresolved_count": unresolved,
        "heat": core.heat(citizens, len(messages), supports, last, now),
        # a single message is a case, not a hotspot: flags need two or more
        "chronic": len(messages) >= 2 and core.is_chronic(first, now, unresolved, chronic_days()),
        # the open members span several units or several topics: one unit alone cannot settle it.
        # An assisting unit (协办) counts: the dispatcher sent it the case because part of the
        # problem is its remit (a school gate's traffic: 公安局 leads, 交通运输局 assists). What
        # the units have settled needs no one brought together: counting every member's units,
        # the demo flagged 54 of 兰州市's 87 hotspots, most of them long answered and rated
        "needs_coordination": len(messages) >= 2 and (len(open_units) >= 2 or len(open_topics) >= 2),
        "units": sorted(leads) + sorted(assists - leads),
        "topics": topics,
    }


# A queued refresh not started after this long is taken as lost (its worker died) and queued again.
REFRESH_CLAIM = dt.timedelta(minutes=5)


class _Batch:
    """What one transaction changed that its hotspots read: the messages whose status, support count or units moved,
    and the topics, units and regions renamed or moved in the directory (``refresh_topic_after_commit``); a region as
    (pk, the name it had)."""

    def __init__(self):
        self.messages: set[int] = set()
        self.topics: set[int] = set()
        self.units: set[int] = set()
        self.regions: set[tuple[int, str]] = set()
        self.done = False


class _AfterCommit:
    """A commit hook of a move: the first of a batch's hooks to run refreshes the hotspots of
    all its messages, each once (``queue_refresh``); the others find it done."""

    def __init__(self, batch: _Batch):
        self.batch = batch

    def __call__(self) -> None:
        if not self.batch.done:
            self.batch.done = True
            queue_refresh(self.batch.messages, topics=self.batch.topics, units=self.batch.units,
                          regions=self.batch.regions)


def refresh_after_commit(message_pk: int) -> None:
    """Refresh the hotspot of ``message_pk`` once the current transaction commits (at once
    outside one). The moves of one transaction are collected and each hotspot they touch is
    refreshed once after the commit, not once per move: in the embedded default the refresh
    runs in place, and a dispatcher dispatching or closing 100 messages of one hotspot in one
    request read its members 100 times."""
    _after_commit("messages", message_pk)


def refresh_topic_after_commit(topic_pk: int) -> None:
    """Refresh the hotspots holding a message filed (or read) under ``topic_pk`` or a topic below it, once the
    transaction commits: the topic was renamed or moved under another root (the admin, a script), and the hotspots'
    涉及领域 and 需多部门协调 read the roots' names. Collected as the moves are: twelve topics edited in one
    transaction refresh their hotspots once, together (since 2026-12-06)."""
    _after_commit("topics", topic_pk)


def refresh_unit_after_commit(unit_pk: int) -> None:
    """Refresh the hotspots holding a case ``unit_pk`` handles or handled, once the transaction commits: the unit was
    renamed, and the hotspots' 涉及单位 name it (since 2026-12-06)."""
    _after_commit("units", unit_pk)


def refresh_region_after_commit(region_pk: int, former_name: str) -> None:
    """Refresh the hotspots holding a message about ``region_pk`` (then named ``former_name``), once the transaction
    commits: the region was renamed or moved, and a hotspot's 地点/人群 is read from its public messages' text with the
    names of each one's region and the regions above it cut out (``places.admin_names``; since 2026-12-06, before
    only ``refresh-hotspots --all`` read the new name). A hotspot with no public message keeps the clustering's
    label, as ``--all`` leaves it."""
    _after_commit("regions", (region_pk, former_name))


def _after_commit(kind: str, pk) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        queue_refresh(**{kind: [pk]})
        return
    # the transaction's batch is found through its commit hooks (Django's run_on_commit), so a
    # rollback that discards them discards the batch too; a hook per move, so that a savepoint
    # rolled back inside the transaction leaves the other moves' hooks (its own moves then cost
    # one refresh that finds nothing changed)
    batch = next((hook.batch for _, hook, _ in reversed(connection.run_on_commit)
                  if isinstance(hook, _AfterCommit) and not hook.batch.done), None) or _Batch()
    getattr(batch, kind).add(pk)
    transaction.on_commit(_AfterCommit(batch))


def _topic_subtrees(topic_pks) -> list[int]:
    """``topic_pks`` and every topic below them (one query: the table is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Topic.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found, todo = set(), list(topic_pks)
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return sorted(found)


def _about_regions(regions) -> Q:
    """The messages whose place names read the names of ``regions`` ((pk, former name) pairs): those filed under one
    of them or a region below it (``admin_names`` cuts the names of the regions above too), and those filed under a
    city or province above one whose text names it by its former name or its new one (``refined_region``:
    榆中县马家坪村 filed under 兰州市 is read in 榆中县)."""
    about = Q(pk__in=[])
    for region in Region.objects.filter(pk__in=sorted(pk for pk, _ in regions)):
        about |= Q(region__code__startswith=region.prefix)
        names = {a for pk, name in regions if pk == region.pk for a in aliases(name)} | aliases(region.name)
        above = [code for code in (region.code[:2] + "0000", region.code[:4] + "00") if code != region.code]
        if names and above:
            said = Q(pk__in=[])
            for name in sorted(names):
                said |= Q(title__contains=name) | Q(body__contains=name)
            about |= Q(region__code__in=above, region__level__lte=Region.Level.PREFECTURE) & said
    return about


def _hotspots_of(messages=(), topics=(), units=(), regions=()) -> list[int]:
    """The hotspots holding ``messages``, a message under ``topics`` (or below them), a case of ``units``, or a
    message about ``regions`` (``_about_regions``)."""
    from minsheng.board.models import Assignment, Message

    found: set[int] = set()
    members = HotspotMember.objects.order_by().values_list("hotspot_id", flat=True)
    message_pks = sorted(messages)
    for start in range(0, len(message_pks), 2000):  # within any backend's parameters
        found.update(members.filter(message_id__in=message_pks[start:start + 2000]))
    if topics:
        under = _topic_subtrees(topics)
        found.update(members.filter(Q(message__topic__in=under) | Q(message__predicted_topic__in=under)).distinct())
    if units:
        found.update(members.filter(message__in=Assignment.objects.filter(unit__in=sorted(units)).values("message_id"))
                     .distinct())
    if regions:
        found.update(members.filter(message__in=Message.objects.filter(_about_regions(regions)).values("pk"))
                     .distinct())
    return sorted(found)


def queue_refresh(messages=(), topics=(), units=(), regions=()) -> None:
    """Refresh the hotspots of messages whose status, support count or units changed (and of the ``topics``,
    ``units`` and ``regions`` renamed or moved: ``refresh_topic_after_commit``): a task on the
    ml queue (in place without a broker, ``delay_or_run``; in a thread after the response where they are more than
    ``REFRESH_IN_PLACE``, since 2026-12-06), one for all the hotspots of the
    messages however many of their messages changed (since 2026-12-05; before, a task per
    hotspot, each reading its members alone: 签收所选 of 20 cases of 18 hotspots ran 18).
    Queued once: while a refresh of the hotspot waits in the queue, a further change needs none (the waiting one reads it when it starts), so closing 100 messages of one
    hotspot one by one queues one refresh, not 100. A hotspot is derived data: a failure is
    logged, and the action stands. The hotspots of ``regions`` are looked up after the response too, by the task
    ``refresh_regions`` (``_refresh_regions_later``): finding them reads the messages' text."""
    if regions:
        _refresh_regions_later(regions)
    if not (messages or topics or units):
        return
    try:
        hotspot_pks = _hotspots_of(messages, topics, units)
    except Exception:
        log.exception("could not find the hotspots of %d message(s), %d topic(s), %d unit(s)",
                      len(messages), len(topics), len(units))
        return
    _claim_and_queue(hotspot_pks)


def _claim(hotspot_pks) -> list[int]:
    """Of ``hotspot_pks``, those not waiting for a refresh already (or waiting too long), claimed together with this
    moment: one refresh is queued for them all (a page of 签收所选 touches a hotspot per case or so)."""
    now = timezone.now()
    (Hotspot.objects.filter(pk__in=hotspot_pks)
     .filter(Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lt=now - REFRESH_CLAIM))
     .update(refresh_queued_at=now))
    return sorted(Hotspot.objects.filter(pk__in=hotspot_pks, refresh_queued_at=now).values_list("pk", flat=True))


def _claim_and_queue(hotspot_pks) -> None:
    from minsheng.celery import delay_or_run

    if not hotspot_pks:
        return
    try:
        claimed = _claim(hotspot_pks)
        if len(claimed) > REFRESH_IN_PLACE and settings.CELERY_TASK_ALWAYS_EAGER:
            _refresh_in_background(claimed)
        elif claimed:
            delay_or_run(refresh_hotspot, *claimed)
    except Exception:
        log.exception("could not refresh hotspots %s", hotspot_pks)


def _refresh_regions_later(regions) -> None:
    """``refresh_regions`` of ``regions`` ((pk, former name) pairs) after the response: a task on the ``ml`` queue
    with a broker (in place where it cannot take it), a thread of its own without one (``minsheng.celery.in_thread``).
    Their hotspots are found by the messages filed under the city above a region that name it, by its former name or
    its new one (``_about_regions``: ``LIKE '%榆中%'`` over the city's titles and texts), which ran in the admin's
    request until 2026-12-06 (later)."""
    from minsheng.celery import delay_or_run, in_thread

    pairs = sorted([pk, name] for pk, name in regions)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        in_thread(refresh_regions, pairs, name=f"refresh-hotspots-of-regions-{len(pairs)}")
    else:
        delay_or_run(refresh_regions, pairs)


@shared_task(name="minsheng.insight.refresh_regions", ignore_result=True)
def refresh_regions(regions) -> None:
    """Refresh the hotspots holding a message about ``regions`` ([pk, former name] pairs) renamed or moved
    (``refresh_region_after_commit``): look them up (``_hotspots_of``), claim those no refresh waits for, and refresh
    them here, already after the response. A failure is logged."""
    try:
        hotspot_pks = _hotspots_of(regions=[(pk, name) for pk, name in regions])
        claimed = _claim(hotspot_pks) if hotspot_pks else []
    except Exception:
        log.exception("could not find the hotspots of region(s) %s", regions)
        return
    if claimed:
        refresh_hotspot(*claimed)  # logs its own failure


# Without a broker (the embedded default) a refresh of more hotspots than this runs in a thread of its own, after the
# response: 城乡建设 renamed in the admin touched 428 hotspots of the 3,000-message demo, and the request took 3.1 s
# (6.7 s in a process that had read no text yet; 0.1 s now, docs/hotspots.md); a move's few stay in place, read at
# once by the next page (since 2026-12-06)
REFRESH_IN_PLACE = 50


def _refresh_in_background(hotspot_pks: list[int]) -> threading.Thread | None:
    """``refresh_hotspot`` in a thread (``minsheng.celery.in_thread``, as ``api.tasks.queue_fetch`` fetches media
    without a broker). Not a daemon: a command that renamed a region (``import-directory``, a shell script) ends once
    its hotspots are refreshed, rather than leaving them claimed and stale."""
    from minsheng.celery import in_thread

    return in_thread(refresh_hotspot, *hotspot_pks, name=f"refresh-hotspots-{len(hotspot_pks)}")


# --- edits outside the workflow (signals, connected in apps.py) ----------------

# what the hotspots read of a topic, a unit and a region: the root's name (涉及领域, 需多部门协调), the unit's name
# (涉及单位), the region's name and those above it (cut out of 地点/人群: ``places.admin_names``)
TOPIC_READ = ("name", "parent_id")
UNIT_READ = ("name",)
REGION_READ = ("name", "parent_id")
READ = {Topic: TOPIC_READ, Unit: UNIT_READ, Region: REGION_READ}
# what they read of a case's share: which unit, in which role, passed on or not
ASSIGNMENT_READ = {"message", "message_id", "unit", "unit_id", "role", "state"}


def _read_before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """pre_save of a Topic, Unit or Region: what the hotspots read of it as stored, to tell a rename or a move from an
    edit of its other fields (one query; a new row holds no message)."""
    read = READ[sender]
    instance._hotspots_read = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {*read, *(f.removesuffix("_id") for f in read)} & set(update_fields):
        return
    instance._hotspots_read = sender.objects.filter(pk=instance.pk).values_list(*read).first()


def _refresh_if_read_changed(sender, instance, created=False, raw=False, **kwargs) -> None:
    """post_save of a Topic, Unit or Region: its hotspots refreshed once the edit commits, where what they read of it
    moved."""
    before = getattr(instance, "_hotspots_read", None)
    if raw or created or before is None:
        return
    if tuple(getattr(instance, name) for name in READ[sender]) == tuple(before):
        return
    if sender is Region:
        refresh_region_after_commit(instance.pk, before[0])
    else:
        (refresh_topic_after_commit if sender is Topic else refresh_unit_after_commit)(instance.pk)


def _assignment_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """post_save and post_delete of a case's share: its hotspot refreshed once the transaction commits. The workflow's
    moves refresh it themselves (``transition``), in the same batch, so this costs them no query; it is for a
    share written outside the workflow (the shell, a data fix: the admin shows them read-only)."""
    if raw or (update_fields is not None and not ASSIGNMENT_READ & set(update_fields)):
        return
    refresh_after_commit(instance.message_id)


@shared_task(name="minsheng.insight.refresh_hotspot", ignore_result=True)
def refresh_hotspot(*hotspot_pks: int) -> None:
    """The refresh ``queue_refresh`` queues, of one hotspot or several (read together:
    ``refresh_many``). It gives up their place in the queue before it reads, so a change
    committed from then on queues the next refresh; a failure is logged, never raised into
    the action that queued it. Read a turn at a time (``_in_turns``), each in a transaction of its own: a topic
    renamed at the root of the tree touches every hotspot under it (since 2026-12-06). Each turn gives up its
    hotspots' place just before it reads them (since 2026-12-06, later; before, all at once at the start): one that
    stops half-way leaves those not reached claimed, and the next pass (``refresh``) refreshes them."""
    try:
        for _ in _in_turns(sorted(set(hotspot_pks)), release=True):
            pass
    except Exception:
        log.exception("could not refresh hotspots %s", hotspot_pks)


def decay_heat(hotspots, now: dt.datetime) -> set[int]:
    """Recompute the heat of ``hotspots`` from their stored counts and latest message
    (heat falls with time alone; the counts follow each support and publication at once),
    without reading their members: cheap enough for every old hotspot every hour. Saves
    only the changed rows; returns their pks."""
    stale = []
    rows = hotspots.values_list("pk", "citizen_count", "message_count", "support_count", "last_at", "heat")
    for pk, citizens, messages, supports, last_at, heat in rows.iterator(chunk_size=2000):
        current = core.heat(citizens, messages, supports, last_at, now) if messages else 0.0
        if current != heat:
            stale.append(Hotspot(pk=pk, heat=current, refreshed_at=now))
    Hotspot.objects.bulk_update(stale, ["heat", "refreshed_at"], batch_size=500)
    return {h.pk for h in stale}


# The stored heat a list ranks by is at most this old (keep_heat_current): the hourly refresh's period.
HEAT_MAX_AGE = dt.timedelta(hours=1)
# when this process last read or wrote HeatDecay.decayed_at, or last failed to (``failing``: since its first
# failure, until a pass succeeds), and the MINSHENG_CHRONIC_DAYS of that pass: within HEAT_MAX_AGE of it, the
# setting unchanged, a list reads no row. ``setting`` and ``since``: the MINSHENG_CHRONIC_DAYS this process serves
# with, and since when (``started``, when this module was loaded, at the process's start: apps.py loads it; or the
# moment a live process saw the setting change, in tests); a pass of another setting stamped later is another
# process's, running beside this one (a rolling restart), and is used as it is (``_bring_to_now``)
_heat_seen: dict = {"at": None, "failing": False, "chronic_days": None, "setting": None, "since": None,
                    "started": timezone.now()}


def _setting_since(now: dt.datetime) -> tuple[int, dt.datetime]:
    """This process's MINSHENG_CHRONIC_DAYS and since when it serves with it."""
    days = chronic_days()
    if _heat_seen.get("setting") != days:
        first = _heat_seen.get("setting") is None
        _heat_seen["setting"], _heat_seen["since"] = days, (_heat_seen.get("started") or now) if first else now
    return days, _heat_seen["since"]


def _fresh(at: dt.datetime | None, now: dt.datetime) -> bool:
    """``at`` is within the last HEAT_MAX_AGE (not ahead of ``now`` by more: a clock set back)."""
    return at is not None and now - HEAT_MAX_AGE <= at <= now + HEAT_MAX_AGE


def decay_heat_in_database(now: dt.datetime) -> int:
    """Bring every hotspot's stored heat to ``now`` in one UPDATE: the formula over each row's own
    counts and latest message (``heat_in_database``), written where the rounded value moved. The
    database computes it from the row as it is when written, so a refresh of one hotspot saving new
    counts meanwhile is never overwritten with a heat of its old ones (as a read-then-write would).
    Returns the number of rows changed."""
    current = heat_in_database(F("citizen_count"), F("message_count"), F("support_count"), F("last_at"), now)
    return Hotspot.objects.exclude(heat=current).update(heat=current, refreshed_at=now)


def chronic_in_database(now: dt.datetime) -> Q:
    """The hotspots the rule of ``_readings`` flags 老大难 at ``now``, over their stored figures: two or more
    messages, some unresolved, the first ``chronic_days`` old to the second (``is_chronic``). The stored
    ``message_count``, ``unresolved_count`` and ``first_at`` are those of the hotspot's last refresh, which
    every move of one of its messages runs."""
    cutoff = now - dt.timedelta(days=chronic_days())
    return Q(message_count__gte=MIN_MESSAGES, unresolved_count__gt=0, first_at__lte=cutoff)


def flag_chronic_in_database(now: dt.datetime) -> int:
    """Bring every hotspot's 老大难 flag to ``now`` over its stored figures (``chronic_in_database``), both
    ways, in one UPDATE: set where the rule gives it and the flag is off — a problem that passed its 90th day
    with nothing written to it was flagged only by a refresh — and cleared where the flag is on and the rule
    no longer gives it: a raised MINSHENG_CHRONIC_DAYS (until 2026-12-05 only ``refresh-hotspots --all``
    applied it), a clock set back, a flag an older version left. What it leaves is what a whole refresh
    leaves. Of the flags only this one moves with time or a setting (需多部门协调 follows the members' units and
    topics, which a move of one of them refreshes, ``refresh_after_commit``). Computed from the row as it is
    when written, as the heat: a hotspot's refresh saving new figures meanwhile is never overwritten. Writes
    only the rows whose flag changes; returns their number."""
    rule = ExpressionWrapper(chronic_in_database(now), output_field=BooleanField())
    # one scan of the table, as the set-only UPDATE was (a second UPDATE to clear cost a second scan); the rows it
    # writes are those whose flag is wrong, so it turns each over
    turned = Case(When(chronic=True, then=Value(False)), default=Value(True), output_field=BooleanField())
    return Hotspot.objects.exclude(chronic=rule).update(chronic=turned, refreshed_at=now)


def _stamp_heat(now: dt.datetime) -> None:
    """Record that every hotspot's heat is as of ``now`` (the row of ``HeatDecay``)."""
    _heat_seen["at"], _heat_seen["chronic_days"] = now, chronic_days()
    stamp = {"decayed_at": now, "chronic_days": chronic_days()}
    if not HeatDecay.objects.filter(pk=1).update(**stamp):
        try:
            with transaction.atomic():
                HeatDecay.objects.create(pk=1, **stamp)
        except IntegrityError:  # made meanwhile by another process
            HeatDecay.objects.filter(pk=1).update(**stamp)


def keep_heat_current(now: dt.datetime | None = None) -> bool:
    """Before a list ranks by the stored heat (/hotspots/ 全部, ``GET /api/v1/hotspots/`` without
    ``days``): where it was last brought to the clock more than ``HEAT_MAX_AGE`` ago, or never,
    bring it to ``now`` (``decay_heat_in_database``), and the 老大难 flags with it, set and cleared
    (``flag_chronic_in_database``: a problem passes its 90th day with nothing written to it, a raised
    MINSHENG_CHRONIC_DAYS; /chronic/, the dashboard's 老大难 column and the API's ``?chronic=`` call this
    too, since 2026-12-05). Whatever serves the site: the embedded default
    runs no refresh-hotspots unless cron does (docs/deploy.md §9), and there a hotspot kept the heat
    of its last letter for ever; under Celery beat's hourly refresh (which stamps the row too) it
    finds the heat fresh and does nothing. One process recomputes: the stale row is claimed by a
    conditional UPDATE, which one of several at once wins; the others read on (what they read is
    at most that hour old, or the winner's). Costs no query when this process saw the row fresh
    within the hour, else one read of the row. Returns whether this call recomputed.

    A database that refuses the pass (read-only, a full disk) never breaks the page: each step runs in
    its own savepoint, so the request's transaction stays usable, and the list is served as stored. The
    failure is logged once, as an error with its traceback, and this process tries again an hour later,
    not at every read (until 2026-12-05 every list read tried and logged the error again); a retry that
    fails again logs one line at INFO, one that succeeds says so; once a read of the row succeeds (this
    process's pass, or another's found fresh) a later refusal is a new one, logged as an error again."""
    now = now or timezone.now()
    days, _ = _setting_since(now)
    if _fresh(_heat_seen["at"], now) and _heat_seen["chronic_days"] == days:
        return False
    try:
        done = _bring_to_now(now)
    except DatabaseError:
        # back off: this process reads the row again in an hour
        _heat_seen["at"], _heat_seen["chronic_days"] = now, chronic_days()
        if _heat_seen["failing"]:
            log.info("the hotspots' heat and 老大难 flags still could not be brought to now; tried again in an hour")
        else:
            log.exception("could not bring the hotspots' heat and 老大难 flags to now; listed as stored, "
                          "tried again in an hour")
        _heat_seen["failing"] = True
        return False
    if _heat_seen["failing"] and done:
        log.info("the hotspots' heat and 老大难 flags are brought to now again")
    # the database answered: this pass ran, or another process's did within the hour (the row was fresh, or claimed
    # first). A later refusal is a new outage, logged as an error again (it was kept failing while another process
    # ran the pass, and a refusal days later logged one line at INFO: review, 2026-12-05)
    _heat_seen["failing"] = False
    return done


def heat_clock(now: dt.datetime | None = None) -> dt.datetime:
    """The moment a list ranks by a heat computed as read (the periods' ``period_heat``, ``current_heat`` of
    /chronic/ and the API's ?chronic=): that of the hour's pass (``keep_heat_current``, run first), the moment the
    stored heat of 全部 is as of; ``now`` where this process does not know it. Two requests of one hour rank
    alike: ranked by the heat of each request's moment (until 2026-12-06), two hotspots whose heats crossed
    between a reader's page 1 and page 2 put the same one on both pages and the other on neither."""
    now = now or timezone.now()
    keep_heat_current(now)
    at = _heat_seen["at"]
    return at if _fresh(at, now) and at <= now else now


def _bring_to_now(now: dt.datetime) -> bool:
    """``keep_heat_current`` past this process's own clock: read the row of the hour, claim it where stale, run
    the pass. Raises DatabaseError, with the request's transaction usable (each step a savepoint inside one)."""
    days, since = _setting_since(now)
    with transaction.atomic():
        last, last_days = HeatDecay.objects.filter(pk=1).values_list("decayed_at", "chronic_days").first() or (None, None)
    if _fresh(last, now) and (last_days == days or last > since):
        if last_days != days:
            # another process's pass of another setting, run since this one serves with its own: both serve at once (a
            # rolling restart). Each ran the pass again at its first read of the other's (until 2026-12-06), every flag
            # turned over at each; the pass of the hour is used as it is, and the next hour's follows whoever runs it
            log.warning("老大难 flags are those of another process's pass at %s under MINSHENG_CHRONIC_DAYS=%s, not this "
                        "process's %d; used as they are until the next hour's pass (processes of two settings serve "
                        "at once: a restart under way?)", last.isoformat(), last_days, days)
        _heat_seen["at"], _heat_seen["chronic_days"] = last, days
        return False
    # over an hour old, or of another MINSHENG_CHRONIC_DAYS run before this process took its own (a process restarted
    # with a new one: until 2026-12-06 the flags followed it only at the next hour's pass); not one run since
    stale = (Q(decayed_at__isnull=True) | Q(decayed_at__lt=now - HEAT_MAX_AGE) | Q(decayed_at__gt=now + HEAT_MAX_AGE)
             | (~Q(chronic_days=days) & Q(decayed_at__lte=since)))
    with transaction.atomic():  # committed at once outside a transaction: the other processes read it claimed
        if last is None and not HeatDecay.objects.filter(pk=1).exists():
            try:
                with transaction.atomic():
                    HeatDecay.objects.create(pk=1, decayed_at=now, chronic_days=days)
            except IntegrityError:
                return False  # another process made the row, and recomputes
        elif not HeatDecay.objects.filter(stale, pk=1).update(decayed_at=now, chronic_days=days):
            return False  # another process claimed it first
    try:
        with transaction.atomic():  # both or neither
            changed = decay_heat_in_database(now)
            flags = flag_chronic_in_database(now)
    except DatabaseError:
        try:
            with transaction.atomic():
                HeatDecay.objects.filter(pk=1, decayed_at=now).update(decayed_at=last, chronic_days=last_days)  # tried again
        except DatabaseError:
            pass  # the error that matters is the pass's, raised below
        raise
    _heat_seen["at"], _heat_seen["chronic_days"] = now, days
    log.info("hotspot heat brought to now: %d row(s) changed, %d 老大难 flag(s) set or cleared", changed, flags)
    return True


PROGRESS_EVERY = 1000  # hotspots refreshed, messages placed
# hotspots refreshed together by refresh() and rebuild() (refresh_many: their members read at once, their rows
# locked meanwhile, in a transaction of their own); since 2026-12-06, before one at a time
REFRESH_CHUNK = 200
# In the embedded default (SQLite: one write lock for the whole database, taken at each transaction's start,
# ``transaction_mode`` IMMEDIATE) a turn of REFRESH_CHUNK held it 0.6-1.3 s, a citizen's post waiting for it (a region
# renamed: more); there a turn takes as many hotspots as held it about REFRESH_HOLD seconds in the turn before, the
# first REFRESH_FIRST (since 2026-12-06; docs/hotspots.md). PostgreSQL locks the hotspots' rows alone.
REFRESH_HOLD = 0.25
REFRESH_FIRST = 10


def _in_turns(hotspot_pks, now: dt.datetime | None = None, release=None, every: int | None = None):
    """``refresh_many`` of ``hotspot_pks`` (in their order) a turn at a time, each in a transaction of its own:
    REFRESH_CHUNK hotspots, on SQLite (more than REFRESH_IN_PLACE in all) as many as held its write lock about
    REFRESH_HOLD in the turn before (at most twice as many). ``release`` (True, or some of the pks): each turn takes
    those of its hotspots out of the refresh queue (``refresh_queued_at``) in its own transaction, so that a refresh
    stopped half-way leaves the hotspots it did not reach claimed, for the next pass (``refresh``). ``every``: a turn
    ends at each ``every`` hotspots (the progress said at the counts it was said at one at a time). Yields each
    turn's pks and what ``refresh_many`` returned."""
    pks = list(hotspot_pks)
    # a move's few, in place in its request (REFRESH_IN_PLACE), are one turn still: the request waits for them anyway
    timed = transaction.get_connection().vendor == "sqlite" and len(pks) > REFRESH_IN_PLACE
    turn, done = min(REFRESH_FIRST, REFRESH_CHUNK) if timed else REFRESH_CHUNK, 0
    while done < len(pks):
        chunk = pks[done:done + (min(turn, every - done % every) if every else turn)]
        started = time.perf_counter()
        result = refresh_many(chunk, now, release=chunk if release is True else
                              [pk for pk in chunk if release and pk in release])
        if timed:
            took = time.perf_counter() - started
            # at most twice the last: hotspots of many members may follow ones of few
            turn = max(1, min(REFRESH_CHUNK, 2 * len(chunk), int(len(chunk) * REFRESH_HOLD / max(took, 1e-6))))
        done += len(chunk)
        yield chunk, result


def refresh(now: dt.datetime | None = None, hotspots=None, progress=None) -> dict:
    """Recompute every hotspot with a message in the last ``chronic_days + window``
    days, or the given ``hotspots``; older ones keep their last title, label and flags,
    but their heat is brought up to date (``decay_heat``). Idempotent: a second run with
    the same ``now`` changes nothing. ``progress(done, total)`` is called every
    PROGRESS_EVERY hotspots. Returns counts."""
    now = now or timezone.now()
    changed: set[int] = set()
    everything = hotspots is None
    # a queued refresh stopped half-way (``refresh_hotspot``) left the hotspots it did not reach claimed: refreshed
    # here once the claim is taken as lost, however old (since 2026-12-06)
    lost = Q(refresh_queued_at__lt=now - REFRESH_CLAIM)
    if everything:
        horizon = now - dt.timedelta(days=window_days() + chronic_days())
        hotspots = Hotspot.objects.filter(Q(last_at__gte=horizon) | lost)
    rows = hotspots.order_by("pk").annotate(lost=ExpressionWrapper(lost, output_field=BooleanField()))
    before, claims = {}, set()
    for pk, refreshed_at, claim_lost in rows.values_list("pk", "refreshed_at", "lost"):
        before[pk] = refreshed_at
        if claim_lost:
            claims.add(pk)
    total, done = len(before), 0
    for chunk, after in _in_turns(before, now, release=claims, every=PROGRESS_EVERY if progress else None):
        changed |= {pk for pk, hotspot in after.items() if before[pk] != hotspot.refreshed_at}
        done += len(chunk)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    # their heat to now, and every older one's: refresh_many keeps the heat of a hotspot whose counts did not move
    changed |= decay_heat(Hotspot.objects.all() if everything else hotspots, now)
    flags = 0
    if everything:  # every hotspot's heat and 老大难 flag are as of now: the lists need not recompute them for an hour
        flags = flag_chronic_in_database(now)  # those beyond the horizon (MINSHENG_CHRONIC_DAYS changed)
        _stamp_heat(now)
    qs = Hotspot.objects.all()
    return {"hotspots": qs.count(), "changed": len(changed) + flags, "chronic": qs.filter(chronic=True).count(),
            "coordination": qs.filter(needs_coordination=True).count()}


@shared_task(name="minsheng.insight.refresh_hotspots", ignore_result=True)
def refresh_hotspots_task() -> None:
    """Celery beat entry (e.g. hourly): heat decays with time and supports change."""
    refresh()


def rebuild(messages=None, progress=None) -> int:
    """Place every message that has no hotspot yet (oldest first), then recompute the
    hotspots it touched once; returns the number placed. ``progress(done, total)`` is
    called every PROGRESS_EVERY messages."""
    from minsheng.board.models import Message, MessageKind

    qs = messages if messages is not None else Message.objects.filter(hotspot_member__isnull=True)
    qs = qs.exclude(status__in=CLOSED_OUT).exclude(kind=MessageKind.THANKS).select_related("region__parent__parent__parent", "author").order_by(
        "submitted_at", "id")
    touched: set[int] = set()
    placed = 0
    total = qs.count() if progress else 0
    for done, message in enumerate(qs.iterator(chunk_size=1000), 1):
        hotspot = place_message(message, refresh=False)
        if hotspot is not None:
            touched.add(hotspot.pk)
            placed += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
    for _ in _in_turns(sorted(touched), timezone.now()):
        pass
    return placed


def summary() -> dict:
    agg = Hotspot.objects.aggregate(n=Count("id"), messages=Sum("message_count"))
    return {"hotspots": agg["n"], "messages": agg["messages"] or 0}


def trend_of(messages) -> dict:
    """Messages per day (span ≤ 60 days), per week (labelled by its Monday), or per month
    (labelled 2026-01), for the hotspot page's chart and ``trend`` of GET /api/v1/hotspots/{id}/; ``per`` names the period
    (日, 周, 月) for its heading."""
    if not messages:
        return {"labels": [], "counts": [], "per": "日"}
    days = [timezone.localtime(m.submitted_at).date() for m in messages]
    first, last = min(days), max(days)
    span = (last - first).days
    if span <= 60:
        key, step, per = (lambda d: d), dt.timedelta(days=1), "日"
    elif span <= 400:
        key, step, per = (lambda d: d - dt.timedelta(days=d.weekday())), dt.timedelta(days=7), "周"
    else:
        key, step, per = (lambda d: d.replace(day=1)), None, "月"
    counts = Counter(key(d) for d in days)
    labels, cursor = [], key(first)
    while cursor <= key(last):
        labels.append(cursor)
        cursor = cursor + step if step else (cursor.replace(year=cursor.year + 1, month=1) if cursor.month == 12
                                             else cursor.replace(month=cursor.month + 1))
    return {"labels": [d.isoformat()[:7] if per == "月" else d.isoformat() for d in labels],
            "counts": [counts.get(d, 0) for d in labels], "per": per}

"""Where a message is, as each reader may read it (docs/security.md, *A message's position*).

A citizen who pressed 「使用我当前的位置」 at home sent their house to 6 decimal places (about 0.1 m).
Its author and the staff entitled to the case read that point; everyone else, in every output that
gives a position (``GET /api/v1/messages/{id}/``, Open311's requests), reads it rounded to 3 decimal
places (about 100 m: the street, not the door), by ``position_shown`` alone, so that no two outputs
round it differently and no pair of them narrows it down. The stored point is not changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from minsheng.accounts.roles import roles_of

log = logging.getLogger(__name__)

PUBLIC_PLACES = 3
_STEP = Decimal(1).scaleb(-PUBLIC_PLACES)


def _shown(value, exact: bool) -> float | None:
    if value is None:
        return None
    value = Decimal(value)
    return float(value if exact else value.quantize(_STEP, rounding=ROUND_HALF_UP)) or 0.0  # not -0.0


def position_shown(message, exact: bool) -> tuple[float | None, float | None]:
    """(latitude, longitude) of ``message``: as stored for a reader entitled to it (``exact``), else
    rounded to ``PUBLIC_PLACES`` decimal places."""
    return _shown(message.latitude, exact), _shown(message.longitude, exact)


def reads_exact_position(user, message) -> bool:
    """Whether ``user`` may read ``message``'s position as sent: its author, and staff who may open the
    case and see its citizen's phone (``Roles.staff_messages_q`` and ``shows_contact``: admins, its
    dispatchers and supervisors, a unit holding it; not a unit it has left nor its leader's office: a point
    at home is as private as the phone, review of 2026-12-07)."""
    if message.latitude is None or user is None or not user.is_authenticated:
        return False
    if message.author_id == user.pk:
        return True
    roles = roles_of(user)
    if not roles.is_staff_member:
        return False
    from minsheng.board.models import Message
    from minsheng.board.views.staff import shows_contact

    opens = Message.objects.filter(roles.staff_messages_q(), pk=message.pk).exists()
    return opens and shows_contact(roles, message)


# --- a position far from the message's region -------------------------------------------------------------
#
# Regions carry no coordinates (directory.Region: a code, a name, a level; nothing in the directory or
# insight/places.py places them on a map), so where a region lies is read from the positions of its other
# public messages (Status.public(): never a message 待审核, 未受理 or 已撤回, whose position is its author's and
# the staff's alone), as everyone reads them: rounded to PUBLIC_PLACES (about 100 m, ``position_shown``), so
# nothing the poster is told comes from a finer point than anyone may read (docs/security.md). Their median
# point, and how far they spread from it (the 90th percentile of their distances: a district's messages
# spread a few kilometres, a county's or a whole city's tens). A position farther from that point than
# SPREAD_TIMES that spread, and at least FAR_FLOOR_KM, is far: a phone's rough GPS is off by metres to a
# kilometre or two, a point in the wrong county or city tens of kilometres. Fewer than NEIGHBOURS_MIN
# positioned messages in the region (its parent's are read then, up to the 地级 region): nothing is said, as
# nothing honest can be. The position is kept as sent in any case (docs/open311.md).
NEIGHBOURS = 200  # the latest positioned public messages of the region read
NEIGHBOURS_MIN = 5
SPREAD_TIMES = 2
FAR_FLOOR_KM = 20
EARTH_RADIUS_KM = 6371.0
# a region's points are read at most this often (every case page, 409 and staff API read of a case asks):
# a message made public meanwhile counts a few minutes later
POINTS_CACHE_SECONDS = 300


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points, in kilometres."""
    from math import asin, cos, radians, sin, sqrt

    lat1, lon1, lat2, lon2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def far_from(point: tuple[float, float], others: list[tuple[float, float]]) -> int | None:
    """How many kilometres ``point`` lies from the middle of ``others`` (their median point), rounded, when
    that is far (above SPREAD_TIMES their spread and FAR_FLOOR_KM); else None, and None for fewer than
    NEIGHBOURS_MIN others."""
    if len(others) < NEIGHBOURS_MIN:
        return None
    middle = (_median([p[0] for p in others]), _median([p[1] for p in others]))
    spread = sorted(distance_km(middle, p) for p in others)
    limit = max(FAR_FLOOR_KM, SPREAD_TIMES * spread[int(0.9 * (len(spread) - 1))])
    away = distance_km(middle, point)
    return round(away) if away > limit else None


def region_points(region) -> list[tuple[int, tuple[float, float]]]:
    """(message id, its public point) of the latest positioned public messages of ``region`` and its
    subregions (NEIGHBOURS, and one more: the message judged may be among them), the points as the public
    reads them (``position_shown``); kept POINTS_CACHE_SECONDS per region. Public data only, so the cache
    holds nothing private."""
    from django.core.cache import cache

    from minsheng.directory.models import Region

    from .models import Message
    from .workflow import Status

    key = f"minsheng:region-points:{region.pk}"
    points = cache.get(key)
    if points is None:
        rows = (
            Message.objects.filter(
                region__in=Region.objects.filter(code__startswith=region.prefix).values("pk"),
                status__in=Status.public(),
                latitude__isnull=False,
                longitude__isnull=False,
            )
            .order_by("-submitted_at")
            .values_list("pk", "latitude", "longitude")[: NEIGHBOURS + 1]
        )
        points = []
        for pk, lat, lon in rows:
            shown = _shown(lat, exact=False), _shown(lon, exact=False)
            points.append((pk, shown))
        cache.set(key, points, POINTS_CACHE_SECONDS)
    return points


@dataclass(frozen=True)
class FarFromRegion:
    """A message's position ``km`` kilometres from ``region``, the region chosen, as placed by the messages of
    ``placed_by`` (the region itself, or the 上级区划 read for too few of its own)."""

    km: int
    region: object  # directory.Region
    placed_by: object  # directory.Region

    def _by(self) -> str:
        return "该区划" if self.placed_by.pk == self.region.pk else f"上级区划「{self.placed_by.name}」"

    def notice(self) -> str:
        """What the poster is told (Open311's ``service_notice``, the REST API's ``position_note``): nothing
        they could do about it after posting, what happens."""
        return (
            f"标注的位置距所选区划「{self.region.name}」约 {self.km} 公里 (按{self._by()}已有留言的位置估算), "
            "已按提交的位置保存, 工作人员将核对地点"
        )

    def note(self) -> str:
        """What the officer's case page says."""
        return (
            f"标注的位置距所选区划「{self.region.name}」约 {self.km} 公里 (按{self._by()}其他留言的位置估算), "
            "可能不在该区划: 派单和到场前请核对地点"
        )


def far_from_region(message) -> FarFromRegion | None:
    """Whether ``message``'s position lies far from its region (``far_from``, against the region's other
    positioned public messages, ``region_points``, or its parent's where it has too few, up to the 地级
    region); None when it has no position, or nothing can be judged. ``message.region`` as the caller loaded
    it (select_related); the points cached: for one message's page or post, not for lists.

    Advisory, so guarded: when the cache or the query fails, the error is logged and None returned (no note),
    read in a savepoint so that the caller's transaction stays usable (a post with an Idempotency-Key is
    saved in one: on PostgreSQL a failed query refused every later one and the post was undone; a post
    without a key was already saved, its client answered 500 and posting again; review of 2026-12-07)."""
    from django.db import transaction

    if message.latitude is None or message.longitude is None or message.region_id is None:
        return None  # nothing to judge: no savepoint opened for most posts
    try:
        with transaction.atomic():
            return _far_from_region(message)
    except Exception:
        log.exception("far_from_region failed for message %s", message.pk)
        return None


def _far_from_region(message) -> FarFromRegion | None:
    from minsheng.directory.models import Region

    point = (float(message.latitude), float(message.longitude))
    chosen = region = message.region
    while region is not None:
        others = [p for pk, p in region_points(region) if pk != message.pk][:NEIGHBOURS]
        if len(others) >= NEIGHBOURS_MIN:
            km = far_from(point, others)
            return FarFromRegion(km, chosen, region) if km is not None else None
        if region.level <= Region.Level.PREFECTURE or not region.parent_id:
            return None
        region = region.parent  # as the caller loaded it (select_related), else one query
    return None


def far_notice(message) -> str:
    """What the poster of ``message`` is told of its position (``FarFromRegion.notice``), "" when nothing."""
    far = far_from_region(message)
    return "" if far is None else far.notice()

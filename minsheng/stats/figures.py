"""The public figures, read from rollups (never from a scan of all messages).

Entry points for pages, the API and the CLI::

    compute(region=None, date_from=None, date_to=None, topic=None, kind=None, unit=None,
            campaign=None, addressee=None) -> dict
    breakdown(by, **same filters) -> list[dict]   # by: region | unit | topic | kind | month
    overdue_by_unit(**same filters) -> list[dict]

Filters accept model instances or their codes (region code, topic code, unit id,
addressee id, campaign slug); an unknown one raises ``ScopeError`` with a one-line Chinese message.
Every figure is defined in docs/statistics.md.
"""

from __future__ import annotations

import calendar
import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from minsheng.board.deadlines import clock
from minsheng.board.models import MessageKind
from minsheng.directory.models import Addressee, Region, Topic, Unit
from minsheng.text_cut import cut

from .measures import MEASURE, NAMES
from .models import (
    CUBES,
    HIST_FIELDS,
    MessageFact,
    Miss,
    OpenCase,
    Rollup,
    RollupVersion,
    SignFor,
)

CUBE_ORDER = ["r", "rk", "rt", "ru", "rtk", "full"]  # smallest first
OFFICE_CUBE_ORDER = ["a", "ar", "ark", "art", "aru", "artk", "af"]  # of a leader's office's scope (OFFICE_CUBES)
SUM_FIELDS = NAMES  # every declared measure (``measures.DECLARED``): the rollups' and the facts' sums
BREAKDOWNS = ("region", "unit", "topic", "kind", "month")


# the cases of no unit (尚未派单: never dispatched, or given back and waiting for dispatch again), the rows whose
# ``unit_key`` is 0: ``unit=0`` chooses them (since 2026-12-07), as the 尚未派单 row of a table by unit, its
# ``filters``, links them; before, no filter could, and the API's row read ``filters: {}`` (the whole region)
NOT_DISPATCHED = "尚未派单"


def not_dispatched() -> Unit:
    """尚未派单 as a scope's unit: no row of the directory, its key 0 the rows of no unit."""
    return Unit(pk=0, name=NOT_DISPATCHED)


class ScopeError(ValueError):
    """An unknown region, topic, unit, campaign or a bad date (one-line message);
    ``field`` names the filter at fault (region, date_from, …) when one is; ``unknown``, the code sent for a
    region or topic that is none's, or the id of a unit (the API says it in its own words: api.inputs.unknown_region,
    unknown_topic, unknown_unit)."""

    def __init__(self, message: str, field: str | None = None, unknown: str | None = None):
        super().__init__(message)
        self.field = field
        self.unknown = unknown


@dataclass
class Scope:
    regions: list[Region] = field(default_factory=list)  # union of subtrees; empty: everywhere
    topics: list[Topic] = field(default_factory=list)  # union of subtrees; empty: every topic
    kind: str | None = None
    unit: Unit | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    campaign: object | None = None
    own_level: bool = False  # only messages filed at the region's own level (the "…本级" row)
    # the messages written to one leader's office (留言对象): its sums are read from the office cubes of the
    # rollups (``cube``), its open cases, misses and sign-fors by their ``addressee_key`` (``addressee_q``), as its
    # lists are (``exports.message_queryset``); since 2026-12-06, before the figures refused it
    addressee: Addressee | None = None

    @property
    def region(self) -> Region | None:
        return self.regions[0] if len(self.regions) == 1 else None

    @property
    def topic(self) -> Topic | None:
        return self.topics[0] if len(self.topics) == 1 else None

    # --- filters ---------------------------------------------------------------
    def dims_q(self) -> Q:
        q = Q()
        if self.regions:
            rq = Q()
            for r in self.regions:
                rq |= Q(**{f"p{min(r.level, 4)}": r.prefix})
            q &= rq
            if self.own_level and self.region is not None and self.region.level < 4:
                q &= Q(**{f"p{self.region.level + 1}": ""})
        if self.topics:
            q &= Q(topic_key__in=topic_subtree_ids(self.topics))
        if self.kind:
            q &= Q(kind=self.kind)
        if self.unit is not None:
            q &= Q(unit_key=self.unit.pk)
        return q

    def day_q(self) -> Q:
        q = Q()
        if self.date_from:
            q &= Q(day__gte=self.date_from)
        if self.date_to:
            q &= Q(day__lte=self.date_to)
        return q

    def needed_dims(self) -> set[str]:
        need = {f"p{min(r.level, 4)}" for r in self.regions}
        if self.own_level and self.region is not None and self.region.level < 4:
            need.add(f"p{self.region.level + 1}")
        if self.topics:
            need.add("topic_key")
        if self.kind:
            need.add("kind")
        if self.unit is not None:
            need.add("unit_key")
        if self.addressee is not None:
            need.add("addressee_key")
        return need

    def cube(self, group: str | None = None) -> str:
        """The smallest cube that can answer this scope (grouped by ``group``): of a leader's office, the smallest
        of the office cubes, which hold the messages written to an office alone; else of the others."""
        need = self.needed_dims() | ({group} if group and group not in ("month",) else set())
        order = CUBE_ORDER if self.addressee is None else OFFICE_CUBE_ORDER
        return next(name for name in order if need <= set(CUBES[name]))

    def rollup_q(self, group: str | None = None) -> Q:
        """Rollup rows of this scope, from the smallest cube that can answer it."""
        return Q(cube=self.cube(group)) & self.dims_q() & self.addressee_q() & period_q(self.date_from, self.date_to)

    def addressee_q(self) -> Q:
        """The rows (facts, open cases, misses, sign-fors, the office cubes' rollups: each keeps its message's
        ``addressee_key``) of the messages written to the scope's leader's office; every row without one. Since 2026-12-06 the rows' own
        indexed key, not a subquery of the messages: an office of 50,000 of 300,000 messages read every fact."""
        if self.addressee is None:
            return Q()
        return Q(addressee_key=self.addressee.pk)

    def fact_q(self) -> Q:
        return self.dims_q() & self.day_q() & self.addressee_q()


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_q(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    """Rollup rows covering [date_from, date_to] exactly: whole months from month rows,
    the partial months at either end from day rows."""
    if date_from and date_to and date_from > date_to:
        return Q(pk__in=[])
    lo = hi = None  # first and last whole month (None: unbounded)
    # no whole month after December 9999 or before January 1 (the step past it raised OverflowError, a 500)
    months = True
    parts = []
    if date_from:
        if date_from.day == 1:
            lo = date_from
        else:
            lead_end = month_end(date_from) if not date_to else min(month_end(date_from), date_to)
            parts.append(Q(grain="d", period__gte=date_from, period__lte=lead_end))
            months = month_end(date_from) < dt.date.max
            lo = month_end(date_from) + dt.timedelta(days=1) if months else None
    if date_to:
        if date_to == month_end(date_to):
            hi = date_to.replace(day=1)
        else:
            start = date_to.replace(day=1)
            if start == dt.date.min:
                months = False
            else:
                hi = (start - dt.timedelta(days=1)).replace(day=1)
            if not (date_from and date_from.day != 1 and date_from >= start):  # not already the lead part
                parts.append(Q(grain="d", period__gte=max(start, date_from) if date_from else start,
                               period__lte=date_to))
    if months and (lo is None or hi is None or lo <= hi):
        mq = Q(grain="m")
        if lo:
            mq &= Q(period__gte=lo)
        if hi:
            mq &= Q(period__lte=hi)
        parts.append(mq)
    q = Q(pk__in=[])
    for part in parts:
        q |= part
    return q


_TREE_TTL = 30.0  # seconds; topics are edited rarely, and a page asks for the tree often
_tree_cache: tuple[float, dict] = (0.0, {})


def _topic_tree() -> dict[int, int | None]:
    global _tree_cache
    import time

    loaded_at, tree = _tree_cache
    if time.monotonic() - loaded_at > _TREE_TTL:
        tree = dict(Topic.objects.values_list("pk", "parent_id"))
        _tree_cache = (time.monotonic(), tree)
    return tree


def forget_topic_tree(**kwargs) -> None:
    global _tree_cache
    _tree_cache = (0.0, {})


def topic_subtree_ids(topics) -> list[int]:
    parents = _topic_tree()
    wanted = {t.pk for t in topics}
    ids = []
    for pk in parents:
        node = pk
        while node is not None:
            if node in wanted:
                ids.append(pk)
                break
            node = parents.get(node)
    return ids


# --- building a scope from user input -------------------------------------------------

def parse_date(value, name: str, field: str | None = None) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScopeError(f"{name} 不是有效日期 (应为 YYYY-MM-DD): {cut(str(value), 20)}", field) from None


def make_scope(*, region=None, date_from=None, date_to=None, topic=None, kind=None, unit=None,
               campaign=None, own=None, addressee=None, drafts=False) -> Scope:
    """A campaign narrows everything else: a region or topic filter given with it keeps
    the part of the campaign inside it (a row of the campaign's own tables), and one
    outside the campaign is an error. A campaign slug names a public campaign (its page is
    public too); ``drafts`` (the operators' commands) also finds those not public."""
    from .models import Campaign

    scope = Scope()
    if campaign not in (None, ""):
        if not isinstance(campaign, Campaign):
            found = Campaign.objects.filter(slug=str(campaign))
            campaign = (found if drafts else found.filter(is_public=True)).first()
            if campaign is None:
                raise ScopeError("没有这个征集活动", "campaign")
        scope.campaign = campaign
        scope.regions = list(campaign.regions.all())
        scope.topics = list(campaign.topics.all())
        scope.date_from, scope.date_to = campaign.start, campaign.end
    if region not in (None, ""):
        if not isinstance(region, Region):
            found = Region.objects.filter(code=str(region).strip()).first()
            if found is None:
                raise ScopeError(f"没有区划代码为 {cut(str(region), 20)} 的区划", "region", unknown=str(region))
            region = found
        scope.regions = _narrowed(scope.regions, region, lambda a, b: a.contains(b),
                                  f"{region.name} 不在该征集活动的范围内")
    if topic not in (None, ""):
        if not isinstance(topic, Topic):
            found = Topic.objects.coded(str(topic).strip()).first()
            if found is None:
                raise ScopeError(f"没有代码为 {cut(str(topic), 20)} 的领域", "topic", unknown=str(topic))
            topic = found
        scope.topics = _narrowed(scope.topics, topic, _topic_contains, f"{topic.name} 不在该征集活动的领域内")
    if own not in (None, "", False, "0"):
        if scope.region is None:
            raise ScopeError("“本级”需要选定一个区划", "own")
        scope.own_level = True
    if kind not in (None, ""):
        if kind not in MessageKind.values:
            raise ScopeError(f"没有这个留言类型: {cut(str(kind), 20)}", "kind")
        scope.kind = kind
    if unit not in (None, ""):
        if not isinstance(unit, Unit):
            try:
                unit = not_dispatched() if int(unit) == 0 else Unit.objects.get(pk=int(unit))
            except (ValueError, OverflowError, Unit.DoesNotExist):
                raise ScopeError("没有这个办理单位", "unit", unknown=str(unit)) from None
        scope.unit = unit
    if addressee not in (None, ""):
        if not isinstance(addressee, Addressee):
            try:
                addressee = Addressee.objects.get(pk=int(addressee))
            except (ValueError, OverflowError, Addressee.DoesNotExist):
                raise ScopeError("没有这个留言对象", "addressee", unknown=str(addressee)) from None
        scope.addressee = addressee
    d_from, d_to = parse_date(date_from, "开始日期", "date_from"), parse_date(date_to, "结束日期", "date_to")
    if d_from:
        scope.date_from = max(d_from, scope.date_from) if scope.date_from else d_from
    if d_to:
        scope.date_to = min(d_to, scope.date_to) if scope.date_to else d_to
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        raise ScopeError("开始日期晚于结束日期" if not scope.campaign else "所选日期不在该征集活动期间内")
    return scope


def _narrowed(current: list, chosen, contains, outside: str) -> list:
    """``chosen`` within ``current`` (a campaign's regions or topics; empty: all): the
    chosen node if it lies inside one of them, else those of them inside it."""
    if not current or any(contains(node, chosen) for node in current):
        return [chosen]
    inside = [node for node in current if contains(chosen, node)]
    if not inside:
        raise ScopeError(outside)
    return inside


def _topic_contains(ancestor: Topic, topic: Topic) -> bool:
    return topic.pk in topic_subtree_ids([ancestor])


# --- figures from sums -------------------------------------------------------------------

# six decimals: enough for the one-decimal percentage shown of it to be the rate of the counts, rounded once
# (with four, 71 of 81 was 0.8765 and read 87.6% on the pages, 87.7% in Excel; since 2026-12-05)
RATE_DECIMALS = 6


def _rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` to six decimals; one that this rounding alone puts on a boundary of the %
    shown (x.xxx5: 501 of 1001 is 0.5004995…, to six decimals 0.5005, which read 50.1%) is kept a millionth
    below it (0.500499, 50.0%), so the one-decimal % of the rate is that of the counts, rounded once (since
    2026-12-05, review: with six decimals alone a denominator over 1000 could read 0.1 more than the counts)."""
    if not denominator:
        return None
    rate = round(numerator / denominator, RATE_DECIMALS)
    millionths = round(rate * 10**RATE_DECIMALS)
    if millionths % 10 ** (RATE_DECIMALS - 3) == 5 * 10 ** (RATE_DECIMALS - 4) \
            and numerator * 10**RATE_DECIMALS < millionths * denominator:
        rate = (millionths - 1) / 10**RATE_DECIMALS
    return rate


def _median(sums: dict, over_values) -> float | None:
    n = sums["replied"]
    if not n:
        return None
    positions = sorted({(n - 1) // 2, n // 2})
    values, seen = [], 0
    found: dict[int, int] = {}
    for days, name in enumerate(HIST_FIELDS):
        count = sums[name]
        for p in positions:
            if p not in found and seen <= p < seen + count:
                found[p] = days
        seen += count
    missing = [p for p in positions if p not in found]
    if missing:
        over = over_values()  # sorted days >= HIST_DAYS
        for p in missing:
            found[p] = over[p - seen]
    values = [found[p] for p in positions]
    return sum(values) / len(values)


def figures_from(sums: dict, overdue: dict, over_values) -> dict:
    sums = {name: int(sums.get(name) or 0) for name in SUM_FIELDS}
    replied = sums["replied"]
    overdue_unreplied = int(overdue.get("overdue_unreplied") or 0)
    missed = int(overdue.get("missed") or 0)
    return {
        "submitted": sums["submitted"],
        "pending": sums["pending"],
        "rejected": sums["rejected"],
        "withdrawn": sums["withdrawn"],
        "merged": sums["merged"],
        "received": sums["received"],
        "replied": replied,
        "reply_rate": _rate(replied, sums["received"]),
        "on_time": sums["on_time"],
        "overdue_unreplied": overdue_unreplied,
        # 误期未答复: the misses of the unit that let a deadline pass, the open cases' now (OpenCase) and
        # those given up late, for good (Miss): _with_misses
        "missed": missed,
        "on_time_rate": _rate(sums["on_time"], replied + missed),
        # 及时签收率: of the lead assignments due to be signed for by now (signed, or past their 签收期限),
        # those signed by it; each counted for the unit it was sent to (SignFor: _with_signs)
        "sign_due": int(overdue.get("sign_due") or 0),
        "signed_on_time": int(overdue.get("signed_on_time") or 0),
        "sign_on_time_rate": _rate(int(overdue.get("signed_on_time") or 0), int(overdue.get("sign_due") or 0)),
        "median_days_to_reply": _median(sums, over_values),
        "mean_days_to_reply": sums["days_sum"] / replied if replied else None,  # unrounded: ``reported``, ``days_value``
        "evaluated": sums["evaluated"],
        "satisfied": sums["satisfied"],
        "satisfaction_rate": _rate(sums["satisfied"], sums["evaluated"]),
        "reopened": sums["reopened"],
        "reopened_rate": _rate(sums["reopened"], replied),
        "extended": sums["extended"],
        # the open cases' figures are the unit's handling them now (OpenCase.unit_key), not the
        # unit credited with a first reply (the rollups'): a reopened case transferred since is
        # the new unit's to answer, in 待答复 as in 超期 (docs/statistics.md)
        "open": int(overdue.get("open") or 0),
        "overdue": int(overdue.get("overdue") or 0),
    }


_SUMS_SQL = ", ".join(f'SUM("{name}")' for name in SUM_FIELDS)


def _rollup_sums(q: Q, group: str | None = None):
    """SUM of every measure over the rollup rows matching ``q`` (grouped by the column
    ``group``). Plain SQL: building 50 ORM aggregate expressions per query cost more
    than the query itself."""
    qs = Rollup.objects.filter(q)
    try:
        where, params = qs.query.get_compiler(using=qs.db).compile(qs.query.where)
    except EmptyResultSet:
        return [] if group else {}
    table = Rollup._meta.db_table
    select = f'"{group}", {_SUMS_SQL}' if group else _SUMS_SQL
    sql = f"SELECT {select} FROM {table} WHERE {where or '1=1'}"
    if group:
        sql += f' GROUP BY "{group}"'
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not group:
        return dict(zip(SUM_FIELDS, rows[0], strict=True)) if rows else {}
    out = []
    for row in rows:
        key = row[0]
        if group in ("month", "period") and isinstance(key, str):  # SQLite returns dates as text
            key = dt.date.fromisoformat(key)
        out.append((key, dict(zip(SUM_FIELDS, row[1:], strict=True))))
    return out


def _sums(scope: Scope, group: str | None = None):
    """``_rollup_sums`` of the scope (grouped by ``group``), a leader's office's too (its office cubes): since
    2026-12-06, before summed from the facts of its messages (docs/statistics.md)."""
    return _rollup_sums(scope.rollup_q(group), group)


def _open_kwargs(now: dt.datetime) -> dict:
    """待答复, 超期未答复, 超期从未答复 and 误期未答复 of a set of open cases at ``now``."""
    late = Q(due_at__lt=now)
    return {"open": Count("pk"), "overdue": Count("pk", filter=late),
            "overdue_unreplied": Count("pk", filter=late & Q(ever_replied=False)),
            "missed": Count("pk", filter=missed_q(now))}


def missed_q(now: dt.datetime) -> Q:
    """误期未答复 of the open cases, counted for the unit handling each: never answered and past the
    deadline in force now, which had not passed before the case came to that unit (a case given up late
    is a ``Miss`` of the unit that gave it up, ``_with_misses``)."""
    return Q(ever_replied=False, due_at__lt=now, late_on_arrival=False)


OPEN_COUNTS = ("open", "overdue", "overdue_unreplied", "missed")


def _with_misses(scope: Scope, open_by: dict, by: str | None = None, misses: dict | None = None) -> dict:
    """``open_by`` ({group key (None: the total): open-case counts}) with each group's misses for good
    added to its 误期未答复: the cases a unit gave up (退单, 转办) after its deadline had passed in its
    hands, counted for that unit whatever happened to them since (``stats.Miss``). ``misses``: those
    counts by group when already read (``_misses_sets``)."""
    if misses is not None:
        rows = misses.items()
    elif by is None:
        rows = [(None, Miss.objects.filter(scope.fact_q()).count())]
    else:
        _, col, extra = _group(scope, by)
        rows = Miss.objects.filter(scope.fact_q()).annotate(**extra).values_list(col).annotate(
            n=Count("pk")).order_by()
    for key, n in rows:
        if n:
            key = _month_key(key) if by == "month" else key
            counts = open_by.setdefault(key, dict.fromkeys(OPEN_COUNTS, 0))
            counts["missed"] = (counts.get("missed") or 0) + n
    return open_by


def _sign_kwargs(now: dt.datetime) -> dict:
    """应签收 (``sign_due``) and 及时签收 (``signed_on_time``) of a set of ``SignFor`` rows at ``now``: due once
    signed for, or once the 签收期限 has passed unsigned — unless the unit gave the case up (转办, 退单) before
    it passed; on time when signed for by the 签收期限."""
    return {"sign_due": Count("pk", filter=Q(signed_at__isnull=False) | _sign_passed(now)),
            "signed_on_time": Count("pk", filter=Q(signed_at__lte=F("sign_due_at")))}


def _sign_passed(now: dt.datetime) -> Q:
    """A ``SignFor`` row whose 签收期限 has passed by ``now`` while the unit still held the case."""
    return Q(sign_due_at__lt=now) & (Q(given_up_at__isnull=True) | Q(sign_due_at__lt=F("given_up_at")))


def sign_late_q(now=None) -> Q:
    """签收超期: the ``SignFor`` rows of 应签收 not among 及时签收 (``_sign_kwargs``) at ``now``: signed for after the
    签收期限, or unsigned past it — what /stats/list/?measure=sign_late lists, 应签收 − 及时签收 of the same scope."""
    now = clock(now)
    return Q(signed_at__gt=F("sign_due_at")) | (Q(signed_at__isnull=True) & _sign_passed(now))


def sign_late(figures: dict) -> int:
    """签收超期 of a figures dict (``compute``, a breakdown row): 应签收 − 及时签收."""
    return (figures.get("sign_due") or 0) - (figures.get("signed_on_time") or 0)


def on_time_base(figures: dict) -> int:
    """What 按时率 of a figures dict (``compute``, a breakdown row) is counted over: 已答复 + 误期未答复."""
    return (figures.get("replied") or 0) + (figures.get("missed") or 0)


def _with_signs(scope: Scope, open_by: dict, now: dt.datetime, by: str | None = None,
                signs: dict | None = None) -> dict:
    """``open_by`` ({group key (None: the total): counts}) with each group's 应签收 and 及时签收 added: the
    lead assignments of the scope's messages, by the unit each was sent to (``stats.SignFor``). ``signs``:
    those counts by group when already read (``_signs_sets``)."""
    qs = SignFor.objects.filter(scope.fact_q())
    if signs is not None:
        rows = signs.items()
    elif by is None:
        rows = [(None, qs.aggregate(**_sign_kwargs(now)))]
    else:
        _, col, extra = _group(scope, by)
        rows = [(row.pop(col), row) for row in
                qs.annotate(**extra).values(col).annotate(**_sign_kwargs(now)).order_by()]
    for key, counts in rows:
        if counts["sign_due"] or counts["signed_on_time"]:
            key = _month_key(key) if by == "month" else key
            group = open_by.setdefault(key, dict.fromkeys(OPEN_COUNTS, 0))
            for name in ("sign_due", "signed_on_time"):
                group[name] = (group.get(name) or 0) + counts[name]
    return open_by


def _month_key(key):
    return key.date() if isinstance(key, dt.datetime) else key


def _over_values(fact_q):
    """Sorted working days of replies beyond the histogram; ``fact_q`` is a Q or a
    function returning one (built only when a median falls there)."""
    def load():
        q = fact_q() if callable(fact_q) else fact_q
        return list(MessageFact.objects.filter(q, MEASURE["days_over"].q())
                    .order_by("days").values_list("days", flat=True))
    return load


# --- the figure cache ------------------------------------------------------------------
#
# compute(), breakdown() and overdue_by_unit() results are kept in Django's cache
# (CACHES["default"]: local memory by default, Redis in production) under a key made of
# the function, the scope, the clock (see _clock) and the rollup version token. The
# token changes in the same transaction as every change to facts or rollups
# (facts.refresh_messages, facts.forget_message, facts.rebuild), so a figure is never
# served from rollups older than the ones it would be computed from now — in any
# process, since the token lives in the database (one primary-key read per call).

CACHE_SECONDS = 120  # bounds how long a renamed unit/region label can stay in a cached table
CACHE_PREFIX = "minsheng:stats:"


_pinned = threading.local()


def rollup_version() -> str:
    pinned = getattr(_pinned, "token", None)
    if pinned is not None:
        return pinned
    token = RollupVersion.objects.filter(pk=1).values_list("token", flat=True).first() or "0"
    if getattr(_pinned, "depth", 0):
        _pinned.token = token
    return token


@contextlib.contextmanager
def one_version():
    """Read the version once for a whole page (one query instead of one per figure).
    Only around read-only code: figures of a change made inside would be stale."""
    _pinned.depth = getattr(_pinned, "depth", 0) + 1
    try:
        yield
    finally:
        _pinned.depth -= 1
        if not _pinned.depth:
            _pinned.token = None


def bump_version() -> None:
    """A new token: every cached figure becomes unreachable. Call inside the
    transaction that changes facts or rollups (the row lock is held until commit,
    so call it last)."""
    token = secrets.token_hex(8)
    if not RollupVersion.objects.filter(pk=1).update(token=token):
        RollupVersion.objects.bulk_create([RollupVersion(pk=1, token=token)], ignore_conflicts=True)
        RollupVersion.objects.filter(pk=1).update(token=token)


def _scope_key(scope: Scope) -> tuple:
    return (scope.addressee.pk if scope.addressee is not None else None,
            tuple(sorted(r.code for r in scope.regions)), tuple(sorted(t.pk for t in scope.topics)), scope.kind,
            scope.unit.pk if scope.unit is not None else None, scope.own_level,
            scope.date_from.isoformat() if scope.date_from else None,
            scope.date_to.isoformat() if scope.date_to else None)


# the shape of a cached figure: a new number when a figure's value changes meaning, so that no process reads
# a dict an older release cached (2: ``mean_days_to_reply`` unrounded, since 2026-12-06)
CACHE_SHAPE = 2


def _cache_key(name: str, scope: Scope, now: dt.datetime, *extra) -> str:
    raw = repr((name, extra, _scope_key(scope), now.isoformat(), rollup_version(), CACHE_SHAPE))
    return CACHE_PREFIX + hashlib.sha1(raw.encode()).hexdigest()


def _cached(name: str, scope: Scope, now: dt.datetime, compute_fn, *extra):
    key = _cache_key(name, scope, now, *extra)
    value = cache.get(key)
    if value is None:
        value = compute_fn()
        cache.set(key, value, CACHE_SECONDS)
    return value


def compute(scope: Scope | None = None, *, now=None, **filters) -> dict:
    """The figures of one scope: ``compute(region="620100", date_from="2026-01-01")``."""
    scope = scope or make_scope(**filters)
    now = clock(now)
    return _cached("compute", scope, now, lambda: _compute(scope, now))


def addressee_figures(addressee, now=None) -> dict:
    """received, replied, reply_rate, on_time, missed, on_time_rate, sign_due, signed_on_time,
    sign_on_time_rate and mean_days_to_reply of the messages addressed to one leader's office, as ``compute`` defines them (``addressees_figures``)."""
    return addressees_figures([addressee], now)[addressee.pk]


def _office_month_rows(ids):
    """The month rows of the office cube "a" (each office's sums alone, ``OFFICE_CUBES``) of these offices."""
    return Rollup.objects.filter(cube="a", grain=Rollup.Grain.MONTH, addressee_key__in=ids).values("addressee_key")


def addressees_figures(addressees, now=None) -> dict[int, dict]:
    """``addressee_figures`` of each of ``addressees`` (addressee id -> figures), what each leader's
    board shows: the sums of its office cube "a" (since 2026-12-06; before, of its messages' facts), their
    open cases' 误期未答复, their misses for good and their 签收 (及时签收率, since 2026-12-06) — four queries
    however many offices."""
    ids = [a.pk for a in addressees]
    if not ids:
        return {}
    sums = {row.pop("addressee_key"): row for row in _office_month_rows(ids).annotate(
        received=Sum("received"), days_sum=Sum("days_sum"), answered=Sum("replied"),  # not "replied": the field's
        on_time=Sum("on_time")).order_by()}
    missed = dict.fromkeys(ids, 0)
    now = clock(now)
    # 及时签收率 of the offices' messages: the lead assignments' 签收 (``SignFor``), as ``compute`` counts them
    signs = {row.pop("addressee_key"): row for row in (
        SignFor.objects.filter(addressee_key__in=ids).values("addressee_key")
        .annotate(**_sign_kwargs(now)).order_by())}
    for rows in (OpenCase.objects.filter(missed_q(now), addressee_key__in=ids),
                 Miss.objects.filter(addressee_key__in=ids)):
        for pk, n in rows.values_list("addressee_key").annotate(n=Count("pk")).order_by():
            missed[pk] += n
    out = {}
    for pk in ids:
        row = sums.get(pk, {"received": 0, "days_sum": 0, "answered": 0, "on_time": 0})
        replied = row["answered"]
        out[pk] = {"received": row["received"], "replied": replied, "reply_rate": _rate(replied, row["received"]),
                   "on_time": row["on_time"], "missed": missed[pk],
                   "on_time_rate": _rate(row["on_time"], replied + missed[pk]),
                   **_sign_figures(signs.get(pk, {})),
                   "mean_days_to_reply": (row["days_sum"] or 0) / replied if replied else None}  # unrounded, as compute's
    return out


def _sign_figures(counts: dict) -> dict:
    """应签收, 及时签收 and 及时签收率 of counts read with ``_sign_kwargs``, named as ``compute`` names them."""
    due, on_time = int(counts.get("sign_due") or 0), int(counts.get("signed_on_time") or 0)
    return {"sign_due": due, "signed_on_time": on_time, "sign_on_time_rate": _rate(on_time, due)}


def received_by_addressee() -> dict[int, dict]:
    """The ``received``, ``replied`` and ``reply_rate`` figures of every leader's office (addressee
    id -> figures), those its own board leads with (``addressee_figures``): one query."""
    rows = (Rollup.objects.filter(cube="a", grain=Rollup.Grain.MONTH).values_list("addressee_key")
            .annotate(n=Sum("received"), answered=Sum("replied")).order_by())
    return {pk: {"received": n, "replied": replied, "reply_rate": _rate(replied, n)} for pk, n, replied in rows if n}


def page(scope: Scope, parts, *, now=None) -> dict:
    """Several figures of one scope at once: ``parts`` are "totals" (``compute``) and
    breakdown names; returns {part: result}, the same (and the same cache entries) as
    calling compute()/breakdown() one by one. What is not cached is computed together:
    on PostgreSQL one rollup query per cube (GROUPING SETS) and one open-case query for
    all parts, instead of two queries per part."""
    now = clock(now)
    for part in parts:
        if part != "totals":
            _group(scope, part)
    keys = {part: _cache_key("compute", scope, now) if part == "totals" else _cache_key("breakdown", scope, now, part)
            for part in parts}
    found = cache.get_many(list(keys.values()))
    out = {part: found[key] for part, key in keys.items() if key in found}
    missing = [part for part in parts if part not in out]
    if len(missing) > 1 and connections[Rollup.objects.db].vendor == "postgresql":
        out.update(_compute_together(scope, now, missing))
    else:
        for part in missing:
            out[part] = _compute(scope, now) if part == "totals" else _breakdown(part, scope, now)
    if missing:
        cache.set_many({keys[part]: out[part] for part in missing}, CACHE_SECONDS)
    return out


def _compute_together(scope: Scope, now: dt.datetime, parts) -> dict:
    cols = {part: None if part == "totals" else _group(scope, part)[0] for part in parts}
    by_cube: dict[str, list] = {}
    for part in parts:
        by_cube.setdefault(scope.cube(cols[part]), []).append(part)
    sums = {}
    for cube, cube_parts in by_cube.items():
        q = Q(cube=cube) & scope.dims_q() & scope.addressee_q() & period_q(scope.date_from, scope.date_to)
        result = _rollup_sums_sets(q, [cols[part] for part in cube_parts])
        for part in cube_parts:
            sums[part] = result[cols[part]]
    open_cols = {part: None if part == "totals" else _group(scope, part)[1] for part in parts}
    opens, misses = _overdue_sets(scope, now, open_cols), _misses_sets(scope, open_cols)
    signs = _signs_sets(scope, now, open_cols)
    out = {}
    for part in parts:
        pre = (sums[part], opens[part], misses[part], signs[part])
        out[part] = _compute(scope, now, pre=pre) if part == "totals" else _breakdown(part, scope, now, pre=pre)
    return out


def _where(qs):
    """The WHERE clause of ``qs`` and its parameters; ("", []) for every row (the open cases
    of an unfiltered scope), (None, None) for none."""
    try:
        return qs.query.get_compiler(using=qs.db).compile(qs.query.where)
    except FullResultSet:
        return "", []
    except EmptyResultSet:
        return None, None


def _sets_sql(cols) -> tuple[str, str]:
    """GROUPING(...) flags and the GROUPING SETS clause for single-column sets (None: ())."""
    named = [c for c in cols if c is not None]
    flags = ", ".join(f"GROUPING({c})" for c in named)
    sets = ", ".join("()" if c is None else f"({c})" for c in cols)
    return flags, sets


def _split_sets(rows, cols):
    """{col: rows of that grouping set}; each row: (key, values...)."""
    named = [c for c in cols if c is not None]
    out = {c: [] for c in cols}
    for row in rows:
        flags, keys, values = row[:len(named)], row[len(named):2 * len(named)], row[2 * len(named):]
        zero = [i for i, f in enumerate(flags) if f == 0]
        col = named[zero[0]] if zero else None
        out[col].append((keys[zero[0]] if zero else None, values))
    return out


def _rollup_sums_sets(q: Q, cols) -> dict:
    """PostgreSQL: _rollup_sums for several groupings (None: the total) in one query."""
    qs = Rollup.objects.filter(q)
    where, params = _where(qs)
    if where is None:
        return {c: ({} if c is None else []) for c in cols}
    named = [f'"{c}"' for c in cols if c is not None]
    _, sets = _sets_sql([None if c is None else f'"{c}"' for c in cols])
    select = ", ".join([*(f"GROUPING({c})" for c in named), *named, _SUMS_SQL])
    sql = (f"SELECT {select} FROM {Rollup._meta.db_table} WHERE {where or '1=1'} GROUP BY GROUPING SETS ({sets})")
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    split = _split_sets(rows, [None if c is None else f'"{c}"' for c in cols])
    out = {}
    for c in cols:
        got = split[None if c is None else f'"{c}"']
        if c is None:
            out[c] = dict(zip(SUM_FIELDS, got[0][1], strict=True)) if got else {}
        else:
            out[c] = [(key, dict(zip(SUM_FIELDS, values, strict=True))) for key, values in got]
    return out


_OPEN_EXPR = {"open_month": "(date_trunc('month', \"day\"))::date"}


def _sets(model, scope: Scope, open_cols: dict, counts: list[str], params: list) -> dict:
    """PostgreSQL: the ``counts`` (SQL aggregates taking ``params``) of ``model``'s rows (open cases,
    misses) of the scope for several groupings (part -> column, None: the total) in one query;
    {part: {group key (None: the total): [values]}}."""
    qs = model.objects.filter(scope.fact_q())
    where, where_params = _where(qs)
    distinct = list(dict.fromkeys(open_cols.values()))
    exprs = {c: None if c is None else _OPEN_EXPR.get(c, f'"{c}"') for c in distinct}
    if where is None:
        rows = []
    else:
        named = [exprs[c] for c in distinct if c is not None]
        _, sets = _sets_sql([exprs[c] for c in distinct])
        select = ", ".join([*(f"GROUPING({e})" for e in named), *named, *counts])
        sql = (f"SELECT {select} FROM {model._meta.db_table} WHERE {where or '1=1'} "
               f"GROUP BY GROUPING SETS ({sets})")
        with connections[qs.db].cursor() as cursor:
            cursor.execute(sql, [*params, *where_params])
            rows = cursor.fetchall()
    split = _split_sets(rows, [exprs[c] for c in distinct])
    return {part: dict(split.get(exprs[c], [])) for part, c in open_cols.items()}


def _overdue_sets(scope: Scope, now: dt.datetime, open_cols: dict) -> dict:
    """PostgreSQL: open and overdue counts for several groupings (part -> open-case column,
    None: the total) in one query; {part: aggregate dict or {key: dict}}."""
    got = _sets(OpenCase, scope, open_cols, [
        "COUNT(*)", 'COUNT(*) FILTER (WHERE "due_at" < %s)',
        'COUNT(*) FILTER (WHERE "due_at" < %s AND NOT "ever_replied")',
        'COUNT(*) FILTER (WHERE "due_at" < %s AND NOT "ever_replied" AND NOT "late_on_arrival")'], [now, now, now])
    out = {}
    for part, c in open_cols.items():
        as_dict = {key: dict(zip(OPEN_COUNTS, v, strict=True)) for key, v in got[part].items()}
        out[part] = as_dict.get(None, {}) if c is None else as_dict
    return out


def _misses_sets(scope: Scope, open_cols: dict) -> dict:
    """PostgreSQL: the misses for good (``Miss``) for several groupings in one query;
    {part: {group key (None: the total): count}}."""
    return {part: {key: v[0] for key, v in got.items()}
            for part, got in _sets(Miss, scope, open_cols, ["COUNT(*)"], []).items()}


def _signs_sets(scope: Scope, now: dt.datetime, open_cols: dict) -> dict:
    """PostgreSQL: 应签收 and 及时签收 (``SignFor``, ``_sign_kwargs``) for several groupings in one query;
    {part: {group key (None: the total): {"sign_due": n, "signed_on_time": n}}}."""
    got = _sets(SignFor, scope, open_cols, [
        'COUNT(*) FILTER (WHERE "signed_at" IS NOT NULL OR ("sign_due_at" < %s AND '
        '("given_up_at" IS NULL OR "sign_due_at" < "given_up_at")))',
        'COUNT(*) FILTER (WHERE "signed_at" <= "sign_due_at")'], [now])
    return {part: {key: {"sign_due": v[0], "signed_on_time": v[1]} for key, v in rows.items()}
            for part, rows in got.items()}


def _compute(scope: Scope, now: dt.datetime, pre=None) -> dict:
    if pre:
        sums, overdue, misses, signs = pre
    else:
        sums = _sums(scope)
        overdue = OpenCase.objects.filter(scope.fact_q()).aggregate(**_open_kwargs(now))
        misses = signs = None
    overdue = _with_misses(scope, {None: dict(overdue)}, misses=misses)[None]
    overdue = _with_signs(scope, {None: overdue}, now, signs=signs)[None]
    return figures_from(sums, overdue, _over_values(scope.fact_q()))


# --- breakdowns ----------------------------------------------------------------------------

def _region_level(scope: Scope) -> int:
    r = scope.region
    return min((r.level if r else 0) + 1, 4)


def _group(scope: Scope, by: str):
    """(rollup group expression name, open-case group expression name, extra annotate)."""
    if by == "region":
        col = f"p{_region_level(scope)}"
        return col, col, {}
    if by == "unit":
        return "unit_key", "unit_key", {}
    if by == "topic":
        return "topic_key", "topic_key", {}
    if by == "kind":
        return "kind", "kind", {}
    if by == "month":
        return "month", "open_month", {"open_month": TruncMonth("day")}
    raise ScopeError(f"不支持的分组: {cut(str(by), 20)}")


def breakdown(by: str, scope: Scope | None = None, *, now=None, **filters) -> list[dict]:
    """Figures per region (children of the scope's region), unit, topic (children of
    the scope's topic, or first-level topics), kind or month (of submission)."""
    scope = scope or make_scope(**filters)
    now = clock(now)
    _group(scope, by)  # an unknown grouping is an error before the cache is consulted
    return _cached("breakdown", scope, now, lambda: _breakdown(by, scope, now), by)


def tabulate(by: str, scope: Scope, *, rows: list[dict] | None = None, now=None) -> list[dict]:
    """The rows of the table "按<by>" of ``scope`` as the pages and the exports lay it out
    (``rows``: ``breakdown(by, scope)`` when already at hand).

    A scope of several regions or topics (a campaign of 兰州市 and 天水市, of a province and
    a county elsewhere, of two subtopics) has by region or topic a row for each of them
    (``depth`` 0: its part of the scope), each followed by the rows of its own children
    (``depth`` 1: as the table of that one region or topic shows them, "…本级" included).
    Rows at depth 0 add up to the scope's totals, each one's children to it. A region or
    topic inside another of the scope counts in the outer one. Otherwise: ``breakdown``."""
    chosen = scope.regions if by == "region" else scope.topics if by == "topic" else []
    if len(chosen) < 2:
        return rows if rows is not None else breakdown(by, scope, now=now)
    name = "regions" if by == "region" else "topics"
    tops = _outermost(by, chosen)
    if len(tops) == 1:
        return breakdown(by, dataclasses.replace(scope, **{name: tops}), now=now)
    out = []
    for node in tops:
        got = page(dataclasses.replace(scope, **{name: [node]}), ["totals", by], now=now)
        children = got[by]
        if len(children) == 1 and _is_itself(by, node, children[0]):
            children = []  # a county without townships: its "…本级" row would repeat it
        key = node.prefix if by == "region" else node.pk
        out.append([{"key": key, "label": node.name, "filters": {by: node.code}, "depth": 0, **got["totals"]},
                    *({**row, "depth": 1} for row in children)])
    out.sort(key=lambda group: (-group[0]["received"], group[0]["label"]))
    return [row for group in out for row in group]


def _outermost(by: str, nodes: list) -> list:
    contains = (lambda a, b: a.contains(b)) if by == "region" else _topic_contains
    return [n for n in nodes if not any(o.pk != n.pk and contains(o, n) for o in nodes)]


def _is_itself(by: str, node, row: dict) -> bool:
    """A child row of ``node`` that is ``node`` itself ("…本级", "… (未细分)")."""
    return row["filters"].get("region") == node.code if by == "region" else row["key"] == node.pk


def received_by_child(region: Region) -> dict[str, int]:
    """The ``received`` figure of each child of ``region`` (child's prefix -> count),
    the number each child's own page leads with: one rollup query (cached), without the
    overdue counts and labels of ``breakdown`` (the region pages' lists of sub-regions)."""
    scope = make_scope(region=region)
    col = f"p{_region_level(scope)}"

    def count():
        return {key: int(sums["received"] or 0) for key, sums in _rollup_sums(scope.rollup_q(col), col)}

    return _cached("received_by_child", scope, clock(None), count)


def _breakdown(by: str, scope: Scope, now: dt.datetime, pre=None) -> list[dict]:
    col, open_col, extra = _group(scope, by)
    sums_by: dict = {}
    for key, sums in (pre[0] if pre else _sums(scope, col)):
        sums_by[key] = sums
    open_by: dict = {}
    if pre:
        open_rows = [{open_col: key, **values} for key, values in pre[1].items()]
    else:
        open_rows = (OpenCase.objects.filter(scope.fact_q()).annotate(**extra).values(open_col)
                     .annotate(**_open_kwargs(now)).order_by())
    for row in open_rows:
        key = row.pop(open_col)
        open_by[_month_key(key) if by == "month" else key] = row
    _with_misses(scope, open_by, by, misses=pre[2] if pre else None)
    _with_signs(scope, open_by, now, by, signs=pre[3] if pre else None)
    if by == "topic":
        sums_by, open_by = _merge_topics(scope, sums_by), _merge_topics(scope, open_by)
    labels = _labels(by, scope, {*sums_by, *open_by}, today=timezone.localtime(now).date())
    rows = []
    for key in {*sums_by, *open_by}:
        group_q = functools.partial(_group_fact_q, by, scope, key)
        figures = figures_from(sums_by.get(key, {}), open_by.get(key, {}), _over_values(group_q))
        label, filters = labels.get(key, (str(key), {}))
        rows.append({"key": key, "label": label, "filters": filters, **figures})
    if by == "month":
        rows.sort(key=lambda r: r["key"] or dt.date.min)
    else:
        rows.sort(key=lambda r: (-r["received"], r["label"]))
    return rows


def _group_fact_q(by: str, scope: Scope, key) -> Q:
    q = scope.fact_q()
    if by == "topic":
        if key:
            return q & Q(topic_key__in=topic_subtree_ids([Topic(pk=key)]))
        return q & Q(topic_key=0)
    if by == "month":
        return q & Q(day__gte=key, day__lte=month_end(key)) if key else q
    col, _, _ = _group(scope, by)
    return q & Q(**{col: key})


def _merge_topics(scope: Scope, groups: dict) -> dict:
    """Sum leaf-topic groups into the children of the scope's topic (or the roots)."""
    parents = _topic_tree()
    top = scope.topic.pk if scope.topic else None
    merged: dict = {}
    for key, values in groups.items():
        node, target = key, 0
        while node:
            if parents.get(node) == top:
                target = node
                break
            node = parents.get(node)
        if top and key == top:
            target = top
        bucket = merged.setdefault(target, {})
        for name, value in values.items():
            bucket[name] = (bucket.get(name) or 0) + (value or 0)
    return merged


def _labels(by: str, scope: Scope, keys, today: dt.date | None = None) -> dict:
    """key -> (label, filters for the message list behind the number); ``today`` ends the
    current month's row (``_month_label``)."""
    if by == "region":
        level = _region_level(scope)
        regions = {r.prefix: r for r in Region.objects.filter(level=level, prefix__in=[k for k in keys if k])}
        out = {}
        for k in keys:
            if k in regions:
                out[k] = (regions[k].name, {"region": regions[k].code})
            else:
                base = scope.region  # messages filed at the region's own level: own=1 lists them
                out[k] = (f"{base.name}本级" if base else "其他", {"region": base.code, "own": "1"} if base else {})
        return out
    if by == "unit":
        units = Unit.objects.in_bulk([k for k in keys if k])
        return {k: (units[k].name, {"unit": k}) if k in units else (NOT_DISPATCHED, {"unit": 0}) for k in keys}
    if by == "topic":
        topics = Topic.objects.in_bulk([k for k in keys if k])
        own = scope.topic.pk if scope.topic else None
        out = {}
        for k in keys:
            if k in topics and k != own:
                out[k] = (topics[k].name, {"topic": topics[k].code})
            else:  # no filter lists exactly these: no link (see stats_tags.count_link)
                out[k] = (f"{topics[k].name} (未细分)", {}) if k in topics else ("未分类", {})
        return out
    if by == "kind":
        return {k: (MessageKind(k).label if k in MessageKind.values else k, {"kind": k}) for k in keys}
    if by == "month":
        return {k: _month_label(k, scope, today) if k else ("", {}) for k in keys}
    return {}


def _month_label(month: dt.date, scope: Scope, today: dt.date | None = None) -> tuple[str, dict]:
    """A month row counts only the days of the month inside the scope's dates, and of the
    current month only those up to ``today``: its label says which (「2026年12月 (1日至4日)」,
    so that a month only begun is not read as a fall of its 答复率), and its list shows
    exactly those days."""
    first = max(month, scope.date_from) if scope.date_from else month
    last = min(month_end(month), scope.date_to) if scope.date_to else month_end(month)
    current = today is not None and first <= today <= last  # its last day too: not over yet
    if current:
        last = today
    label = f"{month:%Y年%m月}"
    if current or (first, last) != (month, month_end(month)):
        label += f" ({first.day}日至{last.day}日)"
    return label, {"date_from": first.isoformat(), "date_to": last.isoformat()}


def overdue_by_unit(scope: Scope | None = None, *, now=None, limit: int | None = 20, **filters) -> list[dict]:
    """Units with the most open cases past their reply deadline (the lead unit now); every
    such unit when ``limit`` is None."""
    scope = scope or make_scope(**filters)
    now = clock(now)
    return _cached("overdue_by_unit", scope, now, lambda: _overdue_by_unit(scope, now, limit), limit)


def _overdue_by_unit(scope: Scope, now: dt.datetime, limit: int | None) -> list[dict]:
    rows = list(OpenCase.objects.filter(scope.dims_q(), scope.addressee_q(), due_at__lt=now).values("unit_key")
                .annotate(overdue=Count("pk")).order_by())
    units = Unit.objects.in_bulk([r["unit_key"] for r in rows if r["unit_key"]])
    # ties in the unit's name, as /stats/units/ sorted by 超期未答复 (since 2026-12-05; before, by id here)
    rows.sort(key=lambda r: (-r["overdue"], units[r["unit_key"]].name if r["unit_key"] in units else NOT_DISPATCHED))
    return [{"unit": units.get(r["unit_key"]), "unit_id": r["unit_key"], "overdue": r["overdue"]}
            for r in rows[:limit]]


def percent_value(rate: float | None) -> Decimal | None:
    """A rate (0..1) in % with one decimal, rounded half up as Excel rounds the exports' 0.0% cells
    (``f"{rate * 100:.1f}"`` rounded the float: 6.25 read 6.2 on the page and 6.3 in the workbook)."""
    if rate is None:
        return None
    return (Decimal(repr(rate)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{percent_value(rate)}%"


def days_value(days: float | None) -> Decimal | None:
    """Working days (答复用时: the mean, the median) with one decimal, rounded half up as the
    exports' 0.0 cells (since 2026-12-06: the home page's ``round(days, 1)`` read 6.2 where /stats/
    wrote the stored 6.15 in full)."""
    if days is None:
        return None
    return Decimal(repr(days)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def days_text(days: float | None) -> str:
    """What every page shows of a number of working days: ``days_value``, or — when there is none."""
    return "—" if days is None else str(days_value(days))


MEAN_DAYS_DECIMALS = 2


def reported(row: dict) -> dict:
    """A figures dict (``compute``'s, a ``tabulate`` row, ``addressees_figures``'s) as the API, the exports,
    /stats/figures.json and `minsheng stats` give it: ``mean_days_to_reply`` rounded to two decimals. The
    figures keep the mean unrounded, so that a page rounds it once (``days_value``: 6.149 reads 6.1; since
    2026-12-06, rounded to 6.15 first it read 6.2)."""
    mean = row.get("mean_days_to_reply")
    return row if mean is None else {**row, "mean_days_to_reply": round(mean, MEAN_DAYS_DECIMALS)}

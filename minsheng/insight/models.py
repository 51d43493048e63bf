"""Stored results of reading messages. Each engineer's models sit in their own block."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce, Greatest, Ln, Power, Round
from django.utils import timezone

from .hotspots import HALF_LIFE_DAYS, NO_PLACE

# === hotspots (热点问题) and chronic problems (老大难) — minsheng.insight.hotspots_service ===


MIN_MESSAGES = 2  # a hotspot the public sees has two messages or more, one of them public
PERIODS = (7, 30, 90)  # days of the hotspot list's period filter (/hotspots/?days=, the API's days); none: 全部


class EpochSeconds(models.Func):
    """Seconds since 1970-01-01 UTC of a datetime column, a float (the two databases we run on)."""

    output_field = models.FloatField()

    def as_sqlite(self, compiler, connection, **extra):  # stored as UTC text, which julianday reads
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::double precision",
                           **extra)


def heat_in_database(citizens, messages, supports, last_at, now: dt.datetime):
    """``hotspots.heat`` (docs/hotspots.md "Heat index") as an expression over the given counts and
    latest message time, ``now`` a value: lists rank by it without reading every member."""
    def ln1p(count):
        return Ln(1.0 + Cast(count, models.FloatField()))

    volume = 2.0 * ln1p(citizens) + ln1p(messages) + ln1p(supports)
    age_days = Greatest((now.timestamp() - EpochSeconds(last_at)) / 86400.0, 0.0)
    recency = 0.25 + 0.75 * Power(0.5, age_days / HALF_LIFE_DAYS)
    # PostgreSQL rounds a numeric: cast back so the value reads as the stored heat does, a float
    return Cast(Round(10.0 * volume * recency, 2), models.FloatField())


def supporters(**members) -> Coalesce:
    """The citizens who pressed 我也遇到 on a message of the hotspot (``OuterRef("pk")``) among those
    ``members`` selects (lookups on ``Message``), each counted once: one who pressed it on two of its
    messages was two 「我也遇到」 people (the hotspot's page asks a reader to press it on 「任意一条」)."""
    from minsheng.board.models import MessageKind, Support

    rows = (Support.objects.filter(message__hotspot_member__hotspot=OuterRef("pk"),
                                   **{f"message__{lookup}": value for lookup, value in members.items()})
            .exclude(message__kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._readings)
            .order_by().values("message__hotspot_member__hotspot")
            .annotate(figure=Count("user", distinct=True)).values("figure"))
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


class HotspotQuerySet(models.QuerySet):
    def public(self):
        """Hotspots the public lists (/hotspots/, the API): see MIN_MESSAGES."""
        return self.filter(message_count__gte=MIN_MESSAGES, public_count__gte=1)

    def with_public_figures(self):
        """Annotates the time range (``public_first_at``, ``public_last_at``), citizens
        (``public_citizen_count``) and 我也遇到 (``public_support_count``) of the public members:
        what the public reads beside a hotspot's public messages. The stored counts take in
        pending messages too (for supervisors, and the heat)."""
        from minsheng.board.models import Message, MessageKind
        from minsheng.board.workflow import Status

        public = (Message.objects.filter(hotspot_member__hotspot=OuterRef("pk"), status__in=Status.public())
                  .exclude(kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._readings)
                  .order_by().values("hotspot_member__hotspot"))

        def figure(aggregate, output, default=None):
            value = Subquery(public.annotate(figure=aggregate).values("figure"), output_field=output)
            return value if default is None else Coalesce(value, default)

        return self.annotate(
            public_first_at=figure(Min("submitted_at"), models.DateTimeField()),
            public_last_at=figure(Max("submitted_at"), models.DateTimeField()),
            public_citizen_count=figure(Count("author", distinct=True), models.IntegerField(), 0),
            public_support_count=supporters(status__in=Status.public()))

    def active_within(self, days: int, now=None, heat_at=None):
        """Hotspots with a public message submitted in the last ``days`` days (not a 感谢), each
        annotated with their number (``period_count``) and the heat of those messages alone
        (``period_heat``: the formula of ``hotspots.heat`` over their citizens, number and
        我也遇到, aged from the latest of them), computed in the database: a list of them costs
        the same queries however many there are. Order them by ``period_heat`` to rank the period.
        The days are the dashboard's calendar days (``stats.dashboard.day_window``: Beijing dates,
        today the last), from midnight of the first: until 2026-12-05 the last ``days`` × 24 hours, so
        the dashboard's hotspot card left out a letter of the morning 30 days back that its 近 30 天
        figures counted. The heat is as of ``heat_at`` (default ``now``): the lists give the moment of the
        hour's pass (``hotspots_service.heat_clock``), so that their pages rank alike within the hour."""
        from minsheng.board.models import MessageKind
        from minsheng.board.workflow import Status
        from minsheng.stats.dashboard import day_window

        now = now or timezone.now()
        first, _ = day_window(days, timezone.localdate(now))
        since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        # one filter() call: the aggregates below count the members it joins, those of the period
        # a 感谢 counts in no hotspot (hotspots_service._readings)
        counted = [kind for kind in MessageKind.values if kind != MessageKind.THANKS]
        period = self.filter(members__message__status__in=Status.public(), members__message__submitted_at__gte=since,
                             members__message__kind__in=counted)
        return period.annotate(
            period_count=Count("members"),
            period_heat=heat_in_database(citizens=Count("members__message__author", distinct=True),
                                         messages=Count("members"),
                                         supports=supporters(status__in=Status.public(), submitted_at__gte=since),
                                         last_at=Max("members__message__submitted_at"), now=heat_at or now))

    def with_current_heat(self, now=None):
        """Annotates ``current_heat``: the heat as of ``now`` (default: this moment) from the stored
        counts and latest message, computed in the database. The stored ``heat`` is as of the last
        refresh, which nothing runs in the embedded default without cron (docs/deploy.md §9), so a
        short list (the 老大难, a few flagged hotspots) ranks by this instead; it costs a scan of the
        rows asked, not the index of ``heat``."""
        return self.annotate(current_heat=heat_in_database(F("citizen_count"), F("message_count"),
                                                           F("support_count"), F("last_at"), now or timezone.now()))

    def readable_by(self, roles):
        """Hotspots whose page ``roles`` may open: the public ones; supervisors also reach
        the others of the regions they supervise (from /chronic/), never another region's."""
        if not roles.is_supervisor:
            return self.public()
        return self.filter(Q(pk__in=self.public().values("pk")) | roles.region_q(roles.supervise_prefixes))


class Hotspot(models.Model):
    """Many messages about one concrete problem at one place (or for one group).

    Counts, heat and flags are derived from the members and recomputed by
    ``hotspots_service.refresh`` (``minsheng refresh-hotspots``); see docs/hotspots.md."""

    title = models.CharField("问题描述", max_length=200)
    region = models.ForeignKey("directory.Region", models.SET_NULL, null=True, blank=True, related_name="hotspots",
                               verbose_name="区划")
    place = models.CharField("地点/人群", max_length=200, blank=True)
    first_at = models.DateTimeField("首条留言")
    last_at = models.DateTimeField("最近留言", db_index=True)
    message_count = models.PositiveIntegerField("留言数", default=0)
    # members the public can read; the title is one of theirs (an unpublished message's
    # words never show), and public lists skip a hotspot without any
    public_count = models.PositiveIntegerField("公开留言数", default=0)
    citizen_count = models.PositiveIntegerField("留言人数", default=0)
    support_count = models.PositiveIntegerField("我也遇到", default=0)
    unresolved_count = models.PositiveIntegerField("未解决", default=0)
    heat = models.FloatField("热度指数", default=0.0, db_index=True)
    chronic = models.BooleanField("老大难", default=False, db_index=True)
    needs_coordination = models.BooleanField("需多部门协调", default=False)
    units = models.JSONField("涉及单位", default=list, blank=True)
    topics = models.JSONField("涉及领域", default=list, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # set while a refresh of this hotspot waits in the queue (hotspots_service.queue_refresh)
    refresh_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = HotspotQuerySet.as_manager()

    class Meta:
        ordering = ["-heat", "-last_at"]
        verbose_name = verbose_name_plural = "热点问题"

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.message_count >= MIN_MESSAGES and self.public_count >= 1

    @property
    def named_place(self) -> str:
        """地点/人群, or "" when it names neither (stored as 「—」, which after the region in a
        list read as a stray dash)."""
        return "" if self.place == NO_PLACE else self.place

    def readable_by(self, roles) -> bool:
        """``HotspotQuerySet.readable_by`` for one hotspot (its region loaded)."""
        return self.is_public or self.flags_shown_to(roles)

    def flags_shown_to(self, roles) -> bool:
        """Whether ``roles`` read this hotspot's 老大难 / 需多部门协调 flags and its supervisors'
        figures (未解决, all members): as /chronic/, only where they supervise (its region within
        one they supervise; a province's supervisor, the whole province; admins everywhere). A
        city's supervisor read the badges on another city's hotspots, which /chronic/ never lists."""
        return roles.is_supervisor and (roles.admin or (self.region is not None and roles.supervises(self.region)))


class HotspotMember(models.Model):
    """A message's place in a hotspot (one hotspot per message)."""

    hotspot = models.ForeignKey(Hotspot, models.CASCADE, related_name="members")
    message = models.OneToOneField("board.Message", models.CASCADE, related_name="hotspot_member")
    score = models.FloatField("相似度", default=1.0)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "热点问题成员"
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.hotspot_id}"


class HeatDecay(models.Model):
    """One row: when every hotspot's stored ``heat`` was last brought to the clock
    (``hotspots_service.keep_heat_current``, or a whole ``refresh``). The lists that rank by the
    stored heat (/hotspots/ 全部, the API's list) bring it to now first when this is over
    ``HEAT_MAX_AGE`` old; the row is claimed by a conditional update, so of several processes
    reading at once one recomputes."""

    decayed_at = models.DateTimeField("热度更新于", null=True, blank=True)
    # MINSHENG_CHRONIC_DAYS of that pass: a process with another setting (restarted with it) runs the pass at once,
    # not within the hour (since 2026-12-06), where the pass is older than its setting; a later one is another
    # process's during a rolling restart, used as it is (hotspots_service._bring_to_now)
    chronic_days = models.PositiveIntegerField("老大难天数", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "热度更新时间"

    def __str__(self) -> str:
        return f"{self.decayed_at:%Y-%m-%d %H:%M}" if self.decayed_at else "—"


# === end hotspots ===


# === classification and routing (分类与派单建议) — minsheng.insight.tasks / suggest ===


class AutoDispatch(models.Model):
    """A region's switch for automatic dispatch: when on, a new message in the region
    (or its subtree) whose predicted topic is at least ``min_confidence`` sure and for
    which the responsibility table names a lead unit is dispatched by the system, unless it may
    repeat a public case in hand (疑似重复, ``tasks._hold_reason``): that one waits for a dispatcher to
    merge it, its history saying why (自动派单暂缓)."""

    region = models.OneToOneField("directory.Region", models.CASCADE, related_name="auto_dispatch",
                                  verbose_name="区划")
    enabled = models.BooleanField("启用自动派单", default=False)
    min_confidence = models.FloatField("最低置信度", default=0.9,
                                       help_text="预测领域的置信度 (0–1) 不低于此值才自动派单")

    class Meta:
        verbose_name = verbose_name_plural = "自动派单设置"

    def __str__(self) -> str:
        return f"{self.region} {'启用' if self.enabled else '停用'} ≥{self.min_confidence:g}"  # as set: 0.995 is no 「1.00」

    def clean(self):
        from django.core.exceptions import ValidationError

        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValidationError({"min_confidence": "置信度应在 0 到 1 之间"})

    @classmethod
    def for_region(cls, region) -> AutoDispatch | None:
        """The nearest enabled setting of ``region`` or an ancestor (None when off).
        A disabled row on a lower region switches it off for that subtree."""
        settings_by_region = {a.region_id: a for a in cls.objects.filter(region__in=region.ancestors())}
        for r in region.ancestors():
            if r.pk in settings_by_region:
                found = settings_by_region[r.pk]
                return found if found.enabled else None
        return None


# === end classification and routing ===

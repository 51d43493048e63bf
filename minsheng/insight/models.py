"""Stored results of reading messages. Each engineer's models sit in their own block."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .hotspots import NO_PLACE

# === hotspots (热点问题) and chronic problems (老大难) — minsheng.insight.hotspots_service ===


MIN_MESSAGES = 2  # a hotspot the public sees has two messages or more, one of them public
PERIODS = (7, 30, 90)  # days of the hotspot list's period filter (/hotspots/?days=, the API's days); none: 全部


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
                  .exclude(kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._reading)
                  .order_by().values("hotspot_member__hotspot"))

        def figure(aggregate, output, default=None):
            value = Subquery(public.annotate(figure=aggregate).values("figure"), output_field=output)
            return value if default is None else Coalesce(value, default)

        return self.annotate(
            public_first_at=figure(Min("submitted_at"), models.DateTimeField()),
            public_last_at=figure(Max("submitted_at"), models.DateTimeField()),
            public_citizen_count=figure(Count("author", distinct=True), models.IntegerField(), 0),
            public_support_count=figure(Sum("support_count"), models.IntegerField(), 0))

    def active_within(self, days: int, now=None):
        """Hotspots with a public message submitted in the last ``days`` days, each annotated with
        their number (``period_count``); they keep their ranking by the stored heat (the whole
        hotspot's, which already falls with the time since its latest message)."""
        from minsheng.board.models import Message, MessageKind
        from minsheng.board.workflow import Status

        since = (now or timezone.now()) - dt.timedelta(days=days)
        recent = (Message.objects.filter(hotspot_member__hotspot=OuterRef("pk"), status__in=Status.public(),
                                         submitted_at__gte=since)
                  .exclude(kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._reading)
                  .order_by().values("hotspot_member__hotspot"))
        count = Subquery(recent.annotate(n=Count("pk")).values("n"), output_field=models.IntegerField())
        return self.annotate(period_count=Coalesce(count, 0)).filter(period_count__gte=1)

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

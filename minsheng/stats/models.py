"""Statistics storage: per-message facts, additive rollups, open cases, campaigns.

``MessageFact`` is one row per message: what the message contributes to the public
figures (see docs/statistics.md). ``Rollup`` sums facts by (grain, period, region,
unit, topic, kind), and in its office cubes by the leader's office too (since 2026-12-06);
pages read rollups only, so a request never scans messages.
``OpenCase`` holds the received messages still awaiting a reply, for the open and
overdue counts (待答复, 超期: of the unit handling each case now, not the unit credited
with its first reply, and changing with the clock rather than with an event). ``Miss``
holds, for good, each case a unit gave up after its deadline had passed (误期未答复). The
rollups' ``open_cases`` sum is kept but not read by the figures since 2026-12-05.

Rows are kept current after every committed action (``minsheng.stats.facts``) and
rebuilt from scratch by ``minsheng refresh-stats``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

# Working days to the first reply are kept as a histogram so that the median is exact
# and additive: d0..d30 count replies after 0..30 working days, days_over the rest
# (a median that falls there is read from MessageFact).
HIST_DAYS = 31
HIST_FIELDS = [f"d{i}" for i in range(HIST_DAYS)]

# What a fact contributes to each of Rollup's measures is declared once, in stats/measures.py.


class Category(models.TextChoices):
    PENDING = "pending", "待审核"
    RECEIVED = "received", "已受理"
    REJECTED = "rejected", "未受理"
    WITHDRAWN = "withdrawn", "已撤回"
    MERGED = "merged", "已并单"


class Dimensions(models.Model):
    """The keys every statistic can be filtered or grouped by. Region is kept as its
    code prefixes per level (p1 province, p2 prefecture, p3 county, p4 township), so
    a subtree filter and a drill-down grouping are plain equality/grouping on one
    column. Unit and topic are ids with 0 for none (so the unique key has no NULL)."""

    p1 = models.CharField(max_length=2)
    p2 = models.CharField(max_length=4, blank=True)
    p3 = models.CharField(max_length=6, blank=True)
    p4 = models.CharField(max_length=12, blank=True)
    unit_key = models.IntegerField(default=0)
    topic_key = models.IntegerField(default=0)
    kind = models.CharField(max_length=10)

    class Meta:
        abstract = True


class Addressed(models.Model):
    """The message's leader's office (留言对象, ``Message.addressee``; 0: none), kept on each row so that an office's
    figures read its rows by this indexed key rather than every row joined to its messages (since 2026-12-06:
    /stats/?addressee= of an office of 50,000 of 300,000 messages, docs/statistics.md). A dimension of the
    rollups' office cubes (``OFFICE_CUBES``, since 2026-12-06), 0 in the others."""

    addressee_key = models.IntegerField(default=0, db_default=0)  # in the database too: older migrations insert rows without it

    class Meta:
        abstract = True


class MessageFact(Dimensions, Addressed):
    """What one message contributes to the figures (all measures 0 or 1, but days)."""

    message = models.OneToOneField("board.Message", models.CASCADE, primary_key=True, related_name="fact")
    day = models.DateField(db_index=True)  # local (Asia/Shanghai) date of submission
    category = models.CharField(max_length=10, choices=Category.choices)
    replied = models.BooleanField(default=False)
    on_time = models.BooleanField(default=False)
    days = models.IntegerField(null=True)  # working days from submission to the first reply
    evaluated = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    extended = models.BooleanField(default=False)
    is_open = models.BooleanField(default=False)  # received and awaiting a reply now
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "留言统计事实"
        indexes = [
            models.Index(fields=["p2", "day"]), models.Index(fields=["days"]),
            # the count of a dense measure's list (/stats/list/, exports.message_page) from the
            # index alone, not a scan of every fact
            models.Index(fields=["category", "replied", "on_time", "evaluated", "satisfied"],
                         name="stats_fact_measures"),
            models.Index(fields=["addressee_key", "day"], name="stats_fact_addressee"),
        ]

    def __str__(self) -> str:
        return f"fact of message {self.message_id}: {self.category}"


# Rollup cubes: which dimensions a rollup row keeps (the others are blank / 0). A query
# reads the smallest cube that has every dimension it filters or groups by, so the
# common pages read a few thousand rows, not one row per (region, unit, topic, kind).
CUBES = {
    "r": ("p1", "p2", "p3", "p4"),
    "rk": ("p1", "p2", "kind"),
    "rt": ("p1", "p2", "topic_key"),
    "ru": ("p1", "p2", "unit_key"),
    "rtk": ("p1", "p2", "topic_key", "kind"),
    "full": ("p1", "p2", "p3", "p4", "unit_key", "topic_key", "kind"),
}
# The office cubes (since 2026-12-06): the same cubes with the message's leader's office (留言对象, ``addressee_key``)
# kept besides, and "a" of the office alone (its board's figures). They hold the messages written to an office only
# — a message written to none is in the cubes above alone —, so a scope reads them exactly when it is an office's
# (``figures.Scope.cube``): an office's page reads a few thousand rows, as a region's does, not its every fact.
OFFICE_CUBES = {"a": ("addressee_key",), **{
    ("af" if name == "full" else f"a{name}"): ("addressee_key", *dims) for name, dims in CUBES.items()}}
CUBES = {**CUBES, **OFFICE_CUBES}


class Rollup(Dimensions, Addressed):
    """Sums of MessageFact by day (grain "d") and by month (grain "m", period = the
    first day of the month), for each cube. A date range reads whole months from "m"
    rows and the partial months at its ends from "d" rows. ``addressee_key`` is kept in
    the office cubes (``OFFICE_CUBES``) alone."""

    class Grain(models.TextChoices):
        DAY = "d", "日"
        MONTH = "m", "月"

    cube = models.CharField(max_length=4, default="full")
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    month = models.DateField()  # first day of the month of ``period``

    submitted = models.IntegerField(default=0)
    pending = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    days_sum = models.BigIntegerField(default=0)
    days_over = models.IntegerField(default=0)
    evaluated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    open_cases = models.IntegerField(default=0)
    for _name in HIST_FIELDS:
        locals()[_name] = models.IntegerField(default=0)
    del _name

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总"
        constraints = [
            models.UniqueConstraint(fields=["cube", "grain", "period", "p1", "p2", "p3", "p4", "unit_key",
                                            "topic_key", "kind", "addressee_key"], name="stats_rollup_cube_key"),
        ]
        indexes = [
            models.Index(fields=["cube", "grain", "period"], name="stats_rollup_cube_period"),
            models.Index(fields=["cube", "p2", "grain", "period"], name="stats_rollup_cube_p2"),
            models.Index(fields=["cube", "p3", "grain", "period"], name="stats_rollup_cube_p3"),
            models.Index(fields=["cube", "topic_key", "grain", "period"], name="stats_rollup_cube_topic"),
            models.Index(fields=["cube", "unit_key", "grain", "period"], name="stats_rollup_cube_unit"),
            models.Index(fields=["cube", "addressee_key", "grain", "period"], name="stats_rollup_cube_office"),
        ]

    def __str__(self) -> str:
        return f"{self.cube}/{self.grain} {self.period}: {self.received} received"


class OpenCase(Dimensions, Addressed):
    """A received message awaiting a reply (accepted, dispatched or signed). The unit
    is the lead unit handling it now; ``due_at`` the reply deadline in force. Never answered and
    past that deadline now, it is a miss of the unit handling it (误期未答复, docs/statistics.md) —
    unless the deadline had passed before the case came to it (``late_on_arrival``): then the
    miss is the unit's in whose hands it passed, a ``Miss`` row."""

    message = models.OneToOneField("board.Message", models.CASCADE, primary_key=True, related_name="open_case")
    day = models.DateField()
    due_at = models.DateTimeField(null=True, db_index=True)
    ever_replied = models.BooleanField(default=False)  # reopened after a reply
    # the deadline in force had passed before the unit handling the case now got it (转办 keeps the
    # deadline), or, waiting for dispatch, before the last lead unit gave it back (facts.late_on_arrival)
    late_on_arrival = models.BooleanField(default=False)

    class Meta:
        verbose_name = verbose_name_plural = "在办案件"
        indexes = [models.Index(fields=["unit_key", "due_at"]), models.Index(fields=["p2", "due_at"]),
                   models.Index(fields=["addressee_key", "due_at"], name="stats_open_addressee")]

    def __str__(self) -> str:
        return f"open message {self.message_id} due {self.due_at}"


class Miss(Dimensions, Addressed):
    """误期未答复 for good: the lead unit ``unit_key`` gave the case up (退单, 转办) unanswered after
    its reply deadline had passed in its hands (``facts.let_deadline_pass``), before the case's first
    reply. One row per case and unit, kept whatever happens to the case afterwards (answered by
    another unit, reopened, merged, withdrawn); its other dimensions and ``day`` are the message's."""

    # ``Message.misses`` (since 2026-12-06, stats walk): the list behind 误期未答复 joins a message to each of its misses
    message = models.ForeignKey("board.Message", models.CASCADE, related_name="misses")
    day = models.DateField()  # local date of the message's submission, as its fact's

    class Meta:
        verbose_name = verbose_name_plural = "误期未答复"
        constraints = [models.UniqueConstraint(fields=["message", "unit_key"], name="stats_miss_message_unit")]
        indexes = [models.Index(fields=["unit_key", "day"]), models.Index(fields=["p2", "day"]),
                   models.Index(fields=["addressee_key", "day"], name="stats_miss_addressee")]

    def __str__(self) -> str:
        return f"unit {self.unit_key} missed message {self.message_id}"


class SignFor(Dimensions, Addressed):
    """签收: one row per lead assignment with a 签收期限 (``Assignment.sign_due_at``), charged to the unit the
    case was sent to (``unit_key``, the assignment's unit; its other dimensions and ``day`` are the message's).
    及时签收率 (docs/statistics.md) counts those signed for or whose 签收期限 has passed (at the figures' clock,
    or before the unit gave the case up unsigned, ``given_up_at``), and of them those signed by the deadline.
    Rows are written from the assignments (``facts.record_signs``), so a refresh or rebuild is idempotent."""

    assignment = models.OneToOneField("board.Assignment", models.CASCADE, primary_key=True, related_name="+")
    message = models.ForeignKey("board.Message", models.CASCADE, related_name="+")
    day = models.DateField()  # local date of the message's submission, as its fact's
    sign_due_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True)
    # the assignment ended (转办, 退单, 并单…) before it was signed for: no longer due to be signed after that
    given_up_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = verbose_name_plural = "签收"
        indexes = [models.Index(fields=["unit_key", "day"]), models.Index(fields=["p2", "day"]),
                   models.Index(fields=["addressee_key", "day"], name="stats_sign_addressee")]

    def __str__(self) -> str:
        return f"unit {self.unit_key} sign-for of message {self.message_id}"


class Campaign(models.Model):
    """征集活动: a named collection period with its own public tally."""

    slug = models.SlugField("代码", max_length=60, unique=True)
    name = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    start = models.DateField("开始日期")
    end = models.DateField("截止日期")
    regions = models.ManyToManyField("directory.Region", blank=True, related_name="+", verbose_name="区划",
                                     help_text="留空表示全部区划")
    topics = models.ManyToManyField("directory.Topic", blank=True, related_name="+", verbose_name="领域",
                                    help_text="留空表示全部领域")
    is_public = models.BooleanField("公开", default=True)

    class Meta:
        ordering = ["-start", "slug"]
        verbose_name = verbose_name_plural = "征集活动"

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "截止日期不能早于开始日期"})


class RollupVersion(models.Model):
    """One row whose ``token`` changes (a new random value) in the same transaction as
    every change to facts or rollups: the figure cache is keyed by it, so a cached
    figure can never outlive the rollups it was computed from (see figures._cached).
    Random rather than incremented so that a rolled-back change never reuses a token."""

    token = models.CharField(max_length=32, default="0")

    class Meta:
        verbose_name = verbose_name_plural = "统计汇总版本"

    def __str__(self) -> str:
        return f"rollup version {self.token}"

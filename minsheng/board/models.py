"""Messages and their handling: assignments to units, extensions, replies, ratings,
photos, supports, notifications and the append-only event history.

Status changes happen only in ``minsheng.board.actions`` (see ``workflow.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from minsheng.accounts.phones import split_extension

from .deadlines import clock
from .moderation import mask, real_name
from .workflow import Status


class MessageKind(models.TextChoices):
    SUGGEST = "suggest", "建言"
    COMPLAIN = "complain", "投诉"
    HELP = "help", "求助"
    CONSULT = "consult", "咨询"
    THANKS = "thanks", "感谢"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Message(models.Model):
    public_id = models.CharField("留言编号", max_length=20, unique=True)
    title = models.CharField("标题", max_length=50)
    body = models.TextField("内容")
    kind = models.CharField("类型", max_length=10, choices=MessageKind.choices)
    topic = models.ForeignKey("directory.Topic", models.SET_NULL, null=True, blank=True, related_name="messages",
                              verbose_name="领域")
    region = models.ForeignKey("directory.Region", models.PROTECT, related_name="messages", verbose_name="区划")
    addressee = models.ForeignKey("directory.Addressee", models.SET_NULL, null=True, blank=True,
                                  related_name="messages", verbose_name="留言对象")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="messages", verbose_name="留言人")
    show_name = models.BooleanField("公开我的昵称", default=False)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    # the caller's name an Open311 request gave (12345 热线: 王先生), for staff who call back; never public
    contact_name = models.CharField("联系人", max_length=30, blank=True)
    contact_email = models.EmailField("联系邮箱", blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField("地点", max_length=200, blank=True)

    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    version = models.PositiveIntegerField("版本", default=0)  # bumped by every transition (optimistic lock)
    submitted_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    due_at = models.DateTimeField("答复期限", null=True, blank=True, db_index=True)
    reject_reason = models.CharField("不予受理理由", max_length=200, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    supervised = models.BooleanField("督办", default=False)
    supervision_note = models.CharField("督办意见", max_length=300, blank=True)
    # the 督办 made since the case reached its current lead unit(s) (LEAD_CHANGES clears the three above and these
    # two; every 督办 stays an event of its history): how many, and when the latest (2026-12-07)
    supervised_count = models.PositiveIntegerField("督办次数", default=0)
    last_supervised_at = models.DateTimeField("最近督办时间", null=True, blank=True)
    # ever pressed (a 督办 event, or a mark from before the events): what the public reads as 督办 — its page's
    # badge, the API's ``supervised`` — never cleared, so a 转办 or 重办 does not take it off (review, 2026-12-07)
    ever_supervised = models.BooleanField("曾督办", default=False)
    duplicate_of = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="merged",
                                     verbose_name="并入的留言")
    # 修改后重新提交: the message not accepted (未受理) this one was sent again of; one copy each (the old page
    # pressed twice posted two: walk, 2026-12-06), its page then links here
    resubmission_of = models.OneToOneField("self", models.SET_NULL, null=True, blank=True, related_name="resubmitted_as",
                                           verbose_name="修改后重新提交自", editable=False)
    support_count = models.PositiveIntegerField("我也遇到人数", default=0)
    # the registered name (昵称) of an author who posted anonymously and then closed their account:
    # still hidden on public pages wherever they wrote it (own_names), as before the closing wiped it
    # from the account; set on their anonymous messages when it is a person's name (accounts.rights.do_close_account)
    hidden_name = models.CharField("注销前昵称", max_length=30, blank=True, editable=False)

    # full-text search: jieba terms, maintained by minsheng.board.search
    search_text = models.TextField(blank=True, editable=False)

    # machine reading (minsheng.insight), filled after commit by a task
    predicted_topic = models.ForeignKey("directory.Topic", models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name="机器预测领域")
    topic_confidence = models.FloatField("领域置信度", null=True, blank=True)
    predicted_kind = models.CharField("机器预测类型", max_length=10, blank=True)
    kind_confidence = models.FloatField("类型置信度", null=True, blank=True)
    classified_at = models.DateTimeField("机器阅读时间", null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-submitted_at"]),
            models.Index(fields=["region", "-submitted_at"]),
            models.Index(fields=["dispatched_at"]),  # 机器阅读 counts a period's dispatches
            # 机器阅读 counts a period's readings in a region from this index alone (and finds the first)
            models.Index(fields=["classified_at", "region"], name="board_message_classified"),
            # the cases pressed now (已督办), a few hundred among all (a scan at 60,000 messages took 350 ms on
            # SQLite): the inbox's 督办 tab, the staff API's ?supervised=true; the 督办 page's list reads the one below
            # since 2026-12-07 (it was this one's first reader)
            models.Index(fields=["due_at"], condition=models.Q(supervised=True), name="board_message_supervised"),
            # the 督办 page's 督办过的留言, which keeps a case pressed before a 转办 or 退单 (2026-12-07)
            models.Index(fields=["due_at"], condition=models.Q(ever_supervised=True), name="board_message_ever_supervised"),
            # the newest messages with what a walk through them tests (the dispatcher's near-duplicate
            # candidates of an area, newest first: insight.lookup._dup_states; /stats/list/): read
            # from the index alone, not the rows with their text; a prefecture with 5% of 60,000
            # messages took 104 ms on SQLite, 13 ms through this
            models.Index(fields=["submitted_at", "id", "status", "region", "version"], name="board_message_newest"),
            # the titles alone, for the search's best matches (the query in the title:
            # search.Ranked): read from this small index, not from the rows with their text
            models.Index(fields=["title", "id"], name="board_message_title"),
        ]
        verbose_name = verbose_name_plural = "留言"

    def __str__(self) -> str:
        return f"{self.public_id} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.status in Status.public()

    @property
    def public_main(self) -> Message | None:
        """The main case this message was merged into, while the public may read it."""
        main = self.duplicate_of if self.duplicate_of_id else None
        return main if main is not None and main.is_public else None

    @property
    def contact_phone_parts(self) -> tuple[str, str]:
        """(the number to dial, its extension or "") of ``contact_phone``, as the staff lists' 查找 reads it
        (phones.split_extension): the case page shows 「0931-8123456 分机 802」 however it was sent (转802, ext. 802,
        -802), since 2026-12-08."""
        return split_extension(self.contact_phone)

    # The text as the public may read it: personal data partly hidden, and a name the
    # citizen introduced anywhere in the message, or their own registered name, hidden in
    # every field (moderation.mask). Lists select_related("author") to read it.
    @property
    def own_names(self) -> tuple[str, ...]:
        """The author's registered name when it is a person's and they post anonymously (a
        citizen who shows their name shows it in the text too)."""
        return () if self.show_name else real_name(self.author.display_name or self.hidden_name)

    @property
    def public_title(self) -> str:
        return mask(self.title, context=self.body, names=self.own_names)

    @property
    def public_body(self) -> str:
        return mask(self.body, context=self.title, names=self.own_names)

    @property
    def public_address(self) -> str:
        return mask(self.address, context=f"{self.title}\n{self.body}", names=self.own_names)

    @property
    def supervision_words(self) -> str:
        """已督办 as the lists say it: 「已督办 2 次 (最近 12-05 14:30)」, the 督办 since the case reached its current lead
        unit(s); 「已督办」 alone for a mark no event counts (2026-12-07); "" when not pressed."""
        if not self.supervised:
            return ""
        count, at = self.supervision_cells(True, self.supervised_count, self.last_supervised_at)
        if not count:
            return "已督办"
        at = timezone.localtime(at)
        return f"已督办 {count} 次 (最近 {at:%m-%d %H:%M})" if at.year == timezone.localdate().year else (
            f"已督办 {count} 次 (最近 {at:%Y-%m-%d %H:%M})")

    @staticmethod
    def supervision_label(supervised: bool, ever_supervised: bool, cleared_kind: str | None = None) -> str:
        """The 督办 column's words, alike on /stats/overdue/, the 督办 page and the exports: 「已督办」 while pressed,
        「转办后未再督办」 (the move that cleared it, ``actions.cleared_kinds``) or 「未再督办」 once pressed and no
        longer, 「未督办」 never (2026-12-07)."""
        if supervised:
            return "已督办"
        if ever_supervised:
            return f"{Event.Kind(cleared_kind).label}后未再督办" if cleared_kind else "未再督办"
        return "未督办"

    @property
    def supervision_state(self) -> str:
        """``supervision_label`` of this case; ``cleared_kind`` set (``actions.with_cleared_kinds``) or not known."""
        return self.supervision_label(self.supervised, self.ever_supervised, getattr(self, "cleared_kind", None))

    @staticmethod
    def supervision_cells(supervised: bool, count: int, last_at) -> tuple:
        """督办次数 and 最近督办时间 as the lists and exports give them: ``(count, last_at)`` while the case is
        pressed and its 督办 were counted; ``("", None)`` otherwise — not pressed, or a mark from before the
        counts, whose number and time nobody knows (the list's 「已督办」 alone; an export's empty cells)."""
        return (count, last_at) if supervised and count and last_at is not None else ("", None)

    @property
    def is_overdue(self) -> bool:
        # ``late_as_of``: the moment a list filtered it by (the staff API's box), so an item never contradicts its
        # filter when the minute turns between the two; else the current minute
        return overdue(self, getattr(self, "late_as_of", None))

    @property
    def author_public_name(self) -> str:
        return self.author.public_name if self.show_name else "匿名网友"


def overdue_q(now=None) -> models.Q:
    """超期未答复, the one rule (since 2026-12-07, review: it was written out in 督办, the staff API, the leader's office
    — without the reply — and ``Message.is_overdue``): a case in a handling status, not replied, past its reply
    deadline as of ``deadlines.clock(now)`` (the current minute; ``now`` exactly where given). ``overdue`` is the
    same rule for one message in hand, ``Message.is_overdue``."""
    return models.Q(status__in=Status.handling(), replied_at__isnull=True, due_at__lt=clock(now))


def overdue(message, now=None) -> bool:
    """``overdue_q`` of one message, without a query."""
    return bool(message.status in Status.handling() and message.replied_at is None
                and message.due_at and message.due_at < clock(now))


def handling_units(message, role: str) -> list[Assignment]:
    """The shares of the units handling ``message`` in ``role`` (主办 ``lead``, 协办 ``assist``), first assigned first:
    those holding it now (both when two lead it, 联合办理); once answered (已答复, 已评价, 已办结), those of the round
    that answered it, less the assist shares of a unit named among its leads; none for a case no unit holds — not dispatched yet, or given back (退单) and not dispatched
    again, a reopened one too: 「尚未派单」. The 督办 page's rows and the staff API's ``lead_units``/``assist_units``
    (since 2026-12-07, review: they decided apart — a reopened case given back named the first round's unit on the
    page, none in the API; one rated 已评价 the unit that answered on the page, none in the API). Over
    ``message.assignments.all()``: prefetch them with their units, and no query is made."""
    shares = list(message.assignments.all())
    held = [a for a in shares if a.state == Assignment.State.ACTIVE]
    if not held and message.status in Status.answered():
        done = [a for a in shares if a.state == Assignment.State.DONE]
        last = max((a.round for a in done), default=None)
        held = [a for a in done if a.round == last]
    leads = {a.unit_id for a in held if a.role == Assignment.Role.LEAD}
    # an assisting unit transferred the lead (its assist share closed 办结 by the 转办) is not its own helper
    named = [a for a in held if a.role == role and (role == Assignment.Role.LEAD or a.unit_id not in leads)]
    return sorted(named, key=lambda a: (a.assigned_at, a.pk))


class Assignment(models.Model):
    """A unit's share of a case: lead (主办) or assist (协办), one per round."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"

    class State(models.TextChoices):
        ACTIVE = "active", "办理中"
        TRANSFERRED = "transferred", "已转办"
        RETURNED = "returned", "已退单"
        DONE = "done", "已办结"

    message = models.ForeignKey(Message, models.CASCADE, related_name="assignments", verbose_name="留言")
    unit = models.ForeignKey("directory.Unit", models.PROTECT, related_name="assignments", verbose_name="办理单位")
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.LEAD)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.ACTIVE, db_index=True)
    round = models.PositiveSmallIntegerField("轮次", default=1)
    assigned_at = models.DateTimeField("派单时间", default=timezone.now)
    sign_due_at = models.DateTimeField("签收期限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    due_at = models.DateTimeField("答复期限", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # 承办人: the officer of the unit its head (单位负责人) gave the case to (actions.do_assign_handler);
    # empty until then, and for every unit without a head who assigns
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                related_name="handled_assignments", verbose_name="承办人")

    class Meta:
        ordering = ["-assigned_at"]
        indexes = [models.Index(fields=["unit", "state"])]
        verbose_name = verbose_name_plural = "办理单位"

    def __str__(self) -> str:
        return f"{self.message_id} → {self.unit} ({self.get_role_display()}, {self.get_state_display()})"

    @property
    def sign_overdue(self) -> bool:
        """Still not signed for after the sign-for deadline."""
        return bool(self.state == self.State.ACTIVE and self.signed_at is None and self.sign_due_at
                    and self.sign_due_at < clock())


class Extension(models.Model):
    """延期: a unit asks for more working days; the region's supervisor decides."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "未批准"
        VOID = "void", "已失效"  # the unit replied, transferred or returned the case first, or it was merged

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField("延期工作日")
    reason = models.CharField("理由", max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "延期申请"

    def __str__(self) -> str:
        return f"延期 {self.days} 个工作日 ({self.get_state_display()})"


class Reply(models.Model):
    """答复: the public answer of the lead unit (one per round)."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="replies", verbose_name="留言")
    unit = models.ForeignKey("directory.Unit", models.PROTECT, related_name="replies", verbose_name="答复单位")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="答复人")
    body = models.TextField("答复内容")
    round = models.PositiveSmallIntegerField("轮次", default=1)
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    quality = models.JSONField("答复质量", default=dict, blank=True)

    class Meta:
        ordering = ["published_at"]
        verbose_name = verbose_name_plural = "答复"

    def __str__(self) -> str:
        return f"{self.unit} 答复 {self.message_id}"


class Evaluation(models.Model):
    """满意度: the citizen's rating of a reply."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="evaluations")
    reply = models.ForeignKey(Reply, models.CASCADE, related_name="evaluations")
    resolution = models.CharField("解决情况", max_length=12, choices=Rating.choices)
    attitude = models.CharField("办理态度", max_length=12, choices=Rating.choices)
    speed = models.CharField("办理速度", max_length=12, choices=Rating.choices)
    comment = models.CharField("评价内容", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "满意度评价"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.get_resolution_display()}"

    @property
    def public_comment(self) -> str:
        """The comment as the public may read it (a name introduced in the message hidden too)."""
        message = self.message
        return mask(self.comment, context=f"{message.title}\n{message.body}", names=message.own_names)


class Attachment(models.Model):
    message = models.ForeignKey(Message, models.CASCADE, related_name="attachments")
    file = models.ImageField(upload_to="photos/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "留言照片"

    def __str__(self) -> str:
        return self.file.name


class Support(models.Model):
    """我也遇到: a citizen supports an existing message instead of posting again."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "我也遇到"
        unique_together = [("message", "user")]

    def __str__(self) -> str:
        return f"{self.user_id} 支持 {self.message_id}"


class Event(models.Model):
    """Append-only history: the public timeline, the audit log, the source of figures."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "提交留言"
        ACCEPTED = "accepted", "审核通过"
        REJECTED = "rejected", "审核未通过"
        WITHDRAWN = "withdrawn", "撤回"
        DISPATCHED = "dispatched", "派单"
        SIGNED = "signed", "签收"
        TRANSFERRED = "transferred", "转办"
        RETURNED = "returned", "退单"
        EXTENSION_REQUESTED = "extension_requested", "申请延期"
        EXTENSION_APPROVED = "extension_approved", "同意延期"
        EXTENSION_REFUSED = "extension_refused", "不同意延期"
        ASSIST_NOTE = "assist_note", "协办意见"
        # 内部备注: the lead unit's, a dispatcher's or a supervisor's note for staff (actions.do_internal_note)
        NOTE = "note", "内部备注"
        HANDLER_ASSIGNED = "handler_assigned", "指派承办人"
        REPLIED = "replied", "答复"
        EVALUATED = "evaluated", "评价"
        REOPENED = "reopened", "重办"
        CLOSED = "closed", "办结"
        MERGED = "merged", "并单"
        UNMERGED = "unmerged", "撤销并单"
        SUPERVISED = "supervised", "督办"
        CLASSIFIED = "classified", "自动分类"
        # a sure message the system did not dispatch: why (insight.tasks.auto_dispatch)
        AUTO_HELD = "auto_held", "自动派单暂缓"
        CORRECTED = "corrected", "人工更正分类"
        EXPORTED = "exported", "导出个人信息"
        # a deadline moved by a change of the holiday calendar (recompute.recompute_deadlines): internal
        DEADLINE_MOVED = "deadline_moved", "节假日调整"
        # the author closed their account (accounts.rights.do_close_account): internal
        ACCOUNT_CLOSED = "account_closed", "留言人注销账号"

    message = models.ForeignKey(Message, models.CASCADE, null=True, blank=True, related_name="events",
                                verbose_name="留言")
    kind = models.CharField("事项", max_length=24, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name="操作人")
    unit = models.ForeignKey("directory.Unit", models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="单位")
    data = models.JSONField("详情", default=dict, blank=True)
    public = models.BooleanField("公开", default=True)
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = verbose_name_plural = "办理记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("_allow_update", False):
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)

    @property
    def who(self) -> str | None:
        """Who acted, as the staff's case history names them: 留言人 for the message's author (their
        account's name is their phone number or email when they chose no nickname, and a unit the case
        has left reads the history, not the contact data), None for the system."""
        if self.actor_id is None:
            return None
        return "留言人" if self.message_id and self.actor_id == self.message.author_id else str(self.actor)


# never shown in a public timeline (web, API), whatever their ``public`` flag says
HIDDEN_EVENT_KINDS = {Event.Kind.CLASSIFIED, Event.Kind.AUTO_HELD, Event.Kind.CORRECTED, Event.Kind.EXPORTED,
                      Event.Kind.ASSIST_NOTE, Event.Kind.NOTE, Event.Kind.HANDLER_ASSIGNED,
                      Event.Kind.DEADLINE_MOVED, Event.Kind.ACCOUNT_CLOSED}


class Notification(models.Model):
    """站内信 for citizens and staff."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    message = models.ForeignKey(Message, models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=24)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内信"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text


class CalendarDay(models.Model):
    """A day whose working status an operator set by hand (每年更新节假日, docs/deploy.md): a public
    holiday or a make-up working day (调休) of a year chinese-calendar does not know yet, or a
    correction of one it does. An entry for a date wins over chinese-calendar
    (``deadlines.is_working_day``)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "休息日/节假日"
        WORKDAY = "workday", "调休上班日"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    note = models.CharField("说明", max_length=100, blank=True, help_text="如「2027年元旦」")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}" + (f" ({self.note})" if self.note else "")

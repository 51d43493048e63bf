import logging

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import ModelMultipleChoiceField
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from minsheng.directory.models import Topic
from minsheng.stats.exports import MEASURE_LABELS

from .forms import key_field, refuse_keys_past_integers
from .models import Assignment, CalendarDay, Event, Message, MessageKind, Rating, Reply
from .notify import CARRIED_OVER
from .recompute import entries_before_change, recompute_deadlines, saved_cause
from .workflow import Status

QUALITY_PARTS = [
    ("relevance", "相关性"),
    ("completeness", "完整性"),
    ("interpretability", "可解释性"),
    ("timeliness", "及时性"),
]


class FiltersChecked(ChangeList):
    """The list of every admin (``ModelAdmin.get_changelist``, below): a filter of the query string that the
    database cannot read is Django's bad-filter redirect (?e=1): the list unfiltered, as Django does for those it
    refuses itself (year 99999 of ``date_hierarchy``).

    - ``date_hierarchy``: Django builds a datetime of ?<field>__year= (and __month, __day); a number past C's
      integers (20 digits) is an OverflowError there, which was a 500;
    - a field's own lookup, which Django passes to the query (?submitted_at__year=0, ?at__year=-1): the year
      is read when the list is counted, a ValueError, and ?actor=<20 digits> an OverflowError on SQLite:
      500s (admin walk, 2026-12-07)."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            return super().get_results(request)
        except (ValueError, OverflowError) as exc:
            # logged: with ?e=1 already asked, Django shows its 「设置错误」 page, and a real fault of a list's
            # query would otherwise go unseen (review, 2026-12-07)
            logger.warning("admin list %s: filter unread, %s", request.get_full_path()[:300], exc, exc_info=True)
            raise IncorrectLookupParameters(exc) from exc


logger = logging.getLogger(__name__)

admin.ModelAdmin.get_changelist = lambda self, request, **kwargs: FiltersChecked


class WorkOnRecordNotDeleted:
    """A row whose work is on record (replies, history, messages: PROTECT) cannot be deleted. Since
    replies cannot be deleted in the admin (``ReplyAdmin``), Django named them what the admin
    「无权删除」, which read as a missing right: the delete page lists the work, under ``work_on_record``."""

    work_on_record = ""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            perms_needed = set()
            protected = [self.work_on_record, *protected]
        return deleted, counts, perms_needed, protected


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    readonly_fields = [f.name for f in Assignment._meta.fields]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # 派单 does it (do_dispatch): 「添加另一个」 gave a row of dashes that saved nothing


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the workflow pages, not the admin. A message is
    posted through the site or the API (do_submit: its history, moderation and reading)."""

    list_display = ["public_id", "title", "kind", "region", "status", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["public_id", "title"]
    readonly_fields = ["status", "version", "public_id", "author"]
    raw_id_fields = ["region", "topic", "addressee", "duplicate_of", "predicted_topic"]
    inlines = [AssignmentInline]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            # its hotspot reads its title, text, region, topic and type (涉及领域, 需多部门协调, 地点/人群): refreshed once
            # the edit commits, as after a move (until 2026-12-06 only by refresh-hotspots --all)
            from minsheng.insight.hotspots_service import refresh_after_commit

            refresh_after_commit(obj.pk)
            # and its figures (its region, topic, type, 留言对象: each statistics row keeps its message's office,
            # stats.models.Addressed), once the edit commits, as after an action (until 2026-12-06: by refresh-stats only)
            from minsheng.stats.facts import message_changed

            message_changed(obj.pk)


# the keys the code writes into Event.data (board.actions, recompute, insight.tasks, stats.exports),
# in the admin's words: its 办理记录 page showed the dict itself ({"lead": "…", "due_at": "2026-…"})
EVENT_DATA_LABELS = {
    "lead": "主办单位",
    "assists": "协办单位",
    "due_at": "办理期限",
    "auto": "系统自动派单",
    "to": "转至",
    "reason": "理由",
    "note": "意见",
    "body": "内容",
    "comment": "评价内容",
    "days": "延期工作日",
    "resolution": "解决情况",
    "attitude": "办理态度",
    "speed": "办理速度",
    "on_time": "按期",
    "handler": "承办人",
    "handler_id": "承办人编号",
    "previous": "原承办人",
    "previous_id": "原承办人编号",
    "carried_over": "沿用原承办人",
    "via": "沿用原因",
    "into": "并入留言",
    "merged": "并入本件的留言",
    "main": "原主件",
    "split": "撤出的留言",
    "topic": "领域",
    "topic_confidence": "领域置信度",
    "topic_top": "领域候选 (置信度)",
    "kind": "类型",
    "kind_label": "类型 (模型标签)",
    "kind_confidence": "类型置信度",
    "duplicates": "疑似重复留言",
    "lookup_failed": "查重失败",
    "unmeasured_model": "领域模型未经验证",
    "changes": "期限变更",
    "cause": "原因",
    "what": "期限",
    "unit": "单位",
    "assignment": "单位办理记录编号",  # whose moved deadline (recompute._given_up_change)
    "from": "原期限",
    "miss": "误期未答复",
    "filters": "筛选条件",
    "rows": "行数",
    "format": "格式",
    "message_id": "留言编号",
    # an export's filters (stats.exports.record_personal_export): the /stats/ filters and the command's
    "region": "区划",
    "date_from": "开始日期",
    "date_to": "结束日期",
    "campaign": "征集活动",
    "own": "仅本级",
    "measure": "统计项",
    "status": "状态",
    "q": "搜索词",
    "command": "命令",
    "system_user": "系统账户",
}
_RATINGS, _KINDS = dict(Rating.choices), dict(MessageKind.choices)
# values that are codes: shown by their name
EVENT_DATA_VALUES = {
    "resolution": _RATINGS,
    "attitude": _RATINGS,
    "speed": _RATINGS,
    "kind": _KINDS,
    "via": CARRIED_OVER,
    "measure": MEASURE_LABELS,
    "status": dict(Status.choices),
}


def readable_json(value, labels: dict[str, str], values: dict[str, dict] | None = None, key: str = ""):
    """A JSONField's value as the admin reads it: a dict as a list of 「label: value」 lines (its keys by
    ``labels``, nested dicts indented), a list joined with 、, yes/no as 是/否, codes named by ``values``
    (key → {code: name}); what any admin page shows for a JSONField instead of its JSON."""
    values = values or {}
    if isinstance(value, dict):
        if not value:
            return "-"
        return format_html(
            '<dl class="readable-json">{}</dl>',
            format_html_join(
                "",
                "<dt>{}</dt><dd>{}</dd>",
                ((labels.get(k, k), readable_json(v, labels, values, k)) for k, v in value.items()),
            ),
        )
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return format_html_join("", "{}", ((readable_json(v, labels, values, key),) for v in value))
        # joined as markup: a detail among words is shown, not its escaped HTML
        items = (
            format_html_join(" ", "{}", ((readable_json(x, labels, values, key),) for x in v))
            if isinstance(v, list)
            else readable_json(v, labels, values, key)
            for v in value
        )
        return format_html_join("、", "{}", ((item,) for item in items)) or "-"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is None or value == "":
        return "-"
    if isinstance(value, str) and "T" in value and (moment := _parse_moment(value)):
        return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"  # an ISO timestamp (due_at) in Beijing time
    return values.get(key, {}).get(value, value)


def _parse_moment(text: str):
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return moment if moment is not None and timezone.is_aware(moment) else None


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["message", "kind", "actor", "unit", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["message"]
    # the entry's page: what happened in the staff timeline's words, then each detail by its name
    fields = readonly_fields = ["message", "kind", "actor", "unit", "public", "at", "summary", "details"]

    @admin.display(description="说明")
    def summary(self, event):
        from .views.staff import _event_detail

        return _event_detail(event, self._topics(event)) or "-"

    @admin.display(description="详情")
    def details(self, event):
        # a correction's topics by name (its data holds their ids: 领域 3、7)
        return readable_json(
            event.data or {}, EVENT_DATA_LABELS, {**EVENT_DATA_VALUES, "topic": self._topics(event)}
        )

    @staticmethod
    def _topics(event) -> dict:
        return dict(Topic.objects.values_list("pk", "name")) if event.kind == Event.Kind.CORRECTED else {}

    def has_add_permission(self, request):  # history is append-only, written by the actions
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    """A reply is published by do_reply (the case's status, its event, its score); here an
    administrator may correct its text."""

    list_display = ["message", "unit", "round", "published_at"]
    # not selects: one of every message and every user took seconds to render
    readonly_fields = ["message", "unit", "author", "round", "published_at", "quality_shown"]
    exclude = ["quality"]  # its JSON (score, relevance, boilerplate…) read as raw English keys

    @admin.display(description="答复质量")
    def quality_shown(self, reply):
        """The score as the staff's case page words it (parts in percent, what each lacks)."""
        q = reply.quality or {}
        if not q:
            return "-"
        parts = [f"{label} {round(q[key] * 100)}%" for key, label in QUALITY_PARTS if q.get(key) is not None]
        lines = [
            f"总分 {q['score']:g}" if q.get("score") is not None else "",
            " · ".join(parts),
            "含套话" if q.get("boilerplate") else "",
            "; ".join(q.get("reasons") or []),
        ]
        return format_html(
            "{}{}",
            format_html_join("", "<div>{}</div>", ((line,) for line in lines if line)),
            render_to_string("board/staff/_quality_explained.html", {"q": q}),
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # deleting one left its case 已答复 with no reply, and took the citizen's rating with it
        return False


admin.site.site_header = "民声 后台管理"
admin.site.site_title = "民声 后台管理"  # the <title> suffix; Django's reads 「Django 站点管理员」
# 「2027 年的法定节假日尚未录入…」 above the index (每年更新节假日, docs/deploy.md §11)
admin.site.index_template = "admin/minsheng_index.html"

YES_NO = {True: ("yes", "是"), False: ("no", "否"), None: ("unknown", "未知")}


def _boolean_icon(value):
    """The admin's ✓/✗ icon with a Chinese alt text (Django writes str(value): True/False),
    for every boolean column and read-only field: Django's callers import the function
    from admin_list on each call."""
    icon, label = YES_NO[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


admin_list._boolean_icon = _boolean_icon

_named_choices = AutocompleteMixin.optgroups


def _optgroups(self, name, value, attr=None):
    """A picker box (region, unit, topic, user) re-shown on a refused form names the row it holds, looked
    up by its number: a value that is no number (「abc」, a hand-made post) was a 500 instead of the
    form's 「选择一个有效的选项」. Such a value is shown as nothing picked."""
    try:
        return _named_choices(self, name, value, attr)
    except (ValueError, ValidationError, OverflowError):  # 「abc」; 99999999999999999999 on SQLite
        return _named_choices(self, name, [], attr)


AutocompleteMixin.optgroups = _optgroups

_checked_values = ModelMultipleChoiceField._check_values


def _check_values(self, value):
    """A box of several rows (a campaign's regions and topics, a user's groups and permissions) holding a number
    past the database's integers (a hand-made post): the ``IN`` query of Django's own check overflowed, a 500 on
    SQLite (admin walk, 2026-12-07). It is 「“…”不是一个有效的值」, as 「abc」 is (``forms.refuse_keys_past_integers``,
    which staff_forms.UnitsField calls itself)."""
    refuse_keys_past_integers(self, value)
    return _checked_values(self, value)


ModelMultipleChoiceField._check_values = _check_values

_run_action = admin.ModelAdmin.response_action


def _response_action(self, request, queryset):
    """An action (删除所选, 重新生成所选 key, 撤销所选令牌) runs on the rows ticked in the list, sent by their
    numbers: one that is no number of this table (「abc」, 「」, a hand-made post; 99999999999999999999 on SQLite)
    was a 500 wherever the action first read the rows (PostgreSQL ran it on the rest of the selection). Every admin of the site refuses the whole selection back on
    the list, with nothing done."""
    number = key_field(queryset.model)
    try:
        for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            number.clean(value, None)  # a number, within the column's integers
    except ValidationError:
        self.message_user(
            request, "所选条目的编号无效，未执行任何操作。请在列表中重新勾选后再试。", messages.ERROR
        )
        return None
    return _run_action(self, request, queryset)


admin.ModelAdmin.response_action = _response_action


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """每年更新节假日 (docs/deploy.md §11): an entry wins over chinese-calendar for its date; adding,
    changing or deleting one recomputes the running deadlines of open cases that depend on it, and judges
    again the misses of the units that gave a case up, in the same transaction
    (``recompute.recompute_deadlines``, as ``minsheng holidays`` does)."""

    list_display = ["date", "kind", "note", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["note"]
    date_hierarchy = "date"

    def _recomputed(self, request, change, cause: str) -> None:
        """``change``: saves or deletes the entries (the calendar before it read first)."""
        with transaction.atomic():
            before = entries_before_change()
            change()
            done = recompute_deadlines(before, actor=request.user, cause=cause)
        for line in done.lines():
            self.message_user(request, line)

    def save_model(self, request, obj, form, change):
        self._recomputed(
            request,
            lambda: super(CalendarDayAdmin, self).save_model(request, obj, form, change),
            saved_cause(obj, not change, form.initial.get("date") if change else None),
        )

    def delete_model(self, request, obj):
        self._recomputed(
            request,
            lambda: super(CalendarDayAdmin, self).delete_model(request, obj),
            f"删除 {obj.date:%Y-%m-%d} 的节假日调整",
        )

    def delete_queryset(self, request, queryset):
        days = "、".join(f"{day:%Y-%m-%d}" for day in queryset.values_list("date", flat=True))
        self._recomputed(
            request,
            lambda: super(CalendarDayAdmin, self).delete_queryset(request, queryset),
            f"删除 {days} 的节假日调整",
        )

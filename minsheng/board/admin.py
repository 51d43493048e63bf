from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.db import transaction
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

from .models import Assignment, CalendarDay, Event, Message, Reply
from .recompute import entries_before_change, recompute_deadlines, saved_cause

QUALITY_PARTS = [("relevance", "相关性"), ("completeness", "完整性"), ("interpretability", "可解释性"),
                 ("timeliness", "及时性")]


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


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["message", "kind", "actor", "unit", "at"]
    list_filter = ["kind"]
    raw_id_fields = ["message"]

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
        lines = [f"总分 {q['score']:g}" if q.get("score") is not None else "", " · ".join(parts),
                 "含套话" if q.get("boilerplate") else "", "; ".join(q.get("reasons") or [])]
        return format_html("{}{}", format_html_join("", "<div>{}</div>", ((line,) for line in lines if line)),
                           render_to_string("board/staff/_quality_explained.html", {"q": q}))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # deleting one left its case 已答复 with no reply, and took the citizen's rating with it
        return False


admin.site.site_header = "民声 后台管理"
admin.site.site_title = "民声 后台管理"  # the <title> suffix; Django's reads 「Django 站点管理员」

YES_NO = {True: ("yes", "是"), False: ("no", "否"), None: ("unknown", "未知")}


def _boolean_icon(value):
    """The admin's ✓/✗ icon with a Chinese alt text (Django writes str(value): True/False),
    for every boolean column and read-only field: Django's callers import the function
    from admin_list on each call."""
    icon, label = YES_NO[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


admin_list._boolean_icon = _boolean_icon


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

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from minsheng.board.admin import WorkOnRecordNotDeleted
from minsheng.board.models import Assignment
from minsheng.board.workflow import Status
from minsheng.stats.models import Campaign

from .models import Addressee, Region, Responsibility, Topic, Unit
from .pinyin import PinyinSearch

# the search box of regions and units, and the autocomplete of every box that picks one:
# 拼音 or 首字母 (pinyin.py: the rows' stored key) as well as the Chinese name
PINYIN_HELP = "输入名称或拼音首字母 (如 qlh 找七里河区, zjj 找住建局), 也可输入全拼"


class ResponsibilityFormSet(BaseInlineFormSet):
    def full_clean(self):
        """Each row's own check leaves out the rows of the page (``Responsibility.rows_on_page``):
        what they say after the save is read by ``clean`` below, so the lead passes from one row to
        another in one save (the old lead's row set to 协办, another to 主办)."""
        on_page = frozenset(form.instance.pk for form in self.forms if form.instance.pk)
        for form in self.forms:
            form.instance.rows_on_page = on_page
        super().full_clean()

    def clean(self):
        """One lead per region and topic among the rows of the page too: each new row's own check
        (``Responsibility.clean``) reads the table as stored, so two leads added in one save both
        passed it, and routing took whichever it met first."""
        super().clean()
        leads: dict = {}
        for form in self.forms:
            row = form.cleaned_data if form.is_valid() else {}
            if row.get("DELETE") or row.get("role") != Responsibility.Role.LEAD or not row.get("unit"):
                continue
            leads.setdefault((row.get("region") or self.instance, row.get("topic")), []).append(row["unit"])
        for (region, topic), units in leads.items():
            if len(units) > 1:
                raise ValidationError(f"{region.name} · {topic.name} 有 {len(units)} 个主办单位 "
                                      f"({'、'.join(u.name for u in units)}); 一个区划的一个领域只能有一个主办单位, "
                                      "请把其余的设为协办")


class ResponsibilityInline(admin.TabularInline):
    """The routing rows that apply from here down (edit them where they live)."""

    model = Responsibility
    formset = ResponsibilityFormSet
    extra = 0
    autocomplete_fields = ["topic", "unit"]
    fk_name = "region"


class UnitResponsibilityInline(ResponsibilityInline):
    fk_name = "unit"
    autocomplete_fields = ["region", "topic"]


@admin.register(Region)
class RegionAdmin(PinyinSearch, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "pinyin"]
    search_help_text = PINYIN_HELP
    autocomplete_fields = ["parent"]
    inlines = [ResponsibilityInline]


@admin.register(Unit)
class UnitAdmin(WorkOnRecordNotDeleted, PinyinSearch, admin.ModelAdmin):
    work_on_record = "单位已有留言或办理记录, 不能删除: 请改为停用, 取消勾选「启用」"
    list_display = ["name", "short_name", "region", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active", "region__level"]
    list_select_related = ["region", "parent"]
    search_fields = ["name", "short_name", "pinyin", "region__name"]
    search_help_text = PINYIN_HELP
    autocomplete_fields = ["region", "parent"]
    inlines = [UnitResponsibilityInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # routing skips a switched-off unit: its rows fall back to the region above
            leads = obj.responsibilities.filter(role=Responsibility.Role.LEAD).count()
            if leads:
                messages.warning(request, f"{obj.name} 已停用, 但仍是权责清单中 {leads} 行的主办单位: 这些留言将按上级区划的"
                                          "权责清单派单或需人工派单, 请在下方权责清单中改为新的主办单位")
            # nothing moves the cases it holds: its officers still sign, answer or transfer them
            held = obj.assignments.filter(state=Assignment.State.ACTIVE, message__status__in=Status.handling()).count()
            if held:
                messages.warning(request, f"{obj.name} 仍有 {held} 件在办留言, 停用后仍由本单位办理 (不再接收新派单); "
                                          "如需改由其他单位办理, 请本单位在案件页转办")


@admin.register(Addressee)
class AddresseeAdmin(PinyinSearch, admin.ModelAdmin):
    list_display = ["title", "region", "unit", "sort", "is_active"]
    list_filter = ["is_active", "region__level"]
    list_select_related = ["region", "unit"]
    search_fields = ["title", "pinyin", "region__name", "region__pinyin"]
    search_help_text = "输入职务或拼音首字母 (如 lzssz 或 shizhang 找兰州市市长), 也可输入区划名称"
    autocomplete_fields = ["region", "unit"]

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        used = _used_by_messages(Addressee.objects.filter(pk__in=[a.pk for a in objs]), "留言对象")
        return deleted, counts, perms_needed, list(protected) + used


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "is_active"]
    list_select_related = ["parent"]
    search_fields = ["code", "name", "keywords"]
    list_filter = ["is_active", "parent"]
    autocomplete_fields = ["parent"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        old = form.initial.get("name") if change else None
        if old and old != obj.name:
            self._warn_of_the_model(request, old)

    @staticmethod
    def _warn_of_the_model(request, old: str) -> None:
        """The topic model answers names (``tasks.topic_for_label``): after a rename it reads the
        old one, which names no topic, until it is trained again on the messages' topics."""
        from django.conf import settings

        from minsheng.insight.tasks import get_model

        model = get_model("topic")
        if model is not None and old in model.labels:
            messages.warning(request, f"领域模型按名称预读: 重新训练前, 模型读出的「{old}」不再对应任何领域 (这类留言不预读领域, "
                                      "也不自动派单)。请在服务器上重新训练: minsheng train-classifier --from-db "
                                      f"--out {settings.MINSHENG_MODEL_DIR / 'topic'}")

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        pks = [t.pk for t in objs]
        protected = list(protected) + _used_by_messages(Topic.objects.filter(pk__in=pks), "领域")
        for campaign in Campaign.objects.filter(topics__in=pks).distinct():
            protected.append(f"征集活动「{campaign.name}」限定了此领域 (删除后活动将变为全部领域)")
        return deleted, counts, perms_needed, protected


def _used_by_messages(rows, noun: str) -> list[str]:
    """Messages would silently lose a deleted topic or addressee (SET_NULL): the delete
    page lists them as protected, so the admin switches the row off instead."""
    return [f"{noun}「{row}」: {row.n} 条留言使用 (删除后这些留言和统计将失去{noun}); 请改为停用, 取消勾选「启用」"
            for row in rows.annotate(n=Count("messages")).filter(n__gt=0)]


@admin.register(Responsibility)
class ResponsibilityAdmin(PinyinSearch, admin.ModelAdmin):
    list_display = ["region", "topic", "unit", "role"]
    list_filter = ["role", "region__level", "topic__parent"]
    list_select_related = ["region", "topic", "unit"]
    search_fields = ["region__name", "region__code", "region__pinyin", "unit__name", "unit__pinyin", "topic__name",
                     "topic__code"]
    autocomplete_fields = ["region", "topic", "unit"]

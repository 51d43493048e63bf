"""Hotspots (minsheng.insight) and the public figures (minsheng.stats). The figures
are those of the statistics pages: computed by minsheng.stats.figures from its
rollups, defined once in docs/statistics.md."""

from __future__ import annotations

import copy

from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from minsheng.accounts.roles import roles_of
from minsheng.board.models import Message, MessageKind
from minsheng.board.workflow import Status
from minsheng.insight.hotspots_service import chronic_refusal, heat_clock, keep_heat_current, trend_of
from minsheng.insight.models import PERIODS as HOTSPOT_PERIODS
from minsheng.insight.models import Hotspot, HotspotMember
from minsheng.stats import exports as stats_exports
from minsheng.stats import figures as stats

from ..errors import ApiError, found
from ..inputs import (
    ChoiceField,
    Day,
    check_date_range,
    region_or_invalid,
    unknown_addressee,
    unknown_region,
    unknown_topic,
    unknown_unit,
)
from ..pagination import DirectoryPages
from ..serializers import MessageListSerializer, RegionRefSerializer, UnitRefSerializer, hotspot_flags_shown
from .base import ApiView, Doc, list_queryset


class AllMembersSerializer(serializers.Serializer):
    """A hotspot's figures over all its members, pending ones included (the heat's)."""

    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    citizen_count = serializers.IntegerField()
    support_count = serializers.IntegerField()


class HotspotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    region = RegionRefSerializer(allow_null=True)
    # "" where none is named: the stored 「—」 came out as the place until 2026-12-08
    place = serializers.CharField(source="named_place", help_text="地点或人群; 两者都没有的为空字符串")
    first_at = serializers.DateTimeField(source="public_first_at", allow_null=True, help_text="首条公开留言的时间")
    last_at = serializers.DateTimeField(source="public_last_at", allow_null=True, help_text="最近一条公开留言的时间")
    message_count = serializers.IntegerField(help_text="留言数 (含尚在审核的)")
    public_count = serializers.IntegerField(help_text="其中已公开的留言数")
    citizen_count = serializers.IntegerField(source="public_citizen_count", help_text="公开留言的留言人数")
    support_count = serializers.IntegerField(source="public_support_count", help_text="公开留言的「我也遇到」人数")
    all_members = serializers.SerializerMethodField(
        help_text="全部留言 (含尚在审核的) 的时间范围、留言人数和「我也遇到」人数 (所督办的区划内的督办人员和领导可见; 其他人为 null)")
    unresolved_count = serializers.SerializerMethodField(
        help_text="未解决的留言数 (所督办的区划内的督办人员和领导可见; 其他人为 null: 它与首条留言时间一起会透露老大难)")
    heat = serializers.FloatField(help_text="热度指数, 按全部留言计算 (含尚在审核的)")
    period_count = serializers.SerializerMethodField(
        help_text="列表按 `days` 筛选时: 近 `days` 天的公开留言数; 否则为 null")
    period_heat = serializers.SerializerMethodField(
        help_text="列表按 `days` 筛选时: 近 `days` 天热度, 即热度公式只按这些天的公开留言 (不含感谢) 计算; 否则为 null")
    chronic = serializers.SerializerMethodField(help_text="老大难 (所督办的区划内的督办人员和领导可见; 其他人为 null)")
    needs_coordination = serializers.SerializerMethodField(help_text="需多部门协调 (所督办的区划内的督办人员和领导可见; 其他人为 null)")
    units = serializers.ListField(child=serializers.CharField(), help_text="涉及单位")
    topics = serializers.ListField(child=serializers.CharField(), help_text="涉及领域")

    # for supervisors and leaders in the regions they supervise, as on the web pages (/chronic/,
    # a hotspot's page)
    def _supervisors_only(self, obj, value):
        return value if hotspot_flags_shown(self.context, obj) else None

    def get_period_count(self, obj) -> int | None:
        return getattr(obj, "period_count", None)

    def get_period_heat(self, obj) -> float | None:
        return getattr(obj, "period_heat", None)

    def get_chronic(self, obj) -> bool | None:
        return self._supervisors_only(obj, obj.chronic)

    def get_needs_coordination(self, obj) -> bool | None:
        return self._supervisors_only(obj, obj.needs_coordination)

    def get_unresolved_count(self, obj) -> int | None:
        return self._supervisors_only(obj, obj.unresolved_count)

    @extend_schema_field(AllMembersSerializer(allow_null=True))
    def get_all_members(self, obj):
        return self._supervisors_only(obj, AllMembersSerializer(obj).data)


class HotspotTrendSerializer(serializers.Serializer):
    """The hotspot page's 留言趋势 chart (hotspots_service.trend_of)."""

    labels = serializers.ListField(child=serializers.CharField(),
                                   help_text="各时段: 日 (YYYY-MM-DD)、周 (该周周一, YYYY-MM-DD) 或月 (YYYY-MM)")
    counts = serializers.ListField(child=serializers.IntegerField(), help_text="各时段的公开留言数, 与 labels 一一对应")
    per = ChoiceField(choices=[("日", "日"), ("周", "周"), ("月", "月")],
                                  help_text="时段: 跨度 60 天内按日, 400 天内按周, 更长按月")


class HotspotDetailSerializer(HotspotSerializer):
    messages = MessageListSerializer(many=True, help_text="该热点的公开留言 (最近 200 条)")
    trend = HotspotTrendSerializer(help_text="留言趋势: 全部公开留言 (不含感谢) 按提交日期逐日、逐周或逐月的条数, 同热点页面的图表")


class HotspotQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    days = ChoiceField(choices=HOTSPOT_PERIODS, required=False,
                                   error_messages={"invalid_choice": "时间范围「{input}」无效, 可选 7、30、90 (天); 不填为全部"},
                                   help_text="只列近 7、30 或 90 天有公开留言的热点 (同 /hotspots/?days=; 按北京时间的日历日, 含今天, "
                                             "自第一天 0 时起, 同驾驶舱的近 30 天), 按这些天的热度 "
                                             "`period_heat` 排列, 并给出其间的公开留言数 `period_count`; 不填为全部")
    chronic = serializers.BooleanField(required=False, allow_null=True, default=None,
                                       help_text="只看 (true) 或排除 (false) 老大难; 仅督办人员和领导")
    needs_coordination = serializers.BooleanField(required=False, allow_null=True, default=None,
                                                  help_text="只看 (true) 或排除 (false) 需多部门协调; 仅督办人员和领导")
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    def validate_region(self, code):
        return region_or_invalid(code)


class HotspotList(ApiView):
    docs = {"get": Doc("热点问题", "返回热点问题, 热度高的在前, 分页; 只含两条以上留言且至少一条已公开的热点, 与网站的热点页面一致。"
                                 "`region` 只列该区划及其下级区划的; `days` (7、30 或 90) 只列这些天内有公开留言的热点, 按这些天的热度 `period_heat` 排列 (热度公式只按这些天的公开留言计算, 不含感谢; `heat` 仍为按全部留言计算的热度)。`heat` 为至多一小时前的热度: 列出时若热度已超过一小时未按时间更新, 先更新再排列; `period_heat` 也按该次更新的时刻计算, 故同一小时内翻页时排列不变, 第 2 页不会重复或漏掉第 1 页的热点。"
                                 "要列「现在」的热点 (如看板上的热点卡片), 请用 `days=30&page_size=10`: 即驾驶舱热点卡片所列; 不填 `days` 为全部, 多年前的大热点也可能排在前面。按老大难 `chronic` 或需多部门协调 `needs_coordination` 筛选"
                                 "只供督办人员和领导, 限于其督办的区划, 与网站的老大难页面一致 (含尚无公开留言的; 取 false 时为热点列表和老大难页面上未带该标记的; 不填 `days` 时同该页面的排序: 老大难在前, 按该次更新时刻的热度, 故所返回的 `heat` (至多一小时前的值) 可能不按降序): 未登录为 401, 其他调用者 (含 Open311 API key) 为 403; 同时给出其不督办的 `region` 也为 403 (同该页面)。"
                                 "这两项标记和 `unresolved_count`、`all_members` 也只对他们显示, 对其他人为 null。"
                                 "列表本身任何人可调用, 无需登录。")}

    pagination_class = DirectoryPages
    query_class = HotspotQuery

    @extend_schema(responses=HotspotSerializer(many=True), tags=["insight"])
    def get(self, request):
        params = self.query(request)
        roles = roles_of(request.user)
        flags = {name: params[name] for name in ("chronic", "needs_coordination") if params.get(name) is not None}
        if flags and not roles.is_supervisor:
            # who asks is unknown: sign in (401), as elsewhere; an Open311 key is known, and never a
            # supervisor (403, as /staff/inbox/ and /me/messages/ answer it; it read 「请先登录」)
            if request.successful_authenticator is None:
                raise exceptions.NotAuthenticated()
            raise ApiError("只有督办人员和领导可以按老大难或需多部门协调筛选", code="permission_denied", status_code=403)
        # a region they supervise none of: refused as /chronic/?region= refuses it (an empty list before 2026-12-08)
        if flags and params.get("region") and (refused := chronic_refusal(roles, params["region"])):
            raise ApiError(refused, code="permission_denied", status_code=403)
        # as /hotspots/; with a flag as /chronic/ too: every flagged hotspot of their regions, one without a
        # public message too (its page opens for them, Hotspot.readable_by; it was left out here). Not an
        # unflagged one no one has published (?chronic=false listed those, a one-message one too: review 2026-12-05)
        listed = (Hotspot.objects.filter(Q(pk__in=Hotspot.objects.public().values("pk")) | Q(chronic=True)
                                         | Q(needs_coordination=True)) if flags else Hotspot.objects.public())
        # ranks by (or gives) the stored heat, or filters by the 老大难 flag: no more than an hour old; a heat
        # computed as read is as of the same moment, so the pages of one hour rank alike (heat_clock)
        heat_at = heat_clock()
        qs = listed.with_public_figures().select_related("region").order_by("-heat", "-last_at", "-id")
        if params.get("region"):
            qs = qs.filter(region__code__startswith=params["region"].prefix)
        if params.get("days"):  # as /hotspots/?days=: by the period's heat
            qs = qs.active_within(params["days"], heat_at=heat_at).order_by("-period_heat", "-last_at", "-id")
        if flags:  # as /chronic/ and its 需多部门协调 tab: the regions they supervise, in its order (heat of now)
            qs = qs.filter(roles.region_q(roles.supervise_prefixes), **flags)
            if not params.get("days"):
                qs = qs.with_current_heat(heat_at).order_by("-chronic", "-current_heat", "-last_at", "-id")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = HotspotSerializer(page, many=True, context={"roles": roles}).data
        return paginator.get_paginated_response(data)


class HotspotDetail(ApiView):
    docs = {"get": Doc("热点问题详情", "返回一个热点问题及其公开留言 (最近 200 条); 标记字段的可见范围同热点列表。"
                                   "`trend` 为其公开留言逐日、逐周或逐月的条数 (同热点页面的留言趋势图)。"
                                   "不存在或不在热点列表中 (少于两条留言, 或没有已公开的留言) 为 404; 督办人员和领导还可查看其督办区划内的其他热点 "
                                   "(同网站, 如按老大难筛选列出的)。任何人可调用, 无需登录。")}

    @extend_schema(responses=HotspotDetailSerializer, tags=["insight"],
                   parameters=[OpenApiParameter("hotspot_id", int, OpenApiParameter.PATH)])
    def get(self, request, hotspot_id):
        keep_heat_current()  # its heat as the list gives it
        members = (HotspotMember.objects.filter(message__status__in=Status.public())
                   .exclude(message__kind=MessageKind.THANKS)  # counted in no hotspot (hotspots_service._readings)
                   .select_related("message").order_by("joined_at", "id"))
        roles = roles_of(request.user)
        # as its page: the public's, and for supervisors the others of their regions (listed by ?chronic=)
        hotspot = found(
            Hotspot.objects.readable_by(roles).with_public_figures().select_related("region")
            .prefetch_related(Prefetch("members", queryset=members)),
            f"热点 {hotspot_id} 不存在或您无权查看 (未公开的热点只有所在区划的督办员可见)", pk=hotspot_id)
        messages = list_queryset().filter(pk__in=[m.message_id for m in hotspot.members.all()]).order_by(
            "-submitted_at", "-id")[:200]
        data = HotspotSerializer(hotspot, context={"roles": roles}).data
        data["messages"] = MessageListSerializer(messages, many=True).data
        # the page's chart, of every public member (the list above is the latest 200)
        data["trend"] = trend_of([m.message for m in hotspot.members.all()])
        return Response(data)


class FiguresQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    topic = serializers.CharField(required=False, max_length=40, help_text="领域代码, 含下级领域")
    kind = ChoiceField(choices=Message._meta.get_field("kind").choices, required=False)
    unit = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1,
                                    help_text="办理单位编号; 0: 尚未派单 (没有主办单位的留言: 从未派单, 或退回后等待重新派单; "
                                              "按单位分组时「尚未派单」一行的 filters)")
    campaign = serializers.CharField(required=False, max_length=60, help_text="征集活动代码")
    date_from = Day(required=False, help_text="提交日期起 (含)")
    date_to = Day(required=False, help_text="提交日期止 (含)")
    own = serializers.BooleanField(required=False, help_text="只算在该区划本级提交的留言 (需要 region; "
                                                             "按区划分组时「…本级」一行的 filters)")
    addressee = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                         help_text="留言对象 (领导信箱) 编号: 只算写给它的留言, 同 /stats/?addressee=; 停用的"
                                                   "留言对象保留其历史数字")

    def validate(self, attrs):
        check_date_range(attrs)
        return attrs


class BreakdownQuery(FiguresQuery):
    by = ChoiceField(choices=[(b, b) for b in stats.BREAKDOWNS],
                                 help_text="region: 下级区划; unit: 办理单位 (open、overdue 与 overdue_unreplied 计入现在主办的单位, "
                                           "与待答复、超期清单一致; missed 计入让答复期限过去的单位; 其余计入首次答复的单位); topic: 领域; kind: 类型; "
                                           "month: 月份")


class FiguresSerializer(serializers.Serializer):
    submitted = serializers.IntegerField(help_text="全部留言: 所选期间提交的留言, 含待审核、未受理、撤回和并单的")
    pending = serializers.IntegerField(help_text="待审核")
    rejected = serializers.IntegerField(help_text="未受理")
    withdrawn = serializers.IntegerField(help_text="撤回")
    merged = serializers.IntegerField(help_text="并单")
    received = serializers.IntegerField(help_text="受理留言: 通过审核、进入办理的留言 (不含待审核、未受理、撤回和并入其他留言的)")
    replied = serializers.IntegerField(help_text="已答复")
    reply_rate = serializers.FloatField(allow_null=True, help_text="答复率 = 已答复 / 受理留言 (无受理留言时为 null)")
    on_time = serializers.IntegerField(help_text="按时答复")
    overdue_unreplied = serializers.IntegerField(help_text="超期从未答复: 超期未答复 (overdue) 中一次也没有答复过的 "
                                                       "(不含重办)")
    missed = serializers.IntegerField(help_text="误期未答复: 单位在答复期限过后退单或转办的留言 (计入该单位, 每个单位一次, "
                                                "此后由别的单位答复、重办、并单或撤回都不撤销), 以及从未答复、现已过答复期限的"
                                                "留言 (计入现在主办的单位; 期限在转来之前已过的, 计入让期限过去的单位)")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按时率 = 按时答复 / (已答复 + 误期未答复)")
    sign_due = serializers.IntegerField(help_text="应签收: 派给主办单位 (派单、转办、重办) 的留言中已签收的, 以及签收期限已过仍未签收的"
                                                  " (期限内未签收即转办或退单的不计; 期限过后才退单、此后留言人撤回的仍计); 计入派给的单位, 每次派给各算一次")
    signed_on_time = serializers.IntegerField(help_text="及时签收: 应签收中在签收期限内签收的")
    sign_on_time_rate = serializers.FloatField(allow_null=True, help_text="及时签收率 = 及时签收 / 应签收 (无应签收时为 null)")
    median_days_to_reply = serializers.FloatField(allow_null=True, help_text="答复用时中位数 (工作日)")
    mean_days_to_reply = serializers.FloatField(allow_null=True, help_text="平均答复用时: 从留言到首次答复的工作日数 (节假日不计)")
    evaluated = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="满意率")
    reopened = serializers.IntegerField()
    reopened_rate = serializers.FloatField(allow_null=True)
    extended = serializers.IntegerField()
    open = serializers.IntegerField(help_text="待答复: 已受理、正在等待答复的留言 (待派单、待签收、办理中, "
                                              "含重办后等待再次答复的)")
    overdue = serializers.IntegerField(help_text="超期未答复: 待答复且现已过答复期限 (含批准的延期) 的留言, "
                                                 "含重办后再次超期的")


# what a leader's board (/leaders/{id}/, board/_figures.html) shows, named and defined as /statistics/ names
# and defines them; counted by stats.addressees_figures, the function the board's page calls
ADDRESSEE_FIGURES = ("received", "replied", "reply_rate", "on_time", "missed", "on_time_rate", "sign_due",
                     "signed_on_time", "sign_on_time_rate", "mean_days_to_reply")
AddresseeFiguresSerializer = type("AddresseeFiguresSerializer", (serializers.Serializer,), {
    name: copy.deepcopy(FiguresSerializer._declared_fields[name]) for name in ADDRESSEE_FIGURES})


class BreakdownRowSerializer(FiguresSerializer):
    key = serializers.JSONField(help_text="分组键: 区划前缀、单位编号、领域编号、类型或月份")
    label = serializers.CharField()
    filters = serializers.DictField(child=serializers.JSONField(), help_text="查看该组明细时使用的筛选参数")
    depth = serializers.IntegerField(help_text="0: 一组; 1: 上方最近一个 0 级组的下级 (活动含多个区划或领域时, "
                                               "0 级各行之和为总数)")


def _figures(call, params):
    try:
        return call(**{k: v for k, v in params.items() if k != "by"})
    except stats.ScopeError as exc:
        # an unknown region, topic or unit in the API's words, as its other filters say it (the web pages keep theirs)
        words = {"region": unknown_region, "topic": unknown_topic, "unit": unknown_unit, "addressee": unknown_addressee}
        said = words[exc.field](exc.unknown) if exc.unknown is not None else str(exc)
        raise ApiError(said, fields={exc.field: [said]} if exc.field else None) from None


class Statistics(ApiView):
    docs = {"get": Doc("公开统计", "返回所选范围的统计数字: 全部留言、受理留言、已答复、答复率、按时率、满意率、待答复和超期未答复等, "
                                 "口径与网站的统计页面相同 (各字段的说明见下方响应结构)。可按区划、领域、类型、办理单位、征集活动、"
                                 "留言对象 (`addressee`) 和提交日期筛选; 无效的筛选条件为 400 并指明参数。任何人可调用, 无需登录。")}

    query_class = FiguresQuery

    @extend_schema(responses=FiguresSerializer, tags=["statistics"])
    def get(self, request):
        params = self.query(request)
        return Response(stats.reported(_figures(stats.compute, params)))


class StatisticsBreakdown(ApiView):
    docs = {"get": Doc("分组统计", "按 `by` 分组返回统计数字: `region` (下级区划)、`unit` (办理单位)、`topic` (领域)、`kind` (类型) "
                                 "或 `month` (月份)。每行含公开统计的全部数字, 以及分组键 `key`、名称 `label`、查看该组明细用的筛选参数 "
                                 "`filters` 和层级 `depth`。筛选条件同公开统计; 缺少或无效的 `by` 为 400。任何人可调用, 无需登录。")}

    query_class = BreakdownQuery

    @extend_schema(responses=BreakdownRowSerializer(many=True), tags=["statistics"])
    def get(self, request):
        params = self.query(request)
        # laid out as the pages and exports show it: a campaign of several regions (topics)
        # has a row for each, depth 0, with its children beneath at depth 1
        rows = _figures(lambda **f: stats.tabulate(params["by"], stats.make_scope(**f)), params)
        return Response([{**stats.reported(row), "depth": row.get("depth", 0)} for row in rows])


# --- the messages behind a figure (since 2026-12-06; before, the site's /stats/list/ and its CSV alone) ---------

LISTED_MEASURES = sorted(stats_exports.PUBLIC_MEASURES)


class FigureMessagesQuery(FiguresQuery):
    measure = ChoiceField(
        choices=[(m, stats_exports.MEASURE_LABELS[m]) for m in LISTED_MEASURES], required=False, default="received",
        error_messages={"invalid_choice": "统计项「{input}」没有公开的留言清单, 可选 " + "、".join(LISTED_MEASURES)},
        help_text="哪个数字背后的留言 (默认 received, 受理留言); 与 /stats/list/?measure= 相同; sign_late (签收超期) 每次超期签收"
                  "一行, 一件留言可有多行, 共 `sign_due` − `signed_on_time` 行; missed (误期未答复) 每个单位每次误期一行, 共 `missed` 行")
    addressee = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                         help_text="留言对象 (领导信箱) 编号: 只列写给它的留言, 即该领导留言板 (/leaders/{id}/、"
                                                   "/addressees/{id}/ 的 `figures`) 和 /statistics/?addressee= 各数字背后的留言")
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class SignForSerializer(serializers.Serializer):
    unit = UnitRefSerializer(help_text="签收单位: 这次派给的单位")
    due_at = serializers.DateTimeField(help_text="签收期限")
    signed_at = serializers.DateTimeField(allow_null=True, help_text="签收时间; 未签收为 null")


class MissSerializer(serializers.Serializer):
    unit = UnitRefSerializer(allow_null=True, help_text="误期单位: 让答复期限过去的单位; 退回后等待派单时过期的为 null (尚未派单)")
    open = serializers.BooleanField(help_text="true: 仍在该单位手中、超期未答复; false: 期限过后被该单位退回或转办 (此后无论如何都计入)")


HIDDEN_HELP = "; 已撤回、未受理的留言为 null"


class FigureMessageSerializer(MessageListSerializer):
    """A row of a figure's list. A withdrawn or 不予受理 case (``stats_exports.HIDDEN_TITLES``) carries what
    /stats/list/ shows of it alone — number, region, topic, status, times, its sign-for or miss — the rest null."""

    # what /stats/list/ does not show of a withdrawn or 不予受理 case: null in its row (since 2026-12-06 (fix); before,
    # its title, excerpt, author and link were blanked but its 留言对象, type, 我也遇到 count and 督办 were given)
    HIDDEN = ("excerpt", "kind", "kind_label", "addressee", "author_name", "support_count", "supervised", "url")

    kind = serializers.ChoiceField(choices=MessageKind.choices, allow_null=True, help_text="类型" + HIDDEN_HELP)
    kind_label = serializers.CharField(source="get_kind_display", allow_null=True, help_text="类型名称" + HIDDEN_HELP)
    author_name = serializers.CharField(source="author_public_name", allow_null=True, help_text="留言人" + HIDDEN_HELP)
    support_count = serializers.IntegerField(allow_null=True, help_text="我也遇到人数" + HIDDEN_HELP)
    supervised = serializers.BooleanField(source="ever_supervised", allow_null=True, help_text="督办 (曾被督办)" + HIDDEN_HELP)
    excerpt = serializers.SerializerMethodField(help_text="内容摘要" + HIDDEN_HELP)
    url = serializers.SerializerMethodField(help_text="留言详情的 API 地址" + HIDDEN_HELP)
    sign_for = serializers.SerializerMethodField(help_text="`measure=sign_late` 时: 这一行的超期签收; 其他统计项为 null")
    miss = serializers.SerializerMethodField(help_text="`measure=missed` 时: 这一行的误期; 其他统计项为 null")

    def get_excerpt(self, obj) -> str | None:
        return super().get_excerpt(obj)

    def get_url(self, obj) -> str | None:
        return super().get_url(obj)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if obj.status in stats_exports.HIDDEN_TITLES:
            # a late sign-for or a miss of a case its author withdrew since, or 不予受理 since: counted, and not what
            # the public may not read (its public page answers 404)
            data.update(dict.fromkeys(self.HIDDEN), title=stats_exports.HIDDEN_TITLES[obj.status])
        return data

    @extend_schema_field(MissSerializer(allow_null=True))
    def get_miss(self, obj):
        if not hasattr(obj, "miss_open"):
            return None
        unit = {"id": obj.miss_unit_key, "name": obj.miss_unit} if obj.miss_unit_key else None
        return MissSerializer({"unit": unit, "open": obj.miss_open}).data

    @extend_schema_field(SignForSerializer(allow_null=True))
    def get_sign_for(self, obj):
        if not hasattr(obj, "sign_due"):
            return None
        return SignForSerializer({"unit": {"id": obj.sign_unit_key, "name": obj.sign_unit}, "due_at": obj.sign_due,
                                  "signed_at": obj.sign_signed}).data


class StatisticsMessages(ApiView):
    docs = {"get": Doc("统计数字背后的留言", "返回公开统计某个数字背后的留言, 与网站的 /stats/list/?measure= 为同一清单 (同一函数), "
                                        "按提交时间从新到旧 (sign_late 按签收期限从早到晚), 分页; `count` 等于该数字: 同样筛选条件下 "
                                        "/statistics/ 的 `measure` 字段 (sign_late 为 `sign_due` − `signed_on_time`; submitted 只列已公开的)。"
                                        "sign_late 和 missed 也列出已撤回、未受理的留言, 只给网站清单所示的编号、区划、领域、状态、时间和签收或误期, "
                                        "标题为「留言人已撤回」「未受理的留言」, 其余 (内容、类型、留言对象、留言人、人数、督办、链接) 为 null。"
                                        "筛选条件同公开统计 (分组统计每行的 `filters` 可直接使用), 含 `addressee` (留言对象)。"
                                        "未知的统计项、无效的筛选条件为 400 并指明参数。任何人可调用, 无需登录。")}

    query_class = FigureMessagesQuery
    pagination_class = DirectoryPages

    @extend_schema(responses=FigureMessageSerializer(many=True), tags=["statistics"])
    def get(self, request):
        params = self.query(request)
        measure = params.pop("measure")
        scope = _figures(stats.make_scope, {k: v for k, v in params.items() if k not in ("page", "page_size")})
        qs = stats_exports.listed(scope, measure)
        if measure not in stats_exports.MISS_MEASURES:  # a combined query: its page reads them (``with_related``)
            qs = qs.select_related(*stats_exports.RELATED, "addressee")
        paginator = self.pagination_class()
        page = stats_exports.with_related(paginator.paginate_queryset(qs, request, view=self), measure)
        return paginator.get_paginated_response(FigureMessageSerializer(page, many=True).data)

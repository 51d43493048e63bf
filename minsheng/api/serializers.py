"""Output shapes of the REST API (and the query/body shapes of public calls).

Private fields (contact data, assignments, private events) appear only in
``StaffCaseSerializer``, which the staff views use after a scope check."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.helpers import lazy_serializer
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from minsheng.api.models import ApiToken
from minsheng.board.models import HIDDEN_EVENT_KINDS, Assignment, Event, MessageKind, Rating, handling_units
from minsheng.board.position import position_shown
from minsheng.board.views.staff_hints import replies_shown_to_others
from minsheng.board.workflow import Status

EVENT_KINDS = Event.Kind.choices

# Event data keys the public may read; the rest (contact, free-text notes of staff) stays internal.
# ``reason`` only of a closing (a code: auto, ...): the reasons of transfers, returns, extensions
# and reopenings are free text by staff or the citizen, as on the web page.
PUBLIC_EVENT_KEYS = ("lead", "assists", "to", "due_at", "days", "into", "on_time", "resolution", "attitude",
                     "speed")


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()


class RegionSerializer(RegionRefSerializer):
    parent_code = serializers.CharField(source="parent.code", allow_null=True, default=None)
    full_name = serializers.CharField()


class RegionTreeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    children = serializers.SerializerMethodField()

    @extend_schema_field(lazy_serializer("minsheng.api.serializers.RegionTreeSerializer")(many=True))
    def get_children(self, obj):
        return obj["children"]


class TopicRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TopicTreeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    keywords = serializers.CharField()
    children = serializers.SerializerMethodField()

    @extend_schema_field(lazy_serializer("minsheng.api.serializers.TopicTreeSerializer")(many=True))
    def get_children(self, obj):
        return obj["children"]


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UnitSerializer(UnitRefSerializer):
    short_name = serializers.CharField()
    kind = serializers.CharField()
    region = RegionRefSerializer()
    parent_id = serializers.IntegerField(allow_null=True)
    contact_phone = serializers.CharField(help_text="联系电话 (公开), 多个用 、 或 ; 分隔; 没有为空字符串 (2026-12-06 起)")


class AddresseeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    region = RegionRefSerializer()
    unit = UnitRefSerializer(allow_null=True)


class AddresseeRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


# --- messages -------------------------------------------------------------------

# the public 督办: ever pressed (``Message.ever_supervised``), as the message page's badge; a 转办 or 重办 does not
# take it off (review, 2026-12-07). The staff's inbox items and case give the current mark instead (STAFF_SUPERVISED_HELP)
PUBLIC_SUPERVISED_HELP = "督办: 该留言曾被督办 (转办、重办后仍为 true)"
STAFF_SUPERVISED_HELP = ("督办中: 留言到达当前主办单位以来已被督办 (派单、转办、退单、重办后为 false, "
                         "两个主办单位之一转办时不变)")


class MessageListSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    title = serializers.CharField(source="public_title")
    excerpt = serializers.SerializerMethodField()
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    region = RegionRefSerializer()
    topic = TopicRefSerializer(allow_null=True)
    addressee = AddresseeRefSerializer(allow_null=True)
    author_name = serializers.CharField(source="author_public_name")
    submitted_at = serializers.DateTimeField()
    replied_at = serializers.DateTimeField(allow_null=True)
    support_count = serializers.IntegerField()
    supervised = serializers.BooleanField(source="ever_supervised", help_text=PUBLIC_SUPERVISED_HELP)
    url = serializers.SerializerMethodField()

    def get_excerpt(self, obj) -> str:
        return obj.public_body[:80]

    def get_url(self, obj) -> str:
        return reverse("api:message-detail", args=[obj.public_id])


class SupportedListSerializer(MessageListSerializer):
    """A list item of 我也遇到的: when the caller said 我也遇到 on it (the list's order)."""

    supported_at = serializers.DateTimeField()


class SimilarMessageSerializer(MessageListSerializer):
    """A public message in hand like the one being typed (the post form's 已有相似留言 box):
    ``similarity`` set on it by the view; whether it is the caller's own, or one they said 我也遇到 on."""

    similarity = serializers.FloatField(help_text="相似度 (0–1)")
    mine = serializers.SerializerMethodField(help_text="调用者自己的留言 (不能点「我也遇到」); 没有个人凭据 (未登录, 或用 Open311 API key) 为 null")
    supported = serializers.SerializerMethodField(help_text="调用者已点过「我也遇到」; 没有个人凭据 (未登录, 或用 Open311 API key) 为 null")

    def get_mine(self, obj) -> bool | None:
        user = self.context.get("user")
        return obj.author_id == user.pk if user is not None else None

    def get_supported(self, obj) -> bool | None:
        supported = self.context.get("supported")
        return obj.pk in supported if supported is not None else None


class SimilarMessagesSerializer(serializers.Serializer):
    """GET/POST /messages/similar/: the post form's 已有相似留言 box and the line above its 所在区划."""

    results = SimilarMessageSerializer(many=True, help_text="相似留言, 最相似的在前, 至多 5 条; 没有时为 []")
    region_hint = RegionSerializer(allow_null=True, help_text=(
        "留言提到的下级区划 (网站留言表单在所在区划上方提示「留言提到「七里河区」: 选为所在区划」): 未选区划或所选为省、"
        "市级时, 标题或内容提到的其下级区划, 可提示用户选为 `region`; 已选为该区划 (或已选到区县、乡镇)、内容未提到区划、"
        "提到的区划不在所选区划内或无人受理时为 null"))


SUBMITTED_BY_HELP = ("由…代为提交: 以留言人的手机号或邮箱代为提交这条留言的接入系统 (Open311 key) 的名称, 该 key 删除后为"
                     "「接入系统」; 本人提交的留言为 null (本人的网页显示「由 <名称> 代为提交」)")
CONTACT_NAME_HELP = ("联系人: Open311 请求给出的来电人称呼 (last_name + first_name, 如 王先生), 回电时据此称呼; "
                     "没有给出为 \"\"。从不公开")


RESUBMISSION_OF_HELP = "修改后重新提交: 这条留言重新提交的、本人未受理的留言的编号; 不是重新提交的为 null"
RESUBMITTED_AS_HELP = "修改后重新提交: 这条未受理的留言已重新提交为的新留言的编号 (只能重新提交一次); 没有为 null"


class OwnListSerializer(MessageListSerializer):
    """A list item for the author: the text as written; its url reads it in every status
    (the public one is a 404 until the message is accepted)."""

    title = serializers.CharField()
    submitted_by = serializers.SerializerMethodField(help_text=SUBMITTED_BY_HELP)
    resubmission_of = serializers.SerializerMethodField(help_text=RESUBMISSION_OF_HELP)
    resubmitted_as = serializers.SerializerMethodField(help_text=RESUBMITTED_AS_HELP)

    def get_resubmission_of(self, obj) -> str | None:
        # read with select_related("resubmission_of"): no query of its own
        return obj.resubmission_of.public_id if obj.resubmission_of_id else None

    def get_resubmitted_as(self, obj) -> str | None:
        # read with select_related("resubmitted_as"): a reverse one-to-one with none raises
        new = getattr(obj, "resubmitted_as", None)
        return new.public_id if new is not None else None

    def get_excerpt(self, obj) -> str:
        return obj.body[:80]

    def get_url(self, obj) -> str:
        return reverse("api:my-message", args=[obj.public_id])

    def get_submitted_by(self, obj) -> str | None:
        # read with select_related("open311__api_key"): no query of its own
        request = getattr(obj, "open311", None)
        if request is None:
            return None
        return (request.api_key.name if request.api_key else "") or "接入系统"


class DispatchTopicSerializer(TopicRefSerializer):
    id = serializers.IntegerField()


class DispatchReadingSerializer(serializers.Serializer):
    """The machine reading the web 派单队列 shows on a row (its 类型 · 领域 column), as stored when the
    case was read: the fields and values of suggestion/, with the row's words (``shown``)."""

    topic = DispatchTopicSerializer(source="predicted_topic", allow_null=True,
                                   help_text="预测领域 (id、代码、名称); 模型给出的领域不在领域表中时为 null")
    topic_confidence = serializers.FloatField(allow_null=True, help_text="领域置信度 (0–1)")
    kind = serializers.CharField(source="predicted_kind", help_text="预测留言类型, 未知为空")
    kind_label = serializers.SerializerMethodField(help_text="预测类型的中文名, 如「投诉」; 未知为空")
    kind_confidence = serializers.FloatField(allow_null=True, help_text="类型置信度 (0–1)")
    prefill = serializers.SerializerMethodField(help_text="领域置信度达到预填门槛 (与 suggestion/ 的 prefill 相同)")
    kind_prefill = serializers.SerializerMethodField(
        help_text="类型置信度达到预填门槛 (与 suggestion/ 的 kind_prefill 相同)")
    shown = serializers.SerializerMethodField(
        help_text="派单队列该行对预测领域的说法:「预测: <领域>」(达到预填门槛)、「未分类 (机器猜测: <领域>, 置信度低)」"
                  "或「未分类」(没有预测领域); 留言人已选领域时, 该行显示其所选领域")

    def get_kind_label(self, obj) -> str:
        return MessageKind(obj.predicted_kind).label if obj.predicted_kind in MessageKind.values else ""

    def get_prefill(self, obj) -> bool:
        return obj.predicted_topic is not None and (obj.topic_confidence or 0.0) >= settings.MINSHENG_PREFILL_CONFIDENCE

    def get_kind_prefill(self, obj) -> bool:
        return (obj.predicted_kind in MessageKind.values
                and (obj.kind_confidence or 0.0) >= settings.MINSHENG_PREFILL_CONFIDENCE)

    def get_shown(self, obj) -> str:
        if obj.predicted_topic is None:
            return "未分类"
        if self.get_prefill(obj):
            return f"预测: {obj.predicted_topic.name}"
        return f"未分类 (机器猜测: {obj.predicted_topic.name}, 置信度低)"


EXTENSION_PENDING_HELP = ("延期待审批: 本件主办单位 (联合办理时任一主办单位) 的延期申请正等待督办员审批, 同调用者待办页该行的"
                          "「延期待审批」: 调用者的单位主办本件时如此; 只协办本件时为 false (协办单位的行不显示); 调用者的单位不办理本件 "
                          "(督办员、派单员、管理员) 时, 有主办单位的申请待审批即为 true; 审批 (同意或不同意) 后, 或该单位答复、转办、"
                          "退单使申请失效后为 false")


# since 2026-12-07: the 督办 made since the case reached its current lead unit(s) (the web lists'
# 「已督办 2 次 (最近 12-05 14:30)」); a 派单, 转办, 退单 or 重办 clears them with ``supervised`` (actions.LEAD_CHANGES)
SUPERVISED_COUNT_HELP = "督办次数: 留言到达当前主办单位以来的督办次数 (派单、转办、退单、重办后归零, 督办记录仍保留); 未督办为 0"
LAST_SUPERVISED_HELP = "最近督办时间: 留言到达当前主办单位以来最近一次督办的时间; 未督办为 null"


def units_named(message, role: str) -> list[dict]:
    """``board.models.handling_units`` of ``message`` in ``role``, as ``{id, name}``: what the 督办 page's rows name."""
    return [{"id": a.unit_id, "name": a.unit.name} for a in handling_units(message, role)]


class HandlingUnitsSerializer(serializers.Serializer):
    """``lead_units`` and ``assist_units`` (since 2026-12-07): the staff inbox's items and the case, by one function."""

    lead_units = serializers.SerializerMethodField(
        help_text="主办单位: 现在办理本件的主办单位 (联合办理时两个); 已答复、已办结的为答复那一轮的主办单位, 同督办页; "
                  "退单后尚未重新派单、尚未派单的为空列表 (督办页的「尚未派单」)")
    assist_units = serializers.SerializerMethodField(
        help_text="协办单位: 现在协办本件的单位 (已答复、已办结的为答复那一轮的); 没有协办单位或尚未派单的为空列表")

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_lead_units(self, obj):
        return units_named(obj, Assignment.Role.LEAD)

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_assist_units(self, obj):
        return units_named(obj, Assignment.Role.ASSIST)


@extend_schema_serializer(deprecate_fields=["overdue"])
class InboxItemSerializer(HandlingUnitsSerializer, OwnListSerializer):
    """A list item for staff: the text as written, the reply deadline and whether it has
    passed, and in the dispatch box its near-duplicates (the queue page's 疑似重复); its url is
    the case, where the actions are."""

    due_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()  # the case's name (MessageDetailSerializer)
    # its first name, kept so that integrators reading it do not break
    overdue = serializers.BooleanField(source="is_overdue", help_text="deprecated: the same as is_overdue")
    duplicate_count = serializers.SerializerMethodField(
        help_text="疑似重复: 留言页提供并单的相近留言件数 (最相近的 5 件, 加上自动派单暂缓时所依据的其余在办留言: "
                  "与 suggestion 的 duplicates 件数相同), 即派单队列的角标; 只在 box=dispatch 中给出 (其他箱为 null, "
                  "查找失败时也为 null)")

    reading = serializers.SerializerMethodField(
        help_text="机器阅读 (since 2026-12-05): 派单队列每行显示的预测领域、类型及置信度和是否达到预填门槛, 字段与 "
                  "suggestion/ 相同; 只在 box=dispatch 中给出 (其他箱为 null), 未经机器阅读 (没有模型或阅读失败) 的留言为 null")
    role = serializers.SerializerMethodField(
        help_text="`lead` (主办, 待办页的待办标签) 或 `assist` (协办, 其协办标签): 调用者所在单位办理本件时的角色; "
                  "调用者的单位都不在办理本件时为 null")

    extension_pending = serializers.BooleanField(help_text=EXTENSION_PENDING_HELP)  # annotated by the Inbox view
    supervised = serializers.BooleanField(help_text=STAFF_SUPERVISED_HELP)
    supervised_count = serializers.IntegerField(help_text=SUPERVISED_COUNT_HELP)
    last_supervised_at = serializers.DateTimeField(allow_null=True, help_text=LAST_SUPERVISED_HELP)

    submitted_by = resubmission_of = resubmitted_as = None  # the citizen's own lists only

    def get_url(self, obj) -> str:
        return reverse("api:staff-case", args=[obj.public_id])

    def get_role(self, obj) -> str | None:
        return getattr(obj, "unit_role", None)

    @extend_schema_field(DispatchReadingSerializer(allow_null=True))
    def get_reading(self, obj):
        # read with select_related("predicted_topic"): no query of its own
        if not self.context.get("reading") or obj.classified_at is None:
            return None
        return DispatchReadingSerializer(obj).data

    def get_duplicate_count(self, obj) -> int | None:
        duplicates = self.context.get("duplicates")
        return None if duplicates is None else duplicates.get(obj.pk)


class ReplySerializer(serializers.Serializer):
    unit = UnitRefSerializer()
    body = serializers.CharField()
    round = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class SimilarAnswerSerializer(serializers.Serializer):
    """A past answered message like the case, with its latest reply (the reply form's 相似的已答复留言):
    what the public reads of it, personal data hidden."""

    public_id = serializers.CharField()
    title = serializers.CharField(source="public_title")
    excerpt = serializers.SerializerMethodField(help_text="留言内容的前 200 字 (全文见 url)")
    region = RegionRefSerializer()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    similarity = serializers.FloatField(help_text="相似度 (0–1)")
    reply = ReplySerializer(source="latest_reply", help_text="该留言最新的一条答复")
    url = serializers.SerializerMethodField()

    def get_excerpt(self, obj) -> str:
        return obj.public_body[:200]

    get_url = MessageListSerializer.get_url


class EvaluationSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Rating.choices)
    attitude = serializers.ChoiceField(choices=Rating.choices)
    speed = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(source="public_comment")
    created_at = serializers.DateTimeField()


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    label = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField()
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    detail = serializers.SerializerMethodField()

    @extend_schema_field({"type": "object", "additionalProperties": True})
    def get_detail(self, obj) -> dict:
        data = obj.data or {}
        detail = {k: v for k, v in data.items() if k in PUBLIC_EVENT_KEYS}
        if obj.kind == Event.Kind.CLOSED and "reason" in data:
            detail["reason"] = data["reason"]
        if obj.kind == Event.Kind.MERGED and (obj.message is None or obj.message.public_main is None):
            detail.pop("into", None)
        return detail


class PhotoSerializer(serializers.Serializer):
    url = serializers.CharField(source="file.url")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    content_type = serializers.CharField()


POSITION_HELP = ("纬度/经度 (WGS84); 留言人本人、有权办理该留言的工作人员和提交该请求的 Open311 接入密钥为提交时的位置 (6 位小数), 其他人为四舍五入到 3 位小数 "
                 "(约 100 米) 的位置 (2026-12-06 起); 没有位置为 null")


class MessageDetailSerializer(MessageListSerializer):
    body = serializers.CharField(source="public_body")
    address = serializers.CharField(source="public_address")
    latitude = serializers.SerializerMethodField(help_text=POSITION_HELP)
    longitude = serializers.SerializerMethodField(help_text=POSITION_HELP)
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    duplicate_of = serializers.SerializerMethodField(help_text="并单: 主留言的编号 (主留言公开后给出)")
    replies = serializers.SerializerMethodField(
        help_text="答复; 留言人 (及并入的留言的留言人) 的个人信息部分隐藏, 如 王**, 139****5678")
    main_case_replies = serializers.SerializerMethodField(
        help_text="并单: 并入的留言由主留言 (duplicate_of) 一并答复, 这里是主留言的答复")
    evaluations = EvaluationSerializer(many=True)
    timeline = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, source="attachments.all")

    exact_position = False  # the author's and the staff's serializers: True

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_latitude(self, obj) -> float | None:
        return self._position(obj)[0]

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_longitude(self, obj) -> float | None:
        return self._position(obj)[1]

    def _position(self, obj):
        return position_shown(obj, self.exact_position or self.context.get("exact_position", False))

    @extend_schema_field({"type": "string", "nullable": True})
    def get_duplicate_of(self, obj) -> str | None:
        return obj.public_main.public_id if obj.public_main else None

    @extend_schema_field(ReplySerializer(many=True))
    def get_replies(self, obj):
        return ReplySerializer(replies_shown_to_others(obj, obj.replies.all()), many=True).data

    @extend_schema_field(ReplySerializer(many=True))
    def get_main_case_replies(self, obj):
        main = obj.public_main
        if main is None:
            return []
        replies = main.replies.select_related("unit").order_by("published_at")
        return ReplySerializer(replies_shown_to_others(main, replies), many=True).data

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, obj):
        events = [e for e in obj.events.all() if e.public and e.kind not in HIDDEN_EVENT_KINDS]
        return TimelineEntrySerializer(events, many=True).data


class OwnMessageSerializer(MessageDetailSerializer):
    """The author's view: also what only the author may know (the text as written, the exact position)."""

    exact_position = True

    title = serializers.CharField()
    body = serializers.CharField()
    address = serializers.CharField()
    reject_reason = serializers.CharField()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    contact_name = serializers.CharField(help_text=CONTACT_NAME_HELP)
    show_name = serializers.BooleanField()
    reopen_count = serializers.IntegerField()
    can_reopen = serializers.SerializerMethodField()
    submitted_by = serializers.SerializerMethodField(help_text=SUBMITTED_BY_HELP)
    resubmission_of = serializers.SerializerMethodField(help_text=RESUBMISSION_OF_HELP)
    resubmitted_as = serializers.SerializerMethodField(help_text=RESUBMITTED_AS_HELP)

    get_submitted_by = OwnListSerializer.get_submitted_by
    get_resubmission_of = OwnListSerializer.get_resubmission_of
    get_resubmitted_as = OwnListSerializer.get_resubmitted_as

    def get_can_reopen(self, obj) -> bool:
        from minsheng.board.actions import can_reopen

        return can_reopen(obj)

    get_url = OwnListSerializer.get_url


class OwnEvaluationSerializer(EvaluationSerializer):
    comment = serializers.CharField()  # the author's own words, as written


POSITION_NOTE_HELP = ("位置提示 (2026-12-07 起): 标注的位置远离所选区划时说明约多少公里 (按该区划其他公开留言的位置估算; 区划本身没有坐标; "
                      "远指超过这些位置分布范围的两倍且超过 20 公里), 如「标注的位置距所选区划「七里河区」约 917 公里 …」; 位置照样保存。"
                      "没有位置、不远或无从判断时为空字符串。")


class OwnMessageCreatedSerializer(OwnMessageSerializer):
    """``POST /messages/``'s answer: the author's view, and what the position sent says (``position_note``)."""

    position_note = serializers.SerializerMethodField(help_text=POSITION_NOTE_HELP)

    def get_position_note(self, obj) -> str:
        # read at the first post and passed in (a replay answers it again: idempotency.once)
        return self.context["position_note"]


class ExportMessageSerializer(OwnMessageSerializer):
    """A message in the author's copy of their data (我的数据: accounts.rights.my_data): as their own
    page shows it, with their ratings as written and the reasons they gave for 重办."""

    evaluations = OwnEvaluationSerializer(many=True)
    reopen_requests = serializers.SerializerMethodField()

    def get_reopen_requests(self, obj) -> list[dict]:
        return [{"at": timezone.localtime(e.at).isoformat(), "reason": (e.data or {}).get("reason", "")}
                for e in obj.events.all() if e.kind == Event.Kind.REOPENED and e.actor_id == obj.author_id]


# 我的数据 (GET /me/data/), as the OpenAPI document describes it: accounts.rights.my_data builds it
class MyDataAccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    phone = serializers.CharField(help_text="手机号, 没有为空字符串")
    email = serializers.CharField(help_text="邮箱, 没有为空字符串")
    display_name = serializers.CharField(help_text="昵称")
    phone_verified = serializers.BooleanField()
    email_verified = serializers.BooleanField()
    sms_notices = serializers.BooleanField(help_text="是否接收短信通知")
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    privacy_consented_at = serializers.DateTimeField(allow_null=True, help_text="同意隐私政策的时间")
    privacy_version = serializers.CharField(help_text="同意的隐私政策版本, 未同意为空字符串")


class MyDataSupportSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    title = serializers.CharField()
    supported_at = serializers.DateTimeField()


class MyDataNotificationSerializer(serializers.Serializer):
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class MyDataTokenSerializer(serializers.Serializer):
    name = serializers.CharField()
    key_prefix = serializers.CharField(help_text="令牌的前几位, 用于辨认; 令牌本身不在其中")
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, help_text="read 只读, write 读写")
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class MyDataSerializer(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    account = MyDataAccountSerializer()
    messages = ExportMessageSerializer(many=True)
    supported = MyDataSupportSerializer(many=True)
    notifications = MyDataNotificationSerializer(many=True)
    api_tokens = MyDataTokenSerializer(many=True)


# --- staff -----------------------------------------------------------------------

class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = UnitRefSerializer()
    role = serializers.CharField()
    state = serializers.CharField()
    round = serializers.IntegerField()
    assigned_at = serializers.DateTimeField()
    sign_due_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    handler = AuthorSerializer(allow_null=True, help_text="承办人: 单位负责人指派的本单位人员; 未指派为 null")


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    days = serializers.IntegerField()
    reason = serializers.CharField()
    state = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class StaffEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    label = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField()
    public = serializers.BooleanField()
    # null: the system (automatic dispatch, reading); 留言人: the message's author (Event.who)
    actor = serializers.CharField(source="who", allow_null=True, default=None)
    unit = serializers.CharField(source="unit.name", allow_null=True, default=None)
    data = serializers.DictField(child=serializers.JSONField())


class Open311MediaSerializer(serializers.Serializer):
    media_url = serializers.CharField()
    media_state = serializers.CharField(help_text="'' 待取回, fetched 已取回, failed 未能取回")
    media_error = serializers.CharField()


QUALITY_PARTS = ("relevance", "completeness", "interpretability", "timeliness")


class QualityExplainedSerializer(serializers.Serializer):
    """What each part short of full marks (under 100 % as shown) found and what it misses, as the
    reply form says it beside the part; null for a part at full marks."""

    relevance = serializers.CharField(allow_null=True, help_text="相关性: 答复提到和未提到的留言关键词")
    completeness = serializers.CharField(allow_null=True, help_text="完整性: 留言的问题或诉求, 已回应和未回应的")
    interpretability = serializers.CharField(allow_null=True, help_text="可解释性: 已说明和未说明的事实依据、措施、联系方式")
    timeliness = serializers.CharField(allow_null=True, help_text="及时性: 超过答复期限 (或留言后 15 天) 多久")


class ReplyQualitySerializer(serializers.Serializer):
    """答复质量 as the reply form shows it (docs/answer-quality.md)."""

    score = serializers.FloatField(allow_null=True, help_text="0–100")
    relevance = serializers.FloatField(allow_null=True, help_text="相关性 0–1")
    completeness = serializers.FloatField(allow_null=True, help_text="完整性 0–1")
    interpretability = serializers.FloatField(allow_null=True, help_text="可解释性 0–1")
    timeliness = serializers.FloatField(allow_null=True, help_text="及时性 0–1, 未知为空")
    boilerplate = serializers.BooleanField(help_text="套话")
    reasons = serializers.ListField(child=serializers.CharField())
    missed = serializers.ListField(child=serializers.CharField(), help_text="留言中未回应的问题 (每个至多 30 字)")
    explained = QualityExplainedSerializer(allow_null=True, help_text="各项未满分的说明 (满分的项为空); 2026-12-04 前发布的答复没有说明, 为空")


def quality_shown(q: dict) -> dict:
    """A score of ``score_reply`` (stored in ``Reply.quality`` or just made) in the API's shape:
    every key present, ``explained`` null where it was not made (replies stored before it was)."""
    explained = q.get("explained")
    return {name: q.get(name) for name in ("score", *QUALITY_PARTS)} | {
        "boilerplate": bool(q.get("boilerplate")), "reasons": list(q.get("reasons") or []),
        "missed": list(q.get("missed") or []),
        "explained": None if explained is None else {name: explained.get(name) or None for name in QUALITY_PARTS}}


class ReplyPreviewSerializer(ReplyQualitySerializer):
    """The score of a draft reply, as the reply form's 预览 shows it; nothing is stored."""

    body = serializers.CharField(help_text="答复内容, 按发布时的样子 (去掉首尾空白)")
    personal_data = serializers.CharField(help_text="答复含有留言人个人信息时的警告 (请勿发布); 否则为空字符串")


class StaffReplySerializer(ReplySerializer):
    quality = serializers.SerializerMethodField(help_text="答复质量; 未评分的答复为空")

    @extend_schema_field(ReplyQualitySerializer(allow_null=True))
    def get_quality(self, obj):
        return quality_shown(obj.quality) if obj.quality else None


def hotspot_flags_shown(context: dict, hotspot) -> bool:
    """Whether the caller (``context["roles"]``) reads ``hotspot``'s 老大难 / 需多部门协调 and
    supervisors' figures: in the regions they supervise, as /chronic/ (``Hotspot.flags_shown_to``)."""
    roles = context.get("roles")
    return roles is not None and hotspot.flags_shown_to(roles)


class CaseHotspotSerializer(serializers.Serializer):
    """The hotspot a case belongs to, as the staff case page shows it."""

    id = serializers.IntegerField()
    title = serializers.CharField(help_text="问题描述")
    message_count = serializers.IntegerField(help_text="留言数 (含尚在审核的)")
    public = serializers.BooleanField(source="is_public",
                                      help_text="已公开: /hotspots/{id}/ 和 GET /api/v1/hotspots/{id}/ 可以查看")
    chronic = serializers.SerializerMethodField(help_text="老大难 (所督办的区划内的督办人员和领导可见; 其他人为 null)")
    needs_coordination = serializers.SerializerMethodField(help_text="需多部门协调 (所督办的区划内的督办人员和领导可见; 其他人为 null)")

    # for supervisors and leaders in their regions, as on the hotspot pages and GET /api/v1/hotspots/
    def get_chronic(self, obj) -> bool | None:
        return obj.chronic if hotspot_flags_shown(self.context, obj) else None

    def get_needs_coordination(self, obj) -> bool | None:
        return obj.needs_coordination if hotspot_flags_shown(self.context, obj) else None


class StaffCaseSerializer(HandlingUnitsSerializer, MessageDetailSerializer):
    exact_position = True  # a case in the caller's scope (the view's)
    # the case page's note (one case's read: a few queries, never in a list)
    position_note = serializers.SerializerMethodField(help_text=POSITION_NOTE_HELP)
    title = serializers.CharField()  # staff read the text as written
    replies = StaffReplySerializer(many=True)
    body = serializers.CharField()
    address = serializers.CharField()
    version = serializers.IntegerField()
    author = AuthorSerializer()
    contact_phone = serializers.CharField()
    contact_email = serializers.CharField()
    contact_name = serializers.CharField(help_text=CONTACT_NAME_HELP)
    reject_reason = serializers.CharField()
    supervision_note = serializers.CharField()
    supervised = serializers.BooleanField(help_text=STAFF_SUPERVISED_HELP)
    supervised_count = serializers.IntegerField(help_text=SUPERVISED_COUNT_HELP)
    last_supervised_at = serializers.DateTimeField(allow_null=True, help_text=LAST_SUPERVISED_HELP)
    reopen_count = serializers.IntegerField()
    predicted_topic = TopicRefSerializer(allow_null=True)
    topic_confidence = serializers.FloatField(allow_null=True)
    predicted_kind = serializers.CharField(help_text="机器预测的留言类型 (提交后的机器阅读); 尚未预测为空")
    kind_confidence = serializers.FloatField(allow_null=True, help_text="类型置信度; 尚未预测为 null")
    assignments = AssignmentSerializer(many=True)
    extensions = serializers.SerializerMethodField()
    extension_pending = serializers.BooleanField(help_text=EXTENSION_PENDING_HELP)  # annotated (case_response)
    events = StaffEventSerializer(many=True)
    open311 = serializers.SerializerMethodField()
    hotspot = serializers.SerializerMethodField(help_text="本件所属的热点问题 (两条以上留言); 不属于任何热点为 null")
    resubmission_of = serializers.SerializerMethodField(
        help_text="修改后重新提交: 本件是留言人修改后重新提交的, 原留言 (未受理) 的编号, 同办件页的「重新提交: 原留言 编号 …」; "
                  "不是重新提交的为 null")
    resubmission_of_reason = serializers.SerializerMethodField(
        help_text="原留言不予受理的理由, 供核对本次是否已按此修改; 不是重新提交的为 null")

    get_url = InboxItemSerializer.get_url
    get_resubmission_of = OwnListSerializer.get_resubmission_of

    def get_position_note(self, obj) -> str:
        from minsheng.board.position import far_from_region

        far = far_from_region(obj)
        return "" if far is None else far.note()

    def get_resubmission_of_reason(self, obj) -> str | None:
        return obj.resubmission_of.reject_reason if obj.resubmission_of_id else None

    def to_representation(self, instance):
        """The citizen's contact data, account name and exact position only for those the case page shows them
        to (``shows_contact``): a unit the case has left (转办, 退单) read them here while its page hid them."""
        from minsheng.board.views.staff import shows_contact

        data = super().to_representation(instance)
        roles = self.context.get("roles")
        if roles is None or not shows_contact(roles, instance, instance.assignments.all()):
            # the position as the public reads it too: a point at home is as private as the phone (review of
            # 2026-12-07: a unit the case had left read it as sent here and, to 4 decimals, on the case page)
            latitude, longitude = position_shown(instance, exact=False)
            data.update(contact_phone="", contact_email="", contact_name="",
                        author={"id": instance.author_id, "name": instance.author_public_name},
                        latitude=latitude, longitude=longitude)
        return data

    @extend_schema_field(CaseHotspotSerializer(allow_null=True))
    def get_hotspot(self, obj):
        from minsheng.insight.hotspots_service import hotspot_of

        hotspot = hotspot_of(obj)
        return CaseHotspotSerializer(hotspot, context=self.context).data if hotspot else None

    @extend_schema_field(Open311MediaSerializer(allow_null=True))
    def get_open311(self, obj):
        """The photo link of a request posted through Open311 and whether it was fetched."""
        from .models import Open311Request

        o311 = Open311Request.objects.filter(message=obj).exclude(media_url="").first()
        return Open311MediaSerializer(o311).data if o311 else None

    @extend_schema_field(ExtensionSerializer(many=True))
    def get_extensions(self, obj):
        rows = [e for a in obj.assignments.all() for e in a.extensions.all()]
        rows.sort(key=lambda e: e.requested_at)
        return ExtensionSerializer(rows, many=True).data


# --- tokens ----------------------------------------------------------------------

class DuplicateSerializer(serializers.Serializer):
    """A near-duplicate the case page offers for 并单: its public_id is ``into`` of ``merge/``."""

    public_id = serializers.CharField(source="message.public_id")
    title = serializers.CharField(source="message.shown_title",
                                  help_text="标题; 调用者不能打开其办件的 (如区县派单员看到的市本级留言), 同公开页面隐去个人信息")
    status = serializers.CharField(source="message.status")
    status_label = serializers.CharField(source="message.get_status_display")
    similarity = serializers.FloatField(help_text="相似度 (0–1), 派单页面所示")
    held = serializers.BooleanField(help_text="自动派单因该件 (在办) 暂缓: 暂缓记录所列的留言, 不在最相似的 5 条之内时也列出")


class BatchPlanSerializer(serializers.Serializer):
    """What dispatch-batch/ (按建议派单) would dispatch the case to now: the dispatch form's preselection
    (batch_dispatch.Plan), which an ``items`` entry of dispatch-batch/ states back."""

    lead = UnitRefSerializer(source="prefill.lead", allow_null=True, help_text="主办单位; null: 无建议")
    assists = UnitRefSerializer(source="prefill.assists", many=True, help_text="协办单位")
    topic = TopicRefSerializer(source="prefill.topic", allow_null=True, help_text="派单后的领域")
    kind = serializers.CharField(source="prefill.kind", help_text="改定的留言类型; 空: 保留留言人所选")
    reason = serializers.CharField(source="why_not", help_text="现在不能按建议派单的原因; 能则为空")


class SuggestionSerializer(serializers.Serializer):
    """What the dispatcher's form proposes (docs/routing.md)."""

    topic = TopicRefSerializer(allow_null=True, help_text="预测领域 (或尚未预测时现场预测)")
    topic_confidence = serializers.FloatField(allow_null=True)
    kind = serializers.CharField(help_text="预测留言类型, 未知为空")
    kind_confidence = serializers.FloatField(allow_null=True)
    region = RegionRefSerializer(allow_null=True, help_text="留言人所选区划, 或从正文识别的下级区划")
    region_from_text = serializers.BooleanField()
    lead = UnitRefSerializer(allow_null=True, help_text="权责清单给出的主办单位")
    assists = UnitRefSerializer(many=True)
    reason = serializers.CharField(help_text="如: 城乡建设 in 兰州市 → 兰州市住房和城乡建设局")
    reason_shown = serializers.CharField(
        source="reason_in_words",
        help_text="派单表单上显示的中文理由, 如: 权责清单: 兰州市 · 城乡建设 → 兰州市住房和城乡建设局 (区划「七里河区」取自留言内容)")
    prefill = serializers.BooleanField(help_text="领域置信度达到预填门槛")
    kind_prefill = serializers.BooleanField(help_text="类型置信度达到预填门槛")
    units_prefill = serializers.BooleanField(
        help_text="派单表单预选主办/协办单位; 为 false 时单位依据置信度较低的机器猜测领域 (留言人未选领域), 仅供参考")
    history = UnitRefSerializer(allow_null=True, help_text="历史派单参考: 类似留言最终由该单位主办")
    history_confidence = serializers.FloatField(allow_null=True)
    duplicates = serializers.SerializerMethodField(
        help_text="疑似重复: 留言页提供并单 (并入) 的留言, 最相似的在前: 最相近的 5 件, 加上本件自动派单暂缓时所依据、"
                  "不在其中的在办留言 (held); 不负责本件区划派单的调用者为 null")

    batch = serializers.SerializerMethodField(
        help_text="按建议派单 (dispatch-batch/) 现在会把本件派往何处 (派单队列页的「建议承办单位」); "
                  "不负责本件区划派单的调用者为 null")

    @extend_schema_field(BatchPlanSerializer(allow_null=True))
    def get_batch(self, obj):
        plan = self.context.get("batch")
        return None if plan is None else BatchPlanSerializer(plan).data

    @extend_schema_field(DuplicateSerializer(many=True, allow_null=True))
    def get_duplicates(self, obj):
        found, held = self.context.get("duplicates"), set(self.context.get("held", ()))
        return None if found is None else [DuplicateSerializer({"message": m, "similarity": round(score, 4),
                                                                "held": m.public_id in held}).data
                                           for m, score in found]


class BatchOutcomeSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    title = serializers.CharField(help_text="空: 找不到或不在您负责派单的区划内")
    dispatched = serializers.BooleanField()
    lead = UnitRefSerializer(allow_null=True, help_text="派往的主办单位; 未派单为 null")
    assists = UnitRefSerializer(many=True)
    reason = serializers.CharField(help_text="未派单的原因; 已派单为空")


class DispatchBatchSerializer(serializers.Serializer):
    dispatched = serializers.IntegerField(help_text="已派单件数")
    skipped = serializers.IntegerField(help_text="未派单件数")
    results = BatchOutcomeSerializer(many=True, help_text="每件的结果, 按请求中的顺序")


class AssignOutcomeSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    title = serializers.CharField(help_text="空: 找不到或不在您负责的单位办理")
    assigned = serializers.BooleanField()
    code = serializers.ChoiceField(choices=["assigned", "already", "not_found", "not_head", "not_held", "conflict",
                                            "refused"], help_text=(
        "assigned 已指派; 未指派的原因: already 已由该承办人承办, not_found 找不到或不在您负责的单位办理, not_head 您不是"
        "该件办理单位的负责人, not_held 该单位已不再办理 (已答复、转办或退回), conflict 刚被他人改派, refused 其他"))
    unit = UnitRefSerializer(allow_null=True, help_text="为哪个单位指派; 找不到的为 null")
    reason = serializers.CharField(help_text="未指派的原因; 已指派为空")


class AssignBatchSerializer(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="已指派件数")
    skipped = serializers.IntegerField(help_text="未指派件数")
    handler = AuthorSerializer(help_text="承办人")
    results = AssignOutcomeSerializer(many=True, help_text="每件的结果, 按请求中的顺序")


class AgreementSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="有机器预测的派单件数")
    agree = serializers.IntegerField(help_text="其中预测与派单一致的件数")
    rate = serializers.FloatField(allow_null=True)


class ReadingTopicSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="派单领域")
    n = serializers.IntegerField()
    found = serializers.IntegerField(help_text="机器也判为该领域的件数")
    predicted = serializers.IntegerField(help_text="机器判为该领域的件数 (任何派单领域)")
    recall = serializers.FloatField(allow_null=True)
    precision = serializers.FloatField(allow_null=True)
    confused_with = serializers.ListField(child=serializers.ListField(), help_text="[误判领域, 件数], 最多两项")


class ReadingSerializer(serializers.Serializer):
    """机器阅读表现 (docs/classification.md)."""

    since = serializers.DateTimeField()
    until = serializers.DateTimeField()
    days = serializers.IntegerField()
    threshold = serializers.FloatField(help_text="预填置信度门槛")
    read = serializers.IntegerField(help_text="期间机器读过的留言")
    unread = serializers.IntegerField(help_text="期间提交但未能自动分类的留言")
    topic = AgreementSerializer()
    topic_sure = AgreementSerializer(help_text="置信度达到门槛 (表单已预填)")
    topic_unsure = AgreementSerializer()
    kind = AgreementSerializer()
    topics = ReadingTopicSerializer(many=True)
    auto_dispatched = serializers.IntegerField()
    auto_rerouted = serializers.IntegerField(help_text="自动派单后被转办或退回的件数")
    models = serializers.ListField(child=serializers.DictField(), help_text="在用模型的 model.json 摘要")


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=60)
    key_prefix = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)


class NewTokenSerializer(TokenSerializer):
    key = serializers.CharField(read_only=True, help_text="只显示这一次, 请立即保存")

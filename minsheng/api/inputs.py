"""Validation of query strings and request bodies. A bad value is a 400 with the
field named, never a 500."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from minsheng.board.actions import INVALID_CHOICE, REASON_MAX_CHARS, REPLY_MAX_CHARS
from minsheng.board.batch_dispatch import BATCH_MAX
from minsheng.board.bulk import BULK_MAX
from minsheng.board.forms import require_words
from minsheng.board.models import MessageKind, Rating
from minsheng.board.views.inbox_sort import INBOX_SORTS
from minsheng.board.views.leader_office import office_tabs
from minsheng.board.workflow import Status
from minsheng.directory.models import Region, Topic, Unit

from .errors import ApiError, echoed

PUBLIC_STATUSES = sorted(Status.public())
SHORT = 200
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2099, 12, 31)


UNKNOWN_FIELD = "未知字段"


def says_something(value) -> bool:
    """Whether a value sent under a name we do not take would be lost by dropping it: not a JSON null, not
    text of spaces alone, nor a list or object of nothing else (as a form or an app's model sends a field it
    always sends, empty: review of 2026-12-06)."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return any(says_something(v) for v in (value.values() if isinstance(value, dict) else value))
    return True


# names of a refusal named at most (refuse_names counts the rest): a body of 5,000 unknown fields was answered
# with all 5,000, twice, each looked up as a typo — 200 kB in 1.2 s (review of 2026-12-06)
NAMED_MAX = 10


def name_refusals(unknown, accepted, said: str, hints: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """``fields`` of a refusal of names not taken, the first NAMED_MAX of them, each with its words: its hint (a
    name known to be used for one of ours: ``lat`` for ``latitude``), else ``said`` and the accepted name it may be
    a typo of."""
    fields = {}
    for name in unknown[:NAMED_MAX]:  # each name cut as errors.echoed cuts an Accept header the 406 repeats
        if hints and name in hints:
            fields.setdefault(echoed(name), [hints[name]])
            continue
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.7)
        fields.setdefault(echoed(name), [f"{said} (是否应为 {echoed(close[0])}?)" if close else said])
    return fields


def refuse_names(unknown, accepted, said: str, hints: Mapping[str, str] | None = None,
                 none_taken: str = "") -> ApiError:
    """The 400 of names an endpoint does not take, the query parameters of a GET (``said``: 「未知的查询参数」) or
    the fields of a body (「未知字段」): each named — the first NAMED_MAX, and how many in all when there are more —,
    then those it takes (or ``none_taken``). A name is repeated as errors.echoed repeats a request's words, its first
    100 characters (a 10 kB name came back whole, twice, until 2026-12-06)."""
    taken = f"可用: {', '.join(accepted)}" if accepted else none_taken
    unknown = list(unknown)
    named = ", ".join(echoed(name) for name in unknown[:NAMED_MAX])
    if len(unknown) > NAMED_MAX:
        named, taken = f"{named} 等 {len(unknown)} 个", f"未列出的 {len(unknown) - NAMED_MAX} 个从略; {taken}"
    return ApiError(f"{said}: {named} ({taken})", fields=name_refusals(unknown, accepted, said, hints))


def check_date_range(attrs: dict) -> None:
    """Dates must be plausible (also keeps date arithmetic away from year 1 and 9999)."""
    errors = {name: [f"日期应在 {EARLIEST} 至 {LATEST} 之间"] for name in ("date_from", "date_to")
              if attrs.get(name) and not EARLIEST <= attrs[name] <= LATEST}
    if errors:
        raise serializers.ValidationError(errors)
    if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
        raise serializers.ValidationError({"date_to": ["结束日期不能早于开始日期"]})


TOPICS_LISTED = "可用的领域见 /api/v1/topics/"


def unknown_topic(code, more: str = "") -> str:
    """The API's words for a ``topic`` that is no topic's code, read or posted alike (since 2026-12-07: a read said
    「领域代码不存在」): the code sent, and where the codes are listed; ``more``, what else to say in the brackets."""
    return f"没有代码为 {echoed(code)} 的领域 ({TOPICS_LISTED}{'; ' + more if more else ''})"


REGIONS_LISTED = "可用的区划见 /api/v1/regions/"


def unknown_region(code, more: str = "") -> str:
    """The API's words for a region code that is no region's, in ``unknown_topic``'s shape: a filter's 400 (REST),
    ``GET /regions/{code}/``'s 404 and Open311's ``jurisdiction_id`` (since 2026-12-07: 「区划代码不存在」, and
    「没有区划代码为 … 的区划」 for the one read by its code); ``more``, what else to say in the brackets."""
    return f"没有代码为 {echoed(code)} 的行政区划 ({REGIONS_LISTED}{'; ' + more if more else ''})"


UNITS_LISTED = "可用的单位见 /api/v1/units/"


def unknown_unit(pk) -> str:
    """The API's words for a unit id that is no unit's, in ``unknown_region``'s shape: a staff body's unit fields
    and the statistics' ``unit`` (since 2026-12-08: 「单位不存在」 and 「没有这个办理单位」, no id, nowhere to look)."""
    return f"没有编号为 {echoed(str(pk))} 的单位 ({UNITS_LISTED})"


ADDRESSEES_LISTED = "可用的留言对象见 /api/v1/addressees/"


def unknown_addressee(pk) -> str:
    """The API's words for an ``addressee`` that is no leader's office (留言对象) one may choose, in ``unknown_unit``'s
    shape: a new message's (REST, Open311) and the statistics' (since 2026-12-08: the pages' 「请选择有效的留言对象」,
    「没有这个留言对象」)."""
    return f"没有编号为 {echoed(str(pk))} 的留言对象 ({ADDRESSEES_LISTED})"


def region_or_invalid(code, more: str = "", error=serializers.ValidationError) -> Region:
    """The region of ``code``, or ``error`` raised in ``unknown_region``'s words: every region filter of the API
    (its field's 400), and Open311's ``jurisdiction_id`` (its 404, ``error`` given)."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise error(unknown_region(code, more))
    return region


class ChoiceField(serializers.ChoiceField):
    """DRF's, whose 「“open” 不是合法选项。」 named the wrong value only: a message that does not list the
    values taken lists them, 「“open” 不是合法选项 (可选: accepted, closed, …)」 (an integrator's walk of
    2026-12-06: ``status=open`` on /messages/, an Open311 habit, sent them to the OpenAPI document). The value is
    repeated cut (errors.echoed: a 5,000-character one came back whole until 2026-12-07)."""

    def fail(self, key, **kwargs):
        if key != "invalid_choice":
            return super().fail(key, **kwargs)
        template = str(self.error_messages[key])
        said = template.format(**{**kwargs, "input": echoed(str(kwargs.get("input", "")))})
        values = [str(value) for value in self.choices if value not in ("", None)]
        if not all(value.lstrip("-") in template for value in values):  # its own words name them (ordering: -key)
            said = f"{said.rstrip('。')} (可选: {', '.join(values)})"
        raise serializers.ValidationError(said, code=key)


class ListField(serializers.ListField):
    """DRF's list, its wrong-type words plain (its own: 「期望为一个包含物件的列表，得到的类型是“str”。」;
    since 2026-12-05)."""

    default_error_messages = {**serializers.ListField.default_error_messages,
                              "not_a_list": "应为列表 (JSON 数组, 如 [\"a\", \"b\"]), 不能是单个值 ({input_type})"}
    # the value sent in JSON's words: DRF names its Python type (「(str)」, 「(dict)」)
    JSON_TYPES = {"str": "字符串", "int": "数字", "float": "数字", "bool": "布尔值", "dict": "对象", "list": "数组"}

    def fail(self, key, **kwargs):
        if key == "not_a_list" and "input_type" in kwargs:
            kwargs["input_type"] = self.JSON_TYPES.get(kwargs["input_type"], "单个值")
        super().fail(key, **kwargs)


class Day(serializers.DateField):
    """A YYYY-MM-DD date. One written so that does not exist (2026-02-30, 2026-13-01) is told so:
    DRF's 「日期格式错误。请从这些格式中选择：YYYY-MM-DD。」 blamed a format the caller had used."""

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise serializers.ValidationError(f"日期 {value.strip()} 不存在 (格式为 YYYY-MM-DD, 如 2026-05-01)") from None
            raise


def searchable_q(value: str) -> str:
    """A ``q`` that has something to search for (a blank one: none), else a 400 naming it."""
    from minsheng.board.search import searchable

    if value.strip() and not searchable(value):  # else it would filter nothing: every message
        raise serializers.ValidationError("检索词中没有可检索的文字、字母或数字 (只有标点、符号或表情)")
    return value


class MessageQuery(serializers.Serializer):
    """Filters of the public message list (the same as the browse page)."""

    q = serializers.CharField(required=False, max_length=100, allow_blank=True, help_text="全文检索 (中文分词)")
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    topic = serializers.CharField(required=False, max_length=40, help_text="领域代码, 含下级领域")
    kind = ChoiceField(choices=MessageKind.choices, required=False)
    status = ChoiceField(choices=[(s, Status(s).label) for s in PUBLIC_STATUSES], required=False)
    date_from = Day(required=False, help_text="提交日期起 (含), YYYY-MM-DD")
    date_to = Day(required=False, help_text="提交日期止 (含), YYYY-MM-DD")
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_q(self, value):
        return searchable_q(value)

    def validate_region(self, code):
        return region_or_invalid(code) if code else None  # blank (``region=``, ``region=%20``): no filter

    def validate_topic(self, code):
        topic = Topic.objects.coded(code).first()
        if topic is None:
            raise serializers.ValidationError(unknown_topic(code))
        return topic

    def validate(self, attrs):
        check_date_range(attrs)
        return attrs


class SimilarQuery(serializers.Serializer):
    """What the citizen has typed so far (the post form's fields): cut to the form's limits rather
    than refused, as the form's box does while they type."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                  help_text="标题 (已输入的部分; 超过 100 字的部分不参与比较)")
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 help_text="内容 (已输入的部分; 超过 3000 字的部分不参与比较)")
    region = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                   help_text="区划代码: 只找该区划及其下级的留言; 不填或为空: 不限区划")

    def validate_region(self, code):
        # "" is not chosen yet (an app's form sends its empty select), as the query string's region=
        return MessageQuery.validate_region(self, code) if code.strip() else None


def topic_subtree_ids(topic: Topic) -> list[int]:
    """``topic`` and every topic below it (one query: the table is small)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Topic.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    ids, todo = [], [topic.pk]
    while todo:
        pk = todo.pop()
        ids.append(pk)
        todo.extend(children.get(pk, []))
    return ids


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def apply_message_filters(queryset, params: dict):
    from minsheng.board.search import filter_messages

    if params.get("region"):
        queryset = queryset.filter(region__code__startswith=params["region"].prefix)
    if params.get("topic"):
        queryset = queryset.filter(topic_id__in=topic_subtree_ids(params["topic"]))
    if params.get("kind"):
        queryset = queryset.filter(kind=params["kind"])
    if params.get("status"):
        queryset = queryset.filter(status=params["status"])
    if params.get("date_from"):
        queryset = queryset.filter(submitted_at__gte=local_day_start(params["date_from"]))
    if params.get("date_to"):
        queryset = queryset.filter(submitted_at__lt=local_day_start(params["date_to"] + dt.timedelta(days=1)))
    if params.get("q", "").strip():
        queryset = filter_messages(queryset, params["q"].strip())
    return queryset


def round_coordinate(value: Decimal) -> Decimal:
    """6 decimal places (about 0.1 m), as stored: a phone's GPS gives a double such as
    36.06112345678901, which is a place, not an error."""
    return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


class CoordinateField(serializers.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(max_digits=9, decimal_places=6, coerce_to_string=False, **kwargs)

    def validate_precision(self, value):
        if value.adjusted() < 3:  # a huge one (1e400) is left to the parent's "too many digits"
            value = round_coordinate(value)
        return super().validate_precision(value)


NOT_A_FILE = "不是文件: 照片请以 multipart/form-data 上传, 每张一个 photos 文件 (JSON 请求体不能带照片)"
# the place under Open311's names (lat, long) or a map library's (lng, lon): unknown fields were ignored, and
# the message was stored without its place (an integrator's walk, 2026-12-06); said with their own words
COORDINATE_NAMES = ("lat", "long", "lng", "lon")


class MessageCreate(serializers.Serializer):
    """A citizen's message: the fields of the web form (board.forms.MessageForm, which
    then validates it with the page's rules)."""

    title = serializers.CharField(min_length=5, max_length=50, help_text="标题, 5 至 50 字")
    body = serializers.CharField(min_length=20, max_length=3000, help_text="内容, 20 至 3000 字")
    kind = ChoiceField(choices=MessageKind.choices, error_messages={"invalid_choice": INVALID_CHOICE["kind"]})
    region = serializers.CharField(max_length=12, help_text="区划代码")
    addressee = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    topic = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="领域代码")
    show_name = serializers.BooleanField(required=False, default=False)
    latitude = CoordinateField(required=False, allow_null=True, min_value=-90, max_value=90,
                               help_text="纬度 (WGS84); 超过 6 位的小数四舍五入")
    longitude = CoordinateField(required=False, allow_null=True, min_value=-180, max_value=180,
                                help_text="经度 (WGS84); 超过 6 位的小数四舍五入")
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    photos = ListField(child=serializers.FileField(error_messages={"invalid": NOT_A_FILE}), required=False,
                       max_length=6, error_messages={"max_length": "最多上传 {max_length} 张照片 (现在 %(show_value)d 张)"},
                       help_text="照片 (multipart), 最多 6 张, JPEG 或 PNG, 每张不超过 5 MB")
    again = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                  help_text="修改后重新提交: 本人未受理 (不予受理) 的留言编号, 新留言记为它的重新提交 (resubmission_of), "
                                            "与网站留言页的「修改后重新提交」相同; 每条只能重新提交一次, 再次提交为 409")

    # what an unknown field (views.base.check_body_names) under these names is told
    UNKNOWN_HINTS = {name: f"{UNKNOWN_FIELD} {name}: 经纬度请用 latitude 和 longitude (WGS84)" for name in COORDINATE_NAMES}


class RateBody(serializers.Serializer):
    resolution = ChoiceField(choices=Rating.choices, help_text="解决情况")
    attitude = ChoiceField(choices=Rating.choices, help_text="办理态度")
    speed = ChoiceField(choices=Rating.choices, help_text="办理速度")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    reply = serializers.IntegerField(
        required=False, min_value=1, max_value=32767,
        help_text="您评价的答复: 它的轮次 (留言的 replies[].round); 此后已有新的答复 (重办后再次答复) 则答 409 conflict, "
                  "不评价; 缺省则评价最新的答复, 不核对")


class ReopenBody(serializers.Serializer):
    """As board.forms.ReopenForm."""

    reason = serializers.CharField(min_length=5, max_length=300, validators=[require_words("重办理由")],
                                   help_text="重办理由: 问题为何没有解决 (要有文字: 只有表情或标点的不算)")


class CloseAccountBody(serializers.Serializer):
    """注销账号: the account's current password (as the page asks for it)."""

    password = serializers.CharField(trim_whitespace=False, max_length=4096, error_messages={
        "required": "请输入当前密码", "blank": "请输入当前密码"}, help_text="当前密码")


class UnitField(serializers.IntegerField):
    """A unit id → the Unit (400 when it does not exist)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)  # an int within bounds
        if pk is None:
            return None
        unit = Unit.objects.filter(pk=pk).first()
        if unit is None:
            raise serializers.ValidationError(unknown_unit(pk))
        return unit


class ActingUnitBody(serializers.Serializer):
    unit = UnitField(required=False, help_text="以哪个单位的名义办理; 缺省为您所在的、正在办理此件的单位")


class Versioned(serializers.Serializer):
    """A staff action's optimistic lock (docs/decisions.md): the case's ``version`` as the caller read it."""

    version = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1, help_text=(
        "您读到的案件版本 (GET /staff/cases/{id}/ 的 version); 此后案件已被他人处理则答 409 conflict, 不执行; "
        "缺省则不核对"))


class AcceptBody(Versioned):
    pass


class SignBody(ActingUnitBody, Versioned):
    pass



class TopicCodeBody(serializers.Serializer):
    def validate_topic(self, code):
        if code is None:  # a null the body may send for it (SeenPlanItem): not given
            return None
        topic = Topic.objects.coded(code).first()
        if topic is None:
            raise serializers.ValidationError(unknown_topic(code))
        return topic


class SuggestionQuery(TopicCodeBody):
    topic = serializers.CharField(required=False, max_length=40, help_text=(
        "领域代码: 按该领域给出建议单位 (派单表单的「按所选领域重新建议」, 与 dispatch/ 只给 topic 时相同); 缺省按预测或留言人所选领域"))


class DispatchBody(TopicCodeBody, Versioned):
    lead = UnitField(required=False, help_text="主办单位; 缺省按权责清单")
    assists = ListField(child=UnitField(), required=False, max_length=10, help_text="协办单位")
    topic = serializers.CharField(required=False, max_length=40, help_text="更正领域代码")
    kind = ChoiceField(choices=MessageKind.choices, required=False, help_text=(
        "更正留言类型; 缺省保留留言人所选类型 (即使 suggestion/ 的 kind_prefill 为真: 网页派单表单与"
        " dispatch-batch/ 采用预测类型, 本接口不采用; 要采用请传 suggestion/ 的 kind)"),
                                   error_messages={"invalid_choice": INVALID_CHOICE["kind"]})


UNIT_ID = {"min_value": 1, "max_value": 2**31 - 1}
BATCH_SIZE = {"min_length": 1, "max_length": BATCH_MAX,
              "error_messages": {"min_length": "请至少给出一件留言的编号",
                                 "max_length": f"一次最多按建议派单 {BATCH_MAX} 件, 请分批提交"}}


class SeenPlanItem(TopicCodeBody):
    """One case of dispatch-batch/ with what the caller saw of its plan (the suggestion's ``batch``):
    dispatched only while its plan is still that, as the queue page's rows."""

    case = serializers.CharField(max_length=40, help_text="留言编号")
    lead = serializers.IntegerField(**UNIT_ID, help_text="您看到的建议主办单位 (单位编号, 建议的 batch.lead.id)")
    # null, as a field left out, is not compared (the body's own nulls are dropped before it is read)
    assists = ListField(child=serializers.IntegerField(**UNIT_ID), required=False, allow_null=True,
                                    max_length=10, help_text="您看到的建议协办单位 (不分先后); 缺省则不核对")
    topic = serializers.CharField(required=False, allow_null=True, max_length=40,
                                  help_text="您看到的领域代码; 缺省则不核对")
    kind = ChoiceField(choices=[("", "不改"), *MessageKind.choices], required=False, allow_null=True,
                                   allow_blank=True,
                                   help_text="您看到的改定类型 (空: 保留留言人所选); 缺省则不核对",
                                   error_messages={"invalid_choice": INVALID_CHOICE["kind"]})

    def to_internal_value(self, data):
        """An item that is no object, in JSON's words as ListField's (DRF's named Python's type: 「无效数据。
        期待为字典类型，得到的是 int 。」; an integrator's walk, 2026-12-05)."""
        if not isinstance(data, Mapping):
            named = ListField.JSON_TYPES.get(type(data).__name__, "单个值")
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [f"应为对象 (JSON 对象, 如 {{\"case\": \"…\", \"lead\": 12}}), 不能是{named}"]},
                code="invalid")
        # a key of an item we do not take (``asists``) is named, as a body's (views.base.check_body_names), by the
        # same function: of more than NAMED_MAX, its message first, counting them all (since 2026-12-06, fix: the
        # item's named the first 10 alone)
        if unknown := [name for name, value in data.items() if name not in self.fields and says_something(value)]:
            refused = refuse_names(unknown, tuple(self.fields), UNKNOWN_FIELD)
            counted = {api_settings.NON_FIELD_ERRORS_KEY: [str(refused.detail)]} if len(unknown) > NAMED_MAX else {}
            raise serializers.ValidationError({**counted, **refused.fields})
        return super().to_internal_value(data)


class DispatchBatchBody(serializers.Serializer):
    cases = ListField(
        child=serializers.CharField(max_length=40), required=False, **BATCH_SIZE,
        help_text=f"留言编号, 各按建议派单 (与派单页的预选相同, 按派单时的建议); 一次最多 {BATCH_MAX} 件")
    items = ListField(
        child=SeenPlanItem(), required=False, **BATCH_SIZE,
        help_text="代替 cases: 每件附上您看到的建议; 建议已有变化的不派单 (与派单页相同), "
                  f"一次最多 {BATCH_MAX} 件")

    def validate(self, attrs):
        if ("cases" in attrs) == ("items" in attrs):
            name = "items" if "cases" in attrs else "cases"
            raise serializers.ValidationError({name: ["请给出 cases (留言编号) 或 items (留言编号及您看到的建议), 二者选一"]})
        return attrs


class AssignBatchBody(serializers.Serializer):
    cases = ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=BULK_MAX,
        error_messages={"min_length": "请至少给出一件留言的编号",
                        "max_length": f"一次最多指派 {BULK_MAX} 件, 请分批提交"},
        help_text=f"留言编号, 一次 1 至 {BULK_MAX} 件, 各指派给 `handler`")
    handler = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="承办人的用户编号: 这些留言所属单位的承办人员或单位负责人")


class RejectBody(Versioned):
    reason = serializers.CharField(max_length=SHORT)


class ReplyBody(ActingUnitBody, Versioned):
    body = serializers.CharField(max_length=REPLY_MAX_CHARS)


class TransferBody(ActingUnitBody, Versioned):
    to_unit = UnitField()
    reason = serializers.CharField(max_length=REASON_MAX_CHARS)


class ReturnBody(ActingUnitBody, Versioned):
    reason = serializers.CharField(max_length=REASON_MAX_CHARS)


class AssignHandlerBody(serializers.Serializer):
    handler = serializers.IntegerField(min_value=1, max_value=2**31 - 1,
                                       help_text="承办人的用户编号: 本单位的承办人员或单位负责人")
    unit = UnitField(required=False, help_text="为哪个单位指派; 缺省为您负责的、正在办理此件的单位")
    # absent: no check (each request applied over the 承办人 there then); null: the caller saw 未指派
    NULL_KEPT = ("seen",)
    seen = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1,
                                    help_text="您看到的承办人的用户编号 (null: 未指派); 此后已有他人改派则答 409, 不覆盖; "
                                              "缺省则不核对")


class ExtensionBody(ActingUnitBody, Versioned):
    days = serializers.IntegerField(min_value=1, max_value=30)
    reason = serializers.CharField(max_length=300)


class ExtensionDecisionBody(Versioned):
    extension = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                         help_text="延期申请编号; 缺省为待审批的那一件")
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class MergeBody(Versioned):
    into = serializers.CharField(max_length=20, help_text="主留言编号")


class UnmergeBody(Versioned):
    reason = serializers.CharField(max_length=REASON_MAX_CHARS, help_text="撤销并单的理由 (仅内部可见)")


class SuperviseBody(Versioned):
    note = serializers.CharField(max_length=300)


class AssistNoteBody(ActingUnitBody):
    body = serializers.CharField(max_length=2000)


class NoteBody(AssistNoteBody):
    """内部备注: ``unit`` the lead unit you act for (by default yours holding the case; none for a
    dispatcher or supervisor)."""


class InboxQuery(serializers.Serializer):
    box = ChoiceField(choices=[("all", "全部"), ("unit", "本单位待办"), ("dispatch", "待派单"),
                                           ("supervise", "督办"), ("leader", "领导留言板")], required=False, default="all",
                                  help_text="`leader`: every message written to the leader (留言对象) whose messages "
                                            "the caller's unit receives, in every status, as /staff/leader-board/ lists "
                                            "them (its office only; others: 403)")
    show = ChoiceField(
        choices=office_tabs(), required=False,
        help_text="box=leader only: the page's tab (default `all`; `overdue`: awaiting the reply past its deadline)",
        error_messages={"invalid_choice": "show 应为 " + "、".join(f"{k} ({label})" for k, label in office_tabs())})
    leader = serializers.IntegerField(
        required=False, min_value=1,
        help_text="box=leader only: the 留言对象 (addressee id) whose messages to list; required when the "
                  "caller's office serves two or more leaders")
    q = serializers.CharField(
        required=False, max_length=100, allow_blank=True,
        help_text="box=unit and box=dispatch: 查找, as their pages' (the inbox's 在待办中查找, the queue's): the "
                  "citizen's mobile number (as typed: spaces, dashes, +86) finds their cases, anything else is "
                  "全文检索 (as /messages/?q=; a 留言编号 finds that case); 可查留言编号、联系电话 (或其末 4 位以上), 或"
                  "标题、内容中的词: 4 or more digits (since 2026-12-07) also find the cases whose 联系电话 (a mobile or a "
                  "landline) or 留言编号 ends with them; box=leader: 关键词 (全文检索 alone: a leader's office does not "
                  "see the citizen's contact data); the other boxes take none")
    region = serializers.CharField(
        required=False, max_length=12, allow_blank=True,
        help_text="区划代码, 只用于 box=supervise (督办): 该区划及其下级区划中、调用者督办的留言; 督办页的区县标签即 "
                  "region (标签名为「…本级」的再加 own=1, 如「兰州市本级」为 region=620100&own=1), 如 overdue=true 即该"
                  "标签的「超期未答复」; 不是调用者督办的区划 (也不含其督办的下级区划) 为 400, 其他箱为 400; 空白同不填 "
                  "(since 2026-12-07)")
    own = serializers.BooleanField(
        required=False, default=False,
        help_text="本级, 只用于 box=supervise, 需要 region: 只列在该区划本级提交的留言 (不含下级区划的), 督办页的"
                  "「…本级」标签, 同 /statistics/ 的 own=1 (since 2026-12-07)")
    status = ChoiceField(choices=Status.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    due_soon = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="`true` 即将到期: the cases awaiting a reply whose deadline (`due_at`) has not passed and falls "
                  "by the end of the second working day after today, as the inbox page's 即将到期 tab counts "
                  "(due_soon=true and role=lead is that tab); `false` the others",
        error_messages={"invalid": "due_soon 应为 true (即将到期) 或 false"})
    sign_overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="`true` 签收超期: the cases a lead unit holds unsigned past its 签收 deadline (`assignments[].sign_due_at`), "
                  "as the inbox page's 签收超期 tab lists them; `false` the others",
        error_messages={"invalid": "sign_overdue 应为 true (签收超期) 或 false"})
    supervised = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="`true` the cases a supervisor pressed on (督办, the inbox page's 督办 tab); `false` the others",
        error_messages={"invalid": "supervised 应为 true (督办中) 或 false"})
    role = ChoiceField(
        choices=[("lead", "主办"), ("assist", "协办")], required=False,
        help_text="`lead` the cases my unit leads (the inbox page's 待办(主办) tabs: overdue=true and "
                  "role=lead is its 已超期), `assist` those it assists (its 协办 tab)",
        error_messages={"invalid_choice": "role 应为 lead (主办) 或 assist (协办)"})
    # checked by handler_filter, as on the inbox page, with its words (no length or trimming of its own)
    handler = serializers.CharField(
        required=False, trim_whitespace=False,
        help_text="承办人: `me` (指派给我), `none` (未指派), or a user id (that 承办人's); over the active "
                  "assignments of the caller's own units (a platform admin's: any unit's). An id is taken only "
                  "for a person of those units or one given their cases")
    order = ChoiceField(
        choices=[("id", "按编号")], required=False,
        help_text="`id`: by id, the oldest first — every case that stays in the box is met once in a walk through "
                  "the pages, whatever its deadline does (to sync a box); default: box=unit by next deadline "
                  "(a case whose deadline moves meanwhile moves in the list), the other boxes newest first",
        error_messages={"invalid_choice": "排序方式应为 id (按编号, 翻页时每件只出现一次) 或不给 (默认排序)"})
    ordering = ChoiceField(
        choices=[(f"{sign}{key}", f"{label}{'降序' if sign else '升序'}") for key, label in INBOX_SORTS.items()
                 for sign in ("", "-")],
        required=False,
        help_text="box=unit only: the inbox page's sort (its ?sort=), `-` before a key for the reverse: `due` the "
                  "next deadline (the 签收 deadline while unsigned, else the reply deadline; the default order), "
                  "`submitted` 提交时间, `region` 区划 (by code), `topic` 领域 (the back office's order), `handler` "
                  "承办人 (by name; 未指派 last, first reversed); a tie by the next deadline, the older submission, "
                  "then id. The cursor follows the order",
        error_messages={"invalid_choice": "ordering 应为 " + "、".join(INBOX_SORTS) + " 之一, 前加 - 为倒序 "
                                          "(如 -submitted: 最新提交的在前)"})
    # ?ordering='s cursor holds every value of the last row's place (a 承办人's name among them)
    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)

    def validate_q(self, value):
        return searchable_q(value)

    def validate_region(self, code):
        return region_or_invalid(code) if code else None  # blank (``region=``, ``region=%20``): no filter

    def validate(self, data):
        box = data["box"]
        refused = {}
        if data.get("region") and box != "supervise":  # the 督办 page's district tabs; no other box's page has them
            refused["region"] = "region 只用于 box=supervise (督办, 按区划筛选)"
        if data.get("own") and box != "supervise":
            refused["own"] = "own 只用于 box=supervise (督办, 本级)"
        elif data.get("own") and not data.get("region"):
            refused["own"] = "own (本级) 需要 region"
        if box != "leader":
            refused.update({name: f"{name} 只用于 box=leader (领导留言板)" for name in ("show", "leader") if name in data})
        if "q" in data and box not in ("unit", "dispatch", "leader"):
            refused["q"] = "q 只用于 box=unit (本单位待办)、box=dispatch (待派单) 或 box=leader (领导留言板)"
        if "ordering" in data and box != "unit":
            refused["ordering"] = "ordering 只用于 box=unit (本单位待办)"
        elif "ordering" in data and "order" in data:
            refused["ordering"] = "ordering 与 order=id 只能用其一"
        if refused:
            raise serializers.ValidationError({name: [problem] for name, problem in refused.items()})
        return data


class CursorQuery(serializers.Serializer):
    """The pages of a message list without filters (我的留言, 我也遇到的): a bad ``page_size`` is a
    400, as on the other lists (the paginator alone served 20 rows for ?page_size=abc and 100 for 1000)."""

    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class OwnListQuery(CursorQuery):
    """我的留言's pages and its ``status`` filter: one status or several, comma-separated (``status=submitted,signed``:
    what still waits), any of the author's (an integrator's walk of 2026-12-06: an app walked the whole list to
    find the messages still waiting)."""

    status = serializers.CharField(required=False, max_length=200,
                                   help_text="状态, 可用逗号分隔多个: " + ", ".join(f"{s.value} ({s.label})" for s in Status))

    def validate_status(self, value):
        wanted = [part.strip() for part in value.split(",") if part.strip()]
        if unknown := [part for part in wanted if part not in Status.values]:
            raise serializers.ValidationError(
                f"“{'、'.join(unknown)}” 不是合法的状态 (可选: {', '.join(Status.values)}; 多个用逗号分隔)")
        return wanted


class ReadingQuery(serializers.Serializer):
    days = ChoiceField(choices=[7, 30, 90, 365], required=False, default=30,
                                   help_text="统计最近多少天派出的留言")


class DirectoryQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    def validate_region(self, code):
        return region_or_invalid(code) if code else None  # blank (``region=``, ``region=%20``): no filter


# ?q= of the directory: a name, a 简称 or their pinyin, as the case page's 查找 boxes read it (pinyin.name_or_pinyin)
DIRECTORY_Q_MAX = 50


def directory_q(what="名称、简称或其拼音 (全拼或首字母, 如 zjj、qlh)"):
    return serializers.CharField(required=False, max_length=DIRECTORY_Q_MAX, allow_blank=True,
                                 help_text=f"{what}, 至多 50 个字")


class UnitQuery(DirectoryQuery):
    q = directory_q()


class AddresseeQuery(DirectoryQuery):
    q = directory_q("称谓或其拼音 (全拼或首字母, 如 shizhang、lzssz 查兰州市市长)")


class RegionTreeQuery(serializers.Serializer):
    root = serializers.CharField(required=False, max_length=12, help_text="从哪个区划开始; 缺省为全部省级")
    depth = serializers.IntegerField(required=False, min_value=1, max_value=4, default=2)
    q = directory_q()

    def validate_root(self, code):
        return region_or_invalid(code)

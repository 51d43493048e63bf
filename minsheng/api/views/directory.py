"""The directory: regions as a tree, units, addressees, topics."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.directory.models import Addressee, Region, Topic, Unit
from minsheng.directory.pinyin import name_or_pinyin
from minsheng.stats.figures import addressees_figures, reported

from ..errors import found
from ..inputs import AddresseeQuery, RegionTreeQuery, UnitQuery, unknown_region
from ..pagination import DirectoryPages
from ..serializers import (
    AddresseeSerializer,
    RegionSerializer,
    RegionTreeSerializer,
    TopicTreeSerializer,
    UnitSerializer,
)
from .base import ApiView, Doc
from .figures import AddresseeFiguresSerializer


def _nest(rows, key, parent_key, root_keys, make):
    """Build nested dicts from flat rows in one pass."""
    children: dict = {}
    for row in rows:
        children.setdefault(parent_key(row), []).append(row)

    def build(row):
        node = make(row)
        node["children"] = [build(c) for c in children.get(key(row), [])]
        return node

    return [build(r) for r in rows if key(r) in root_keys]


# the most regions a ?q= of /regions/ lists (「qu」 matches most counties)
REGIONS_FOUND_MAX = 100


class RegionTree(ApiView):
    docs = {"get": Doc("行政区划树", "返回行政区划的树: 从 `root` 指定的区划 (不给时为全部省级) 开始, 至多 `depth` 层 (1 至 4, 默认 2), "
                                  "每个节点含 `code`、`name`、`level` 和下级 `children`。不存在的区划代码为 400。"
                                  "给出 `q` 时不返回树, 而是名称或拼音 (全拼或首字母, 如 qlh、qilihe 查七里河区; 全角字母、繁体字亦可) "
                                  "含 `q` 的区划列表 (`root` 及其各级下级中的, 不限 `depth`), 每项含 `code`、`name`、`level`、"
                                  "`parent_code`、`full_name`, 按级别和代码排序, 至多 100 个; 没有则为空列表 `[]`; "
                                  "`q` 超过 50 个字为 400。任何人可调用, 无需登录。")}

    query_class = RegionTreeQuery

    # without q a tree's nodes, with q the regions found: one list either way, its items one or the other
    @extend_schema(responses=PolymorphicProxySerializer(
        component_name="RegionTreeOrFound", serializers=[RegionTreeSerializer, RegionSerializer],
        resource_type_field_name=None, many=True), tags=["directory"])
    def get(self, request):
        params = self.query(request)
        root, depth = params.get("root"), params["depth"]
        if params.get("q"):
            found = Region.objects.filter(name_or_pinyin(params["q"], "name"))
            if root is not None:
                found = found.filter(code__startswith=root.prefix, level__gte=root.level)
            found = found.select_related("parent__parent__parent").order_by("level", "code")[:REGIONS_FOUND_MAX]
            return Response(RegionSerializer(found, many=True).data)
        if root is None:
            roots = list(Region.objects.filter(parent__isnull=True).values_list("pk", flat=True))
            rows = Region.objects.filter(level__lte=depth)
            top_level = 1
        else:
            roots, top_level = [root.pk], root.level
            rows = Region.objects.filter(code__startswith=root.prefix, level__gte=root.level,
                                         level__lt=root.level + depth)
        rows = list(rows.values("pk", "code", "name", "level", "parent_id").order_by("code"))
        present = {r["pk"] for r in rows}
        root_keys = set(roots) | {r["pk"] for r in rows if r["level"] == top_level and r["parent_id"] not in present}
        tree = _nest(rows, lambda r: r["pk"], lambda r: r["parent_id"], root_keys,
                     lambda r: {"code": r["code"], "name": r["name"], "level": r["level"]})
        return Response(tree)


class RegionDetail(ApiView):
    docs = {"get": Doc("行政区划详情", "返回一个行政区划的代码、名称、全称和上级区划。区划代码不存在为 404。任何人可调用, 无需登录。")}

    @extend_schema(responses=RegionSerializer, tags=["directory"],
                   parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="区划代码")])
    def get(self, request, code):
        region = found(Region.objects.select_related("parent__parent__parent"),
                       unknown_region(code), code=code)
        return Response(RegionSerializer(region).data)


class UnitList(ApiView):
    docs = {"get": Doc("办理单位", "返回在用的办理单位, 按区划和名称排序, 分页; `region` 只列该区划及其下级区划的单位, "
                                 "不存在的区划代码为 400; `q` 只列名称、简称或其拼音 (全拼或首字母, 如 zjj、zhujian 查住建局; "
                                 "全角字母、繁体字亦可; 没有简称的单位按由名称推出的简称, 如兰州市住房和城乡建设局为住建局) 含 `q` 的, "
                                 "没有则 `results` 为空列表, `q` 超过 50 个字为 400。"
                                 "派单时 `lead`、`assists` 填的是这里的单位编号。任何人可调用, 无需登录。")}

    pagination_class = DirectoryPages
    query_class = UnitQuery

    @extend_schema(responses=UnitSerializer(many=True), tags=["directory"])
    def get(self, request):
        params = self.query(request)
        qs = Unit.objects.filter(is_active=True).select_related("region").order_by("region__code", "name", "id")
        if params.get("region"):
            qs = qs.filter(region__code__startswith=params["region"].prefix)
        if params.get("q"):
            qs = qs.filter(name_or_pinyin(params["q"], "name", "short_name"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(UnitSerializer(page, many=True).data)


# the figures of a board that open a list there (board/_figures.html), and here (since 2026-12-06)
BOARD_LISTS = {"received": "受理留言", "replied": "已答复", "on_time": "按时答复",
               "sign_late": "签收超期 (及时签收率的超期数, 即 `sign_due` − `signed_on_time`)"}
AddresseeListsSerializer = type("AddresseeListsSerializer", (serializers.Serializer,), {
    measure: serializers.CharField(help_text=f"{label}背后的留言: /statistics/messages/ 的地址, 其 `count` 等于该数字")
    for measure, label in BOARD_LISTS.items()})


class AddresseeBoardSerializer(AddresseeSerializer):
    is_active = serializers.BooleanField(help_text="在用 (可以给它留言); 已停用的留言对象不在列表中, 其详情、数字和留言清单仍可查")
    figures = AddresseeFiguresSerializer(help_text="该领导留言板页面 (/leaders/{id}/) 显示的数字, 口径同 /statistics/; "
                                                   "页面上的答复率、按时率、及时签收率为百分数 (一位小数), 平均答复用时为一位小数")
    lists = serializers.SerializerMethodField(help_text="各数字背后的留言清单 (页面上的链接): 写给该留言对象的留言, "
                                                        "/statistics/messages/?addressee={id}&measure=…")

    @extend_schema_field(AddresseeListsSerializer)
    def get_lists(self, obj) -> dict:
        path = reverse("api:statistics-messages")
        return {measure: f"{path}?{urlencode({'addressee': obj.pk, 'measure': measure})}" for measure in BOARD_LISTS}


# a leader's board's figures, as its public page shows them (stats.addressees_figures)
FIGURES_DOC = ("`figures` 为该领导留言板页面显示的数字 (与页面同一计算): 受理留言 `received`、已答复 `replied`、"
               "答复率 `reply_rate`、按时答复 `on_time`、误期未答复 `missed`、按时率 `on_time_rate` "
               "(= 按时答复 / (已答复 + 误期未答复))、应签收 `sign_due`、及时签收 `signed_on_time`、及时签收率 "
               "`sign_on_time_rate` (= 及时签收 / 应签收, 口径同 /statistics/)、平均答复用时 `mean_days_to_reply` (工作日); 比率为 0 至 1 的小数, "
               "页面显示为百分数 (一位小数), 没有可比的留言时为 null。")


def _with_figures(addressees) -> list:
    """``addressees`` each with its board's figures (four queries for them all)."""
    figures = addressees_figures(addressees)
    for addressee in addressees:
        addressee.figures = reported(figures[addressee.pk])
    return addressees


def _active_addressees():
    return Addressee.objects.filter(is_active=True).select_related("region", "unit")


class AddresseeList(ApiView):
    docs = {"get": Doc("留言对象", "返回在用的留言对象 (领导信箱) 及其所属区划和受理单位, 分页; `region` 只列该区划及其下级区划的, "
                                 "不存在的区划代码为 400; `q` 只列称谓或其拼音 (全拼或首字母, 如 shizhang、lzssz 查兰州市市长; "
                                 "全角字母、繁体字亦可) 含 `q` 的, 没有则 `results` 为空列表, `q` 超过 50 个字为 400。"
                                 "每项的" + FIGURES_DOC + "任何人可调用, 无需登录。")}

    pagination_class = DirectoryPages
    query_class = AddresseeQuery

    @extend_schema(responses=AddresseeBoardSerializer(many=True), tags=["directory"])
    def get(self, request):
        params = self.query(request)
        qs = _active_addressees().order_by("region__code", "sort", "title", "id")
        if params.get("region"):
            qs = qs.filter(region__code__startswith=params["region"].prefix)
        if params.get("q"):
            qs = qs.filter(name_or_pinyin(params["q"], "title"))
        paginator = self.pagination_class()
        page = _with_figures(list(paginator.paginate_queryset(qs, request, view=self)))
        return paginator.get_paginated_response(AddresseeBoardSerializer(page, many=True).data)


class AddresseeDetail(ApiView):
    docs = {"get": Doc("留言对象详情", "返回一个留言对象 (领导信箱) 及其所属区划、受理单位, 与留言对象列表的一项相同。"
                                     + FIGURES_DOC + "已停用的留言对象 (`is_active` 为 false, 不再接收新留言) 仍返回, "
                                     "其数字和留言清单如其留言板页面; 不存在为 404。任何人可调用, 无需登录。")}

    @extend_schema(responses=AddresseeBoardSerializer, tags=["directory"],
                   parameters=[OpenApiParameter("addressee_id", int, OpenApiParameter.PATH, description="留言对象编号")])
    def get(self, request, addressee_id):
        # a switched-off office keeps its board, figures and lists (2026-12-06): its messages still name it
        addressee = found(Addressee.objects.select_related("region", "unit"),
                          f"没有编号为 {addressee_id} 的留言对象", pk=addressee_id)
        return Response(AddresseeBoardSerializer(_with_figures([addressee])[0]).data)


class TopicTree(ApiView):
    docs = {"get": Doc("领域", "返回在用的留言领域 (树), 每个节点含 `code`、`name`、关键词 `keywords` 和下级 `children`; "
                             "发表留言和筛选时的 `topic` 填的是这里的 `code`。任何人可调用, 无需登录。")}

    @extend_schema(responses=TopicTreeSerializer(many=True), tags=["directory"])
    def get(self, request):
        rows = list(Topic.objects.filter(is_active=True).values("pk", "code", "name", "keywords", "parent_id")
                    .order_by("sort", "code"))
        present = {r["pk"] for r in rows}
        roots = {r["pk"] for r in rows if r["parent_id"] not in present}
        tree = _nest(rows, lambda r: r["pk"], lambda r: r["parent_id"], roots,
                     lambda r: {"code": r["code"], "name": r["name"], "keywords": r["keywords"]})
        return Response(tree)

"""Public messages: list with the browse page's filters and full-text search, and the
detail with its public timeline, reply and rating."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.board.workflow import Status

from ..idempotency import once
from ..inputs import MessageCreate, MessageQuery, apply_message_filters
from ..pagination import MessageCursor
from ..permissions import IsPerson
from ..serializers import MessageDetailSerializer, MessageListSerializer, OwnMessageSerializer
from .base import ApiView, Doc, detail_queryset, list_queryset, own_detail_queryset


class MessageList(ApiView):
    docs = {
        "get": Doc("公开留言列表", "返回已公开的留言, 最新的在前, 按游标分页 (`next` 为下一页的地址)。可按区划 `region` (含下级区划)、"
                                 "领域 `topic` (含下级领域)、类型 `kind`、状态 `status` 和提交日期 `date_from`、`date_to` "
                                 "(北京时间, YYYY-MM-DD) 筛选, `q` 为中文全文检索; 只有标点、符号或表情的 `q` 为 400。"
                                 "任何人可调用, 无需登录。"),
        "post": Doc("发表留言", "以调用者的名义发表一条留言, 成功为 201, 返回新留言 (待审核, 审核通过后公开)。请求体可为 JSON、表单或 "
                              "multipart (用 `photos` 上传照片), 校验规则与网站的留言表单相同: 标题 5 至 50 字, 正文 20 至 3000 字, "
                              "`region` 须有单位受理; 不符合的为 400 并指明字段。需要登录的个人 (会话或读写令牌): 未登录为 401, "
                              "只读令牌为 403。网络重试时请带 `Idempotency-Key` 请求头, 以免重复发表。"),
    }

    pagination_class = MessageCursor
    query_class = MessageQuery

    @extend_schema(responses=MessageListSerializer(many=True), tags=["messages"], operation_id="messages_list")
    def get(self, request):
        params = self.query(request)
        qs = apply_message_filters(list_queryset().filter(status__in=Status.public()), params)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MessageListSerializer(page, many=True).data)

    def get_permissions(self):
        return [IsPerson()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(request={"multipart/form-data": MessageCreate, "application/json": MessageCreate,
                            "application/x-www-form-urlencoded": MessageCreate},
                   responses={201: OwnMessageSerializer}, tags=["citizen"], operation_id="messages_create",
                   parameters=[OpenApiParameter(
                       "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                       description="重试不重复发表: 同一用户 24 小时内以同一键再次提交同样的内容, 返回第一次创建的留言 "
                                   "(响应头 Idempotent-Replayed: true); 同一键、不同内容为 409")])
    def post(self, request):
        from .citizen import create_message

        message, replayed = once(request, create_message)
        return Response(OwnMessageSerializer(own_detail_queryset().get(pk=message.pk)).data, status=201,
                        headers={"Idempotent-Replayed": "true"} if replayed else None)


class MessageDetail(ApiView):
    docs = {"get": Doc("公开留言详情", "返回一条已公开留言的内容、照片、公开的处理记录、答复和评价; 并入其他留言的, "
                                   "`main_case_replies` 为主留言的答复。尚未公开或不存在的留言为 404。任何人可调用, 无需登录。")}

    @extend_schema(responses=MessageDetailSerializer, tags=["messages"],
                   parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")])
    def get(self, request, public_id):
        message = get_object_or_404(detail_queryset(), public_id=public_id, status__in=Status.public())
        return Response(MessageDetailSerializer(message).data)


ROOT_LISTED = ("message-list", "my-messages", "my-supported", "region-tree", "unit-list", "addressee-list",
               "topic-tree", "hotspot-list", "statistics", "staff-inbox", "schema", "docs")


class Root(ApiView):
    docs = {"get": Doc("API 入口", "返回各集合 (留言、我的留言、区划、单位、留言对象、领域、热点、统计、待办)、OpenAPI 文档、"
                                 "Swagger 文档和 Open311 发现文档的完整地址。任何人可调用, 无需登录。")}

    LISTED = ROOT_LISTED

    @extend_schema(tags=["directory"], operation_id="root", responses=inline_serializer("ApiRoot", {
        "version": serializers.CharField(),
        **{name.replace("-", "_"): serializers.URLField() for name in ROOT_LISTED},
        "open311_discovery": serializers.URLField()}))
    def get(self, request):
        from django.urls import reverse

        return Response({"version": "v1", **{name.replace("-", "_"): request.build_absolute_uri(reverse(f"api:{name}"))
                                             for name in self.LISTED},
                         "open311_discovery": request.build_absolute_uri(
                             reverse("api:open311-discovery", kwargs={"fmt": "json"}))})

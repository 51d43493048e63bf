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
from .base import ApiView, detail_queryset, list_queryset, own_detail_queryset


class MessageList(ApiView):
    """公开留言列表."""

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
                   summary="发表留言 (登录用户)",
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
    """公开留言详情: 时间线、答复、评价."""

    @extend_schema(responses=MessageDetailSerializer, tags=["messages"],
                   parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")])
    def get(self, request, public_id):
        message = get_object_or_404(detail_queryset(), public_id=public_id, status__in=Status.public())
        return Response(MessageDetailSerializer(message).data)


ROOT_LISTED = ("message-list", "my-messages", "my-supported", "region-tree", "unit-list", "addressee-list",
               "topic-tree", "hotspot-list", "statistics", "staff-inbox", "schema", "docs")


class Root(ApiView):
    """API 入口: 各集合、OpenAPI 文档、Swagger 文档和 Open311 发现文档的完整地址."""

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

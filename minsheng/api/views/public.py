"""Public messages: list with the browse page's filters and full-text search, and the
detail with its public timeline, reply and rating."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.board.models import Support
from minsheng.board.position import far_notice, reads_exact_position
from minsheng.board.workflow import Status
from minsheng.insight.lookup import region_hint, similar_open_now, typed_area

from ..errors import ApiError
from ..idempotency import once
from ..inputs import MessageCreate, MessageQuery, SimilarQuery, apply_message_filters
from ..open311.mapping import sent_by
from ..pagination import MessageCursor
from ..permissions import IsPerson
from ..serializers import (
    MessageDetailSerializer,
    MessageListSerializer,
    OwnMessageCreatedSerializer,
    SimilarMessagesSerializer,
)
from .base import (
    NOT_PUBLIC_WHY,
    ApiView,
    Doc,
    body_of,
    detail_queryset,
    list_queryset,
    own_detail_queryset,
    parse,
)


class MessageList(ApiView):
    docs = {
        "get": Doc("公开留言列表", "返回已公开的留言, 最新的在前, 按游标分页 (`next` 为下一页的地址)。可按区划 `region` (含下级区划)、"
                                 "领域 `topic` (含下级领域)、类型 `kind`、状态 `status` 和提交日期 `date_from`、`date_to` "
                                 "(北京时间, YYYY-MM-DD) 筛选, `q` 为中文全文检索; 只有标点、符号或表情的 `q` 为 400。"
                                 "任何人可调用, 无需登录。"),
        "post": Doc("发表留言", "以调用者的名义发表一条留言, 成功为 201, 返回新留言 (待审核, 审核通过后公开)。请求体可为 JSON、表单或 "
                              "multipart (用 `photos` 上传照片), 校验规则与网站的留言表单相同: 标题 5 至 50 字, 正文 20 至 3000 字, "
                              "`region` 须有单位受理; 不符合的为 400 并指明字段。需要登录的个人 (会话或读写令牌): 未登录为 401, "
                              "只读令牌为 403。网络重试时请带 `Idempotency-Key` 请求头, 以免重复发表。"
                              "修改后重新提交: `again` 为本人未受理 (不予受理) 的留言编号, 新留言的 `resubmission_of` 为它, "
                              "旧留言 (`GET /me/messages/{public_id}/`) 的 `resubmitted_as` 为新留言; 每条只能重新提交一次, "
                              "已重新提交过为 409 (`fields.again`, 消息给出新留言编号), 不是本人未受理的留言为 400。"),
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
                   responses={201: OwnMessageCreatedSerializer}, tags=["citizen"], operation_id="messages_create",
                   parameters=[OpenApiParameter(
                       "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                       description="重试不重复发表: 同一用户 24 小时内以同一键再次提交同样的内容, 返回第一次创建的留言 "
                                   "(响应头 Idempotent-Replayed: true); 同一键、不同内容为 409")])
    def post(self, request):
        from .citizen import create_message

        # position_note read once, at the first post: a replay answers what the first answer said
        message, replayed, note = once(request, create_message, said=far_notice)
        created = own_detail_queryset().get(pk=message.pk)
        return Response(OwnMessageCreatedSerializer(created, context={"position_note": note}).data, status=201,
                        headers={"Idempotent-Replayed": "true"} if replayed else None)


SIMILAR_WHAT = ("返回与正在填写的留言 (`title`、`body`, 可加区划 `region`) 反映同一问题、尚未办结的公开留言, 最相似的在前, 至多 5 条, "
                "与网站留言表单的「已有相似留言」相同: 是同一问题的, 可以对它点「我也遇到」(`POST /messages/{public_id}/support/`) "
                "而不必重复留言。标题和内容合计不足 4 字时为空列表; 超过表单上限 (标题 100 字、内容 3000 字) 的部分不参与比较。"
                "返回 `results` (相似留言的列表) 和 `region_hint`: 每条有相似度 `similarity`, 登录后还有 `mine` (自己的留言) 和 "
                "`supported` (已点过「我也遇到」); `region_hint` 为标题或内容提到的、所选区划 (未选、省或市级) 之下的区划 "
                "(代码 `code`、名称 `name`、全称 `full_name`), 与网站表单的「留言提到「七里河区」: 选为所在区划」相同, 可提示用户选为 "
                "`region`, 没有时为 null。不存在的 `region` 为 400。任何人可调用, 无需登录")


class SimilarMessages(ApiView):
    """The post form's 已有相似留言 box (insight.views.similar): the same lookup, for an app's form."""

    docs = {"get": Doc("相似留言", SIMILAR_WHAT + "; 内容较长时 URL 可能超出服务器限制, 请改用 POST。"),
            "post": Doc("相似留言 (POST)", SIMILAR_WHAT + "; 参数放在请求体中 (JSON 或表单), 适合较长的内容; "
                                          "什么也不保存。只读令牌请用 GET。")}

    query_class = SimilarQuery

    @extend_schema(responses=SimilarMessagesSerializer, tags=["messages"], operation_id="messages_similar")
    def get(self, request):
        return self.similar(request, self.query(request))

    @extend_schema(request={"application/json": SimilarQuery, "application/x-www-form-urlencoded": SimilarQuery},
                   responses=SimilarMessagesSerializer, tags=["messages"],
                   operation_id="messages_similar_post")
    def post(self, request):
        return self.similar(request, parse(SimilarQuery, body_of(request, SimilarQuery)))

    def similar(self, request, params):
        title, body, region = params.get("title", ""), params.get("body", ""), params.get("region")
        where = typed_area(title, body, region)  # read once for the list and the hint, as the page does
        found = similar_open_now(title, body, region, k=5, where=where)
        for m, score in found:
            m.similarity = round(score, 4)
        prefetch_related_objects([m for m, _ in found], "topic", "addressee")  # the lookup read region and author
        user = request.user if request.user.is_authenticated else None
        supported = set(Support.objects.filter(user=user, message__in=[m for m, _ in found])
                        .values_list("message_id", flat=True)) if user else None
        return Response(SimilarMessagesSerializer(
            {"results": [m for m, _ in found], "region_hint": region_hint(region, where)},
            context={"user": user, "supported": supported}).data)


NOT_PUBLIC = f"留言不存在或尚未公开 ({NOT_PUBLIC_WHY}; 留言人本人请读 /api/v1/me/messages/<编号>/)"


class MessageDetail(ApiView):
    docs = {"get": Doc("公开留言详情", "返回一条已公开留言的内容、照片、公开的处理记录、答复和评价; 并入其他留言的, "
                                   "`main_case_replies` 为主留言的答复。尚未公开或不存在的留言为 404。任何人可调用, 无需登录。")}

    @extend_schema(responses=MessageDetailSerializer, tags=["messages"],
                   parameters=[OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")])
    def get(self, request, public_id):
        message = (detail_queryset().select_related("open311").filter(public_id=public_id, status__in=Status.public())
                   .first())
        if message is None:  # it read 「未找到」: an app reading back its own post thought it lost (2026-12-06)
            raise ApiError(NOT_PUBLIC, code="not_found", status_code=404)
        # its author, staff entitled to it and the Open311 key that posted it (as Open311 gives it that key, since
        # 2026-12-06): the point as sent
        exact = reads_exact_position(request.user, message) or sent_by(getattr(message, "open311", None), request)
        return Response(MessageDetailSerializer(message, context={"exact_position": exact}).data)


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

"""Citizen endpoints: post a message (photos included), my messages, rate, reopen,
withdraw, support (and take it back). Each calls the board action the web pages call."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.accounts import rights
from minsheng.board import actions
from minsheng.board.forms import MessageForm
from minsheng.board.workflow import Status

from .. import inputs
from ..errors import ApiError, echoed, found
from ..inputs import CloseAccountBody, CursorQuery, MessageCreate, OwnListQuery, RateBody, ReopenBody
from ..pagination import MessageCursor, SupportCursor
from ..permissions import IsPerson
from ..serializers import MyDataSerializer, OwnListSerializer, OwnMessageSerializer, SupportedListSerializer
from .base import (
    NOT_PUBLIC_WHY,
    ApiView,
    Doc,
    body_of,
    check_body_names,
    detail_queryset,
    list_queryset,
    own_detail_queryset,
    parse,
)

PUBLIC_ID = OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")


def topic_refusal(code, switched_off) -> str:
    """The API's words for a ``topic`` it cannot take (the web page's ask to choose 「不确定」 instead, a choice
    an API client does not have: it leaves ``topic`` out)."""
    unsure = "不确定的可不填 topic, 由工作人员判断"
    if switched_off is None:  # as a read of an unknown one says it (inputs.unknown_topic)
        return inputs.unknown_topic(code, unsure)
    return f"领域 {echoed(code)} ({switched_off.name}) 已停用 ({inputs.TOPICS_LISTED}; {unsure})"


def create_message(request):
    """Validate with the web form (board.forms.MessageForm: rules and photo cleaning
    defined once) after a type check of the API body, then call do_submit."""
    data = body_of(request, MessageCreate)
    uploads = request.FILES.getlist("photos") if hasattr(request.data, "getlist") else []
    if uploads:
        data["photos"] = uploads
    checked = parse(MessageCreate, data)
    form_data = {k: ("" if v is None else str(v)) for k, v in checked.items()
                 if k not in ("photos", "show_name", "again")}
    if checked.get("show_name"):
        form_data["show_name"] = "on"
    form = MessageForm(form_data, MultiValueDict({"photos": uploads}), topic_refusal=topic_refusal,
                       region_refusal=inputs.unknown_region, addressee_refusal=inputs.unknown_addressee)
    if not form.is_valid():
        raise serializers.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    if not checked.get("again"):
        return actions.do_submit(request.user, **form.submit_kwargs())
    try:
        return actions.do_resubmit(request.user, checked["again"], **form.submit_kwargs())  # 修改后重新提交
    except actions.Resubmitted as exc:
        raise ApiError(str(exc), code="conflict", status_code=409, fields={"again": ["已重新提交过"]})
    except actions.Invalid as exc:
        if exc.field != "again":
            raise
        raise ApiError(f"again 应为您本人未受理 (不予受理) 的留言编号: 没有这样的留言 {checked['again']}",
                       fields={"again": ["不是您未受理的留言"]})


def _own_or_public(request, public_id):
    """A message the caller may act on: public ones, and the caller's own in any state."""
    qs = detail_queryset().filter(Q(status__in=Status.public()) | Q(author=request.user))
    return found(qs, f"留言 {echoed(public_id)} 不存在或尚未公开 ({NOT_PUBLIC_WHY}, 只有留言人本人可见)",
                 public_id=public_id)


def _author_only(request, public_id, refusal):
    """The caller's own message, before its body is read: another's hidden message is a 404, another's
    public one a 403 (``refusal``, the action's own words), whatever the body says (since 2026-12-05 for
    a public one: a body lacking a field was a 400 about it, as if a complete one would be taken)."""
    message = _own_or_public(request, public_id)
    if message.author_id != request.user.pk:
        raise PermissionDenied(refusal)
    return message


class MyMessageList(ApiView):
    docs = {"get": Doc("我的留言", "返回调用者本人发表的全部留言 (含待审核、未受理、撤回和并单的), 最新的在前, 按游标分页; "
                                 "`status` 只列这些状态的 (逗号分隔多个, 如 `status=submitted,accepted,dispatched,signed`: 尚未答复的); "
                                 "含本人的联系方式和 `submitted_by` (代为提交的接入系统名称, 本人提交的为 null)。"
                                 "需要登录的个人 (会话或令牌), 未登录为 401。")}

    permission_classes = [IsPerson]
    pagination_class = MessageCursor
    query_class = OwnListQuery

    @extend_schema(responses=OwnListSerializer(many=True), tags=["citizen"])
    def get(self, request):
        params = self.query(request)
        qs = list_queryset().filter(author=request.user)
        if params.get("status"):
            qs = qs.filter(status__in=params["status"])
        qs = qs.select_related("open311__api_key", "resubmission_of", "resubmitted_as")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OwnListSerializer(page, many=True).data)


class MySupportedList(ApiView):
    docs = {"get": Doc("我也遇到的留言", "返回调用者点过「我也遇到」的公开留言, 最近支持的在前, 按游标分页, 每条带支持时间 "
                                     "`supported_at`; 这些留言答复和办结时调用者会收到通知。需要登录的个人, 未登录为 401。")}

    permission_classes = [IsPerson]
    pagination_class = SupportCursor
    query_class = CursorQuery

    @extend_schema(responses=SupportedListSerializer(many=True), tags=["citizen"])
    def get(self, request):
        self.query(request)
        # one join: the annotation reads the caller's own support row, the one filtered on
        qs = (list_queryset().filter(supports__user=request.user, status__in=Status.public())
              .annotate(supported_at=F("supports__created_at")))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SupportedListSerializer(page, many=True).data)


class MyMessageDetail(ApiView):
    docs = {"get": Doc("我的一条留言", "返回调用者本人的一条留言, 含尚未公开的处理过程和本人的联系方式。"
                                   "不是本人的留言或不存在为 404。需要登录的个人, 未登录为 401。")}

    permission_classes = [IsPerson]

    @extend_schema(responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        message = found(own_detail_queryset(), f"您没有编号为 {echoed(public_id)} 的留言",
                        public_id=public_id, author=request.user)
        return Response(OwnMessageSerializer(message).data)


class _CitizenAction(ApiView):
    permission_classes = [IsPerson]

    def done(self, message):
        return Response(OwnMessageSerializer(own_detail_queryset().get(pk=message.pk)).data)


class Rate(_CitizenAction):
    docs = {"post": Doc("评价答复", "留言人评价已答复的留言: `resolution` (解决情况)、`attitude` (办理态度)、`speed` (办理速度) "
                                  "各为 `satisfied`、`basic` 或 `unsatisfied`, 可附 `comment`; 返回评价后的留言。"
                                  "`reply` 写明评价的是哪一条答复 (它的轮次, 即留言 `replies` 中的 `round`): 此后单位已再次答复 "
                                  "(重办后) 则为 409 `conflict` (已有新的答复, 请阅读后再评价), 不评价; 不是这条留言的答复为 400 并指明 "
                                  "`reply`; 缺省则评价最新的答复, 不核对。"
                                  "只有留言人本人可以评价: 他人为 403 (不论请求体); 当前状态不能评价为 409 (不论请求体), 调用者看不到的留言为 404, 请求体不合格为 400。")}

    @extend_schema(request=RateBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _author_only(request, public_id, actions.ONLY_AUTHOR_RATES)
        actions.may_evaluate(message)  # a status that takes no rating: its 409 whatever the body says
        body = parse(RateBody, body_of(request, RateBody))
        if "reply" in body:  # the answer the client read, by its round (the API shows no other id of an answer)
            body["seen_round"] = body.pop("reply")
        actions.do_evaluate(request.user, message, **body)
        return self.done(message)


class Reopen(_CitizenAction):
    docs = {"post": Doc("申请重办", "留言人在作出不满意评价后申请重办, 须写明理由 `reason`, 每条留言只能申请一次; "
                                  "返回申请后的留言。只有留言人本人可以申请: 他人为 403 (不论请求体); 当前状态不能申请为 409 (不论请求体), 调用者看不到的留言为 404, 请求体不合格为 400。")}

    @extend_schema(request=ReopenBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _author_only(request, public_id, actions.ONLY_AUTHOR_REOPENS)
        actions.may_reopen(message)  # a status that takes no reopening: its 409 whatever the body says
        body = parse(ReopenBody, body_of(request, ReopenBody))
        actions.do_reopen(request.user, message, reason=body["reason"])
        return self.done(message)


class Withdraw(_CitizenAction):
    docs = {"post": Doc("撤回留言", "留言人在派单前撤回自己的留言, 返回撤回后的留言。已派单的留言不能撤回 (409); "
                                  "不是留言人为 403, 调用者看不到的留言为 404。")}

    @extend_schema(request=None, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _author_only(request, public_id, "只有留言人可以撤回留言")  # its 403 whatever the body says
        check_body_names(request, None)
        actions.do_withdraw(request.user, message)
        return self.done(message)


class SupportResult(serializers.Serializer):
    supported = serializers.BooleanField()
    created = serializers.BooleanField()
    support_count = serializers.IntegerField()


class SupportUndone(serializers.Serializer):
    supported = serializers.BooleanField(help_text="调用者此后是否仍「我也遇到」: 总是 false")
    removed = serializers.BooleanField(help_text="本次是否取消了调用者的「我也遇到」; 调用者没有点过 (或已取消) 为 false, 不改变计数")
    support_count = serializers.IntegerField()


class Support(ApiView):
    docs = {"post": Doc("我也遇到", "对一条公开留言表示「我也遇到」, 返回 `supported`、`created` (本次是否新增; 重复提交为 false, "
                                  "不重复计数) 和最新的 `support_count`; 此后该留言答复和办结时调用者会收到通知 (站内信, 有邮箱的也发邮件)。"
                                  "需要登录的个人; 留言人本人为 403, 调用者看不到的留言为 404。误点的可以用 `DELETE` 取消。"),
            "delete": Doc("取消我也遇到", "取消调用者本人对这条留言的「我也遇到」(误点时), 与网站留言页的「取消我也遇到」相同: 返回 "
                                        "`supported` (false)、`removed` (本次是否取消; 没有点过或重复取消为 false, 不改变计数) "
                                        "和最新的 `support_count`; 此后不再收到该留言的答复和办结通知。只能取消自己的。"
                                        "需要登录的个人, 调用者看不到的留言为 404。")}

    permission_classes = [IsPerson]

    @extend_schema(request=None, responses=SupportResult, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _own_or_public(request, public_id)
        check_body_names(request, None)
        created = actions.do_support(request.user, message)
        message.refresh_from_db(fields=["support_count"])  # others may have supported it meanwhile
        return Response({"supported": True, "created": created, "support_count": message.support_count})

    # the status said: a serializer alone declared drf-spectacular's 204 of a DELETE, no body (until 2026-12-08)
    @extend_schema(request=None, responses={200: SupportUndone}, tags=["citizen"], parameters=[PUBLIC_ID])
    def delete(self, request, public_id):
        message = _own_or_public(request, public_id)
        check_body_names(request, None)  # as post: a field sent to a DELETE is refused (docs/api.md)
        removed = actions.do_unsupport(request.user, message)
        message.refresh_from_db(fields=["support_count"])  # others may have supported it meanwhile
        return Response({"supported": False, "removed": removed, "support_count": message.support_count})


class MyData(ApiView):
    """The same document as the profile page's download (accounts.rights.my_data)."""

    docs = {"get": Doc("我的数据", "返回本站保存的调用者本人的数据, 与个人资料页「下载我的数据」相同: 账号信息 (含同意隐私政策的时间和版本)、"
                                 "本人的每条留言 (原文、公开的答复和处理记录、本人的评价和重办申请; 不含内部备注和工作人员姓名)、"
                                 "「我也遇到」的留言、站内信和 API 令牌 (只有名称、前缀和权限, 不含令牌本身)。"
                                 "响应不可缓存 (`Cache-Control: private, no-store`)。需要登录的个人, 未登录为 401。")}

    permission_classes = [IsPerson]
    consent_not_needed = frozenset({"GET", "HEAD"})

    @extend_schema(responses={200: MyDataSerializer}, tags=["citizen"])
    def get(self, request):
        # as the page's download: no cache keeps it, nor a shared one (a session's GET carries no Authorization)
        return Response(rights.my_data(request.user), headers={"Cache-Control": "private, no-store"})


class Me(ApiView):
    """Closing one's own account, as the profile page does (accounts.rights.check_close_account)."""

    docs = {"delete": Doc("注销账号", "注销调用者本人的账号, 请求体为 `{\"password\": \"<当前密码>\"}`, 成功为 204 (无响应体)。"
                                    "手机号、邮箱、昵称和密码随即清除, 账号的全部令牌 (含本次使用的) 作废, 此后用它们调用为 401; "
                                    "留言仍然保留, 署名为「已注销用户」。密码错误或未填为 400 并指明 `password` (连续失败过多时, "
                                    "请 15 分钟后再试); 没有设置过密码的账号请先用「忘记密码」设置。"
                                    "工作人员和平台管理员的账号不能自行注销 (403), 由管理员办理。")}

    permission_classes = [IsPerson]
    consent_not_needed = frozenset({"DELETE"})

    @extend_schema(request=CloseAccountBody, responses={204: OpenApiResponse(description="账号已注销")},
                   tags=["citizen"])
    def delete(self, request):
        rights.refuse_close_account(request.user)  # staff: the 403 whatever the body, as docs/api.md says
        body = parse(CloseAccountBody, body_of(request, CloseAccountBody))
        rights.check_close_account(request.user, body["password"], request)
        return Response(status=204)

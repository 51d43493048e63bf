"""Citizen endpoints: post a message (photos included), my messages, rate, reopen,
withdraw, support. Each calls the board action the web pages call."""

from __future__ import annotations

from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.accounts import rights
from minsheng.board import actions
from minsheng.board.forms import MessageForm
from minsheng.board.workflow import Status

from ..inputs import CloseAccountBody, CursorQuery, MessageCreate, RateBody, ReopenBody
from ..pagination import MessageCursor, SupportCursor
from ..permissions import IsPerson
from ..serializers import OwnListSerializer, OwnMessageSerializer, SupportedListSerializer
from .base import ApiView, body_of, detail_queryset, list_queryset, own_detail_queryset, parse

PUBLIC_ID = OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")


def create_message(request):
    """Validate with the web form (board.forms.MessageForm: rules and photo cleaning
    defined once) after a type check of the API body, then call do_submit."""
    data = body_of(request, MessageCreate)
    uploads = request.FILES.getlist("photos") if hasattr(request.data, "getlist") else []
    if uploads:
        data["photos"] = uploads
    checked = parse(MessageCreate, data)
    form_data = {k: ("" if v is None else str(v)) for k, v in checked.items() if k not in ("photos", "show_name")}
    if checked.get("show_name"):
        form_data["show_name"] = "on"
    form = MessageForm(form_data, MultiValueDict({"photos": uploads}))
    if not form.is_valid():
        raise serializers.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    return actions.do_submit(request.user, **form.submit_kwargs())


def _own_or_public(request, public_id):
    """A message the caller may act on: public ones, and the caller's own in any state."""
    qs = detail_queryset().filter(Q(status__in=Status.public()) | Q(author=request.user))
    return get_object_or_404(qs, public_id=public_id)


class MyMessageList(ApiView):
    """我的留言 (全部状态)."""

    permission_classes = [IsPerson]
    pagination_class = MessageCursor
    query_class = CursorQuery

    @extend_schema(responses=OwnListSerializer(many=True), tags=["citizen"])
    def get(self, request):
        self.query(request)
        qs = list_queryset().filter(author=request.user).select_related("open311__api_key")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OwnListSerializer(page, many=True).data)


class MySupportedList(ApiView):
    """我也遇到的: public messages I supported, the one I supported last first; I am
    notified when they are answered and closed."""

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
    """我的一条留言, 含尚未公开的处理过程."""

    permission_classes = [IsPerson]

    @extend_schema(responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def get(self, request, public_id):
        message = get_object_or_404(own_detail_queryset(), public_id=public_id, author=request.user)
        return Response(OwnMessageSerializer(message).data)


class _CitizenAction(ApiView):
    permission_classes = [IsPerson]

    def done(self, message):
        return Response(OwnMessageSerializer(own_detail_queryset().get(pk=message.pk)).data)


class Rate(_CitizenAction):
    """评价答复 (留言人)."""

    @extend_schema(request=RateBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _own_or_public(request, public_id)  # another's hidden message: 404 whatever the body says
        body = parse(RateBody, body_of(request))
        actions.do_evaluate(request.user, message, **body)
        return self.done(message)


class Reopen(_CitizenAction):
    """申请重办 (不满意评价后)."""

    @extend_schema(request=ReopenBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _own_or_public(request, public_id)  # another's hidden message: 404 whatever the body says
        body = parse(ReopenBody, body_of(request))
        actions.do_reopen(request.user, message, reason=body["reason"])
        return self.done(message)


class Withdraw(_CitizenAction):
    """撤回留言 (派单前)."""

    @extend_schema(request=None, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _own_or_public(request, public_id)
        actions.do_withdraw(request.user, message)
        return self.done(message)


class SupportResult(serializers.Serializer):
    supported = serializers.BooleanField()
    created = serializers.BooleanField()
    support_count = serializers.IntegerField()


class Support(ApiView):
    """我也遇到 (支持一条公开留言)."""

    permission_classes = [IsPerson]

    @extend_schema(request=None, responses=SupportResult, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        message = _own_or_public(request, public_id)
        created = actions.do_support(request.user, message)
        message.refresh_from_db(fields=["support_count"])  # others may have supported it meanwhile
        return Response({"supported": True, "created": created, "support_count": message.support_count})


class MyData(ApiView):
    """我的数据: a copy of what the site keeps of the caller (the page's 下载我的数据, the same
    document): the account, every message of theirs as their own pages show it (the text as
    written, public replies and steps, their ratings and reopen requests; no internal note, no staff
    name), what they supported, their site inbox and their API tokens (never a key)."""

    permission_classes = [IsPerson]
    consent_not_needed = frozenset({"GET", "HEAD"})

    @extend_schema(responses={200: {"type": "object", "additionalProperties": True}}, tags=["citizen"])
    def get(self, request):
        # as the page's download: no cache keeps it, nor a shared one (a session's GET carries no Authorization)
        return Response(rights.my_data(request.user), headers={"Cache-Control": "private, no-store"})


class Me(ApiView):
    """注销账号 (the caller's own): the phone, email, nickname and password are wiped, the account
    closed, every token of it revoked; the messages stay on record, named 「已注销用户」. Staff and
    admins are refused (403: an administrator closes their accounts); a wrong password is a 400."""

    permission_classes = [IsPerson]
    consent_not_needed = frozenset({"DELETE"})

    @extend_schema(request=CloseAccountBody, responses={204: OpenApiResponse(description="账号已注销")},
                   tags=["citizen"])
    def delete(self, request):
        body = parse(CloseAccountBody, body_of(request))
        rights.check_close_account(request.user, body["password"], request)
        return Response(status=204)

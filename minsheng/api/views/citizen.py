"""Citizen endpoints: post a message (photos included), my messages, rate, reopen,
withdraw, support. Each calls the board action the web pages call."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.board import actions
from minsheng.board.forms import MessageForm
from minsheng.board.workflow import Status

from ..errors import ApiError
from ..inputs import MessageCreate, RateBody, ReopenBody
from ..models import IdempotencyKey
from ..pagination import MessageCursor, SupportCursor
from ..permissions import IsPerson
from ..serializers import OwnListSerializer, OwnMessageSerializer, SupportedListSerializer
from .base import ApiView, body_of, detail_queryset, list_queryset, parse

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


IDEMPOTENCY_HOURS = 24
_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # visible ASCII, as a UUID or a client's own id


def once(request, create):
    """``create(request)`` once per ``Idempotency-Key`` header: a retry with the key (same
    user, within IDEMPOTENCY_HOURS, the same fields) gets the message the first request
    created, and ``replayed`` True; the same key with other fields is a 409. Without the
    header every request creates."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create(request), False
    if not _KEY.fullmatch(key):
        raise ApiError("Idempotency-Key 应为 1–100 个可见 ASCII 字符 (例如一个 UUID)",
                       fields={"Idempotency-Key": ["格式不正确"]})
    fingerprint = _fingerprint(request)
    # a user's expired keys go as they send the next one: the table holds a day of posts
    IdempotencyKey.objects.filter(user=request.user,
                                  created_at__lt=timezone.now() - dt.timedelta(hours=IDEMPOTENCY_HOURS)).delete()
    mine = IdempotencyKey.objects.filter(user=request.user, key=key).select_related("message")
    earlier = mine.first()  # a retry: answered without checking the form or saving photos again
    if earlier is None:
        try:
            with transaction.atomic():
                message = create(request)
                IdempotencyKey.objects.create(user=request.user, key=key, fingerprint=fingerprint, message=message)
            return message, False
        except IntegrityError:  # the same request twice at once: the other wrote the key first
            earlier = mine.first()
            if earlier is None:
                raise
    if earlier.fingerprint != fingerprint:
        raise ApiError("该 Idempotency-Key 已用于另一条内容不同的留言; 新留言请换一个键",
                       code="conflict", status_code=409, fields={"Idempotency-Key": ["已被使用"]})
    return earlier.message, True


def _fingerprint(request) -> str:
    data = request.data
    fields = sorted((k, [str(v) for v in data.getlist(k)]) for k in data) if hasattr(data, "getlist") else data
    files = sorted((k, [(f.name, f.size) for f in request.FILES.getlist(k)]) for k in request.FILES)
    text = json.dumps([fields, files], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _own_or_public(request, public_id):
    """A message the caller may act on: public ones, and the caller's own in any state."""
    qs = detail_queryset().filter(Q(status__in=Status.public()) | Q(author=request.user))
    return get_object_or_404(qs, public_id=public_id)


class MyMessageList(ApiView):
    """我的留言 (全部状态)."""

    permission_classes = [IsPerson]
    pagination_class = MessageCursor

    @extend_schema(responses=OwnListSerializer(many=True), tags=["citizen"])
    def get(self, request):
        qs = list_queryset().filter(author=request.user)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(OwnListSerializer(page, many=True).data)


class MySupportedList(ApiView):
    """我也遇到的: public messages I supported, the one I supported last first; I am
    notified when they are answered and closed."""

    permission_classes = [IsPerson]
    pagination_class = SupportCursor

    @extend_schema(responses=SupportedListSerializer(many=True), tags=["citizen"])
    def get(self, request):
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
        message = get_object_or_404(detail_queryset(), public_id=public_id, author=request.user)
        return Response(OwnMessageSerializer(message).data)


class _CitizenAction(ApiView):
    permission_classes = [IsPerson]

    def done(self, message):
        return Response(OwnMessageSerializer(detail_queryset().get(pk=message.pk)).data)


class Rate(_CitizenAction):
    """评价答复 (留言人)."""

    @extend_schema(request=RateBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        body = parse(RateBody, body_of(request))
        message = _own_or_public(request, public_id)
        actions.do_evaluate(request.user, message, **body)
        return self.done(message)


class Reopen(_CitizenAction):
    """申请重办 (不满意评价后)."""

    @extend_schema(request=ReopenBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        body = parse(ReopenBody, body_of(request))
        message = _own_or_public(request, public_id)
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



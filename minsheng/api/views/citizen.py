"""Citizen endpoints: post a message (photos included), my messages, rate, reopen,
withdraw, support. Each calls the board action the web pages call."""

from __future__ import annotations

import hashlib
import inspect
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.board import actions
from minsheng.board.workflow import Status
from minsheng.directory.models import Addressee, Region, Topic

from ..inputs import MessageCreate, RateBody, ReasonBody
from ..pagination import MessageCursor
from ..permissions import IsPerson
from ..serializers import MessageListSerializer, OwnMessageSerializer
from .base import ApiView, body_of, detail_queryset, list_queryset, parse

PUBLIC_ID = OpenApiParameter("public_id", str, OpenApiParameter.PATH, description="留言编号")


@dataclass
class _Photo:
    file: ContentFile
    sha256: str
    content_type: str
    width: int
    height: int


def _fallback_clean_photo(upload) -> _Photo:
    """Re-encode an upload as JPEG (drops EXIF and anything hidden in the file)."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > settings.MINSHENG_MAX_PHOTO_BYTES:
        raise serializers.ValidationError(f"照片「{upload.name}」超过 5 MB")
    try:
        image = Image.open(upload)
        image.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise serializers.ValidationError(f"「{upload.name}」不是有效的图片 (支持 JPEG、PNG)")
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=85)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    return _Photo(ContentFile(data, name=f"{sha[:16]}.jpg"), sha, "image/jpeg", image.width, image.height)


def clean_photo(upload):
    try:
        from minsheng.board.photos import clean_photo as board_clean_photo
    except ImportError:
        return _fallback_clean_photo(upload)
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        return board_clean_photo(upload)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages)


def _resolve(data: dict) -> dict:
    """Codes and ids of MessageCreate → model rows, with per-field errors."""
    errors = {}
    region = Region.objects.filter(code=data["region"]).first()
    if region is None:
        errors["region"] = ["区划代码不存在"]
    addressee = None
    if data.get("addressee"):
        addressee = Addressee.objects.filter(pk=data["addressee"], is_active=True).select_related("region").first()
        if addressee is None:
            errors["addressee"] = ["留言对象不存在"]
    topic = None
    if data.get("topic"):
        topic = Topic.objects.filter(code=data["topic"], is_active=True).first()
        if topic is None:
            errors["topic"] = ["领域代码不存在"]
    if (data.get("latitude") is None) != (data.get("longitude") is None):
        errors["latitude"] = ["经度和纬度需同时提供"]
    photos = []
    for i, upload in enumerate(data.get("photos") or []):
        try:
            photos.append(clean_photo(upload))
        except serializers.ValidationError as exc:
            errors.setdefault("photos", []).extend(f"第 {i + 1} 张: {m}" for m in exc.detail)
    if errors:
        raise serializers.ValidationError(errors)
    if not data["title"].strip() or not data["body"].strip():
        raise serializers.ValidationError({"title": ["标题和内容不能为空"]})
    return {"title": data["title"].strip(), "body": data["body"].strip(), "kind": data["kind"], "region": region,
            "addressee": addressee, "topic": topic, "show_name": data.get("show_name", False),
            "latitude": data.get("latitude"), "longitude": data.get("longitude"),
            "address": data.get("address", ""), "photos": photos}


def _form_check(values: dict, request) -> None:
    """When the web form exists, the API obeys its rules too (rules defined once)."""
    try:
        from minsheng.board.forms import MessageForm
    except ImportError:
        return
    form_data = {k: v for k, v in request.data.items() if k != "photos"} if hasattr(request.data, "items") else {}
    try:
        form = MessageForm(form_data, request.FILES)
    except TypeError:
        return
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise serializers.ValidationError(fields or {"non_field_errors": ["提交的内容有误"]})


def create_message(request):
    data = body_of(request)
    if hasattr(request.data, "getlist"):
        data["photos"] = request.FILES.getlist("photos")
    values = _resolve(parse(MessageCreate, data))
    _form_check(values, request)
    accepted = inspect.signature(actions.do_submit).parameters
    return actions.do_submit(request.user, **{k: v for k, v in values.items() if k in accepted})


def _own_or_public(request, public_id):
    """A message the caller may act on: public ones, and the caller's own in any state."""
    qs = detail_queryset().filter(Q(status__in=Status.public()) | Q(author=request.user))
    return get_object_or_404(qs, public_id=public_id)


class MyMessageList(ApiView):
    """我的留言 (全部状态)."""

    permission_classes = [IsPerson]

    @extend_schema(responses=MessageListSerializer(many=True), tags=["citizen"],
                   parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)])
    def get(self, request):
        qs = list_queryset().filter(author=request.user)
        paginator = MessageCursor()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MessageListSerializer(page, many=True).data)


class MyMessageDetail(ApiView):
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

    @extend_schema(request=ReasonBody, responses=OwnMessageSerializer, tags=["citizen"], parameters=[PUBLIC_ID])
    def post(self, request, public_id):
        body = parse(ReasonBody, body_of(request))
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
        return Response({"supported": True, "created": created, "support_count": message.support_count})



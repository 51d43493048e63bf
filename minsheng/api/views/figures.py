"""Hotspots and public statistics. Both come from other parts of minsheng
(minsheng.insight for hotspots, minsheng.stats for figures); the imports are guarded
so the API answers (an empty list, or figures counted from the message table) while
those parts are not installed."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from minsheng.board.models import Evaluation, Event, Message, Rating
from minsheng.board.workflow import Status

from ..inputs import apply_message_filters, local_day_start
from ..pagination import DirectoryPages
from ..serializers import RegionRefSerializer, TopicRefSerializer
from .base import ApiView, parse, query_dict


def _hotspot_model():
    try:
        from minsheng.insight.models import Hotspot
    except ImportError:
        return None
    return Hotspot


def _first_attr(obj, names, default=None):
    for name in names:
        value = getattr(obj, name, None)
        if value is not None and not callable(value):
            return value
    return default


class HotspotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    topic = serializers.SerializerMethodField()
    message_count = serializers.SerializerMethodField()
    chronic = serializers.SerializerMethodField()
    first_at = serializers.SerializerMethodField()
    last_at = serializers.SerializerMethodField()

    def get_title(self, obj) -> str:
        return str(_first_attr(obj, ("title", "label", "name"), str(obj)))

    @staticmethod
    def _ref(value, fields):
        return {f: getattr(value, f) for f in fields} if value is not None else None

    def get_region(self, obj) -> RegionRefSerializer(allow_null=True):  # noqa: F821
        return self._ref(getattr(obj, "region", None), ("code", "name", "level"))

    def get_topic(self, obj) -> TopicRefSerializer(allow_null=True):  # noqa: F821
        return self._ref(getattr(obj, "topic", None), ("code", "name"))

    def get_message_count(self, obj) -> int:
        return int(_first_attr(obj, ("message_count", "messages_count", "size", "count"), 0) or 0)

    def get_chronic(self, obj) -> bool:
        return bool(_first_attr(obj, ("chronic", "is_chronic"), False))

    def get_first_at(self, obj) -> dt.datetime | None:
        return _first_attr(obj, ("first_at", "first_seen", "created_at"))

    def get_last_at(self, obj) -> dt.datetime | None:
        return _first_attr(obj, ("last_at", "last_seen", "updated_at"))


class HotspotQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    chronic = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="只看老大难")
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class HotspotList(ApiView):
    """热点问题 (及老大难)."""

    pagination_class = DirectoryPages

    @extend_schema(parameters=[HotspotQuery], responses=HotspotSerializer(many=True), tags=["insight"])
    def get(self, request):
        params = parse(HotspotQuery, query_dict(request))
        model = _hotspot_model()
        paginator = self.pagination_class()
        if model is None:
            return paginator.get_paginated_response(
                paginator.paginate_queryset(Message.objects.none(), request, view=self) or [])
        names = {f.name for f in model._meta.get_fields()}
        related = [n for n in ("region", "topic") if n in names]
        qs = model.objects.select_related(*related).order_by("-pk")
        if params.get("region") and "region" in names:
            qs = qs.filter(region__code__startswith=params["region"])
        for flag in ("chronic", "is_chronic"):
            if params.get("chronic") is not None and flag in names:
                qs = qs.filter(**{flag: params["chronic"]})
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(HotspotSerializer(page, many=True).data)


class FiguresQuery(serializers.Serializer):
    region = serializers.CharField(required=False, max_length=12, help_text="区划代码, 含下级区划")
    topic = serializers.CharField(required=False, max_length=40, help_text="领域代码, 含下级领域")
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)

    def validate(self, attrs):
        from ..inputs import MessageQuery

        checked = MessageQuery(data={k: v.isoformat() if hasattr(v, "isoformat") else v
                                     for k, v in attrs.items()})
        checked.is_valid(raise_exception=True)
        return checked.validated_data


class FiguresSerializer(serializers.Serializer):
    messages = serializers.IntegerField(help_text="受理留言数")
    replied = serializers.IntegerField(help_text="已答复")
    reply_rate = serializers.FloatField(allow_null=True, help_text="回复率")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按时率 (按时答复 / 全部答复)")
    satisfaction_rate = serializers.FloatField(allow_null=True, help_text="满意率 (满意+基本满意 / 评价)")
    evaluations = serializers.IntegerField()
    source = serializers.CharField(help_text="stats: 统计模块的汇总; messages: 直接按留言计算")
    extra = serializers.DictField(child=serializers.JSONField(), help_text="统计模块提供的其他数字")


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def count_figures(params: dict) -> dict:
    """Public figures counted from the message table (three queries)."""
    counted = [*Status.public()]
    qs = apply_message_filters(Message.objects.filter(status__in=counted).exclude(status=Status.MERGED), params)
    totals = qs.aggregate(messages=Count("pk"), replied=Count("pk", filter=Q(replied_at__isnull=False)))
    replies = Event.objects.filter(kind=Event.Kind.REPLIED, message__in=qs.values("pk")).values_list(
        "data__on_time", flat=True)
    on_time = [bool(v) for v in replies]
    evaluations = Evaluation.objects.filter(message__in=qs.values("pk")).aggregate(
        n=Count("pk"), ok=Count("pk", filter=Q(resolution__in=[Rating.SATISFIED, Rating.BASIC])))
    return {"messages": totals["messages"], "replied": totals["replied"],
            "reply_rate": _ratio(totals["replied"], totals["messages"]),
            "on_time_rate": _ratio(sum(on_time), len(on_time)),
            "satisfaction_rate": _ratio(evaluations["ok"], evaluations["n"]), "evaluations": evaluations["n"],
            "source": "messages", "extra": {}}


def stats_figures(params: dict) -> dict | None:
    """minsheng.stats' figures, when that module provides them."""
    try:
        from minsheng.stats import figures as stats_module
    except ImportError:
        return None
    fn = getattr(stats_module, "figures", None)
    if fn is None:
        return None
    return fn  # adapted in StatisticsView once its signature is known


class Statistics(ApiView):
    """公开统计: 留言数、回复率、按时率、满意率."""

    @extend_schema(parameters=[FiguresQuery], responses=FiguresSerializer, tags=["statistics"])
    def get(self, request):
        params = parse(FiguresQuery, query_dict(request))
        return Response(count_figures(params))


_ = local_day_start

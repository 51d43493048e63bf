from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.views import APIView

from minsheng.board.models import Assignment, Event, Message


def parse(serializer_class, data, **kwargs) -> dict:
    """Validate ``data`` with ``serializer_class``; a bad value raises a 400."""
    s = serializer_class(data=data, **kwargs)
    s.is_valid(raise_exception=True)
    return s.validated_data


def query_dict(request) -> dict:
    """Query parameters as plain values (the last one wins for repeated keys). An empty
    one (``?region=&status=``, as an HTML form or a URL template sends it) is left out."""
    return {k: v for k, v in request.query_params.items() if v != ""}


def body_of(request, body_class=None) -> dict:
    """The body as a dict. A form field named by a list field of ``body_class`` is a list
    even when sent once (``assists=5``); a JSON ``null`` is the same as leaving the field out."""
    data = request.data
    if hasattr(data, "dict"):  # QueryDict from a form or multipart body
        lists = {name for name, field in body_class().fields.items()
                 if isinstance(field, serializers.ListField)} if body_class else set()
        return {k: (data.getlist(k) if k in lists or len(data.getlist(k)) > 1 else data.get(k)) for k in data.keys()}
    if not isinstance(data, dict):
        raise serializers.ValidationError("请求体应为 JSON 对象")
    return {k: v for k, v in data.items() if v is not None}


def list_queryset():
    return Message.objects.select_related("region", "topic", "addressee", "author")


def detail_queryset():
    return list_queryset().select_related("duplicate_of").prefetch_related(
        "replies__unit", "evaluations", "attachments",
        Prefetch("events", queryset=Event.objects.select_related("unit", "actor")),
    )


def staff_queryset():
    return detail_queryset().select_related("predicted_topic").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit").prefetch_related("extensions")),
    )


def reject_nul(request, kwargs) -> None:
    """NUL characters are never valid input (and PostgreSQL refuses them in queries)."""
    values = [*kwargs.values(), *request.query_params.keys(), *request.query_params.values()]
    if any("\x00" in str(v) for v in values):
        raise serializers.ValidationError("请求中含有无效字符 (NUL)")


class ApiView(APIView):
    """Base of every endpoint (authentication, throttles and errors come from settings)."""

    def initial(self, request, *args, **kwargs):
        reject_nul(request, kwargs)
        super().initial(request, *args, **kwargs)

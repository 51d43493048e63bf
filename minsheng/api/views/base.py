from __future__ import annotations

from typing import NamedTuple

from django.db.models import Prefetch
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.settings import api_settings
from rest_framework.utils.formatting import markup_description
from rest_framework.views import APIView

from minsheng.accounts import rights
from minsheng.board.models import Assignment, Event, Message

from ..errors import MESSAGES, ApiError, echoed
from ..inputs import UNKNOWN_FIELD, refuse_names, says_something
from ..parsers import PARSERS


def parse(serializer_class, data, **kwargs) -> dict:
    """Validate ``data`` with ``serializer_class``; a bad value raises a 400."""
    s = serializer_class(data=data, **kwargs)
    s.is_valid(raise_exception=True)
    return s.validated_data


def query_dict(request) -> dict:
    """Query parameters as plain values (the last one wins for repeated keys). An empty
    one (``?region=&status=``, as an HTML form or a URL template sends it) is left out."""
    return {k: v for k, v in request.query_params.items() if v != ""}


# What a browser's form adds to the caller's fields: Django's CSRF token (a session's form) and the raw-data form of
# DRF's browsable API (its media type and content, sent as fields when its script does not run)
FORM_EXTRAS = ("csrfmiddlewaretoken", "_content_type", "_content")
# a name no JSON body of ours is read for, with where it goes
JSON_HINTS = {"api_key": f"{UNKNOWN_FIELD} api_key: Open311 接入密钥请放在 X-API-Key 请求头或查询参数 api_key 中"
                         " (JSON 请求体中的不读取)"}
NO_FIELDS = "该接口不接受请求体字段"


def check_body_names(request, body_class) -> None:
    """A body field ``body_class`` does not take (None: the endpoint takes none) is a 400 naming it, with the
    field it may be a typo of, and listing those taken, as an unknown query parameter is (since 2026-12-06: it
    was dropped, and a message stored without its ``adress``). One sent empty (a JSON null, ``""``) loses
    nothing and passes; so do what a browser's form adds (FORM_EXTRAS) and, in a form's POST, ``api_key``
    (authentication.ApiKeyAuthentication reads it there). A body that is no object is left to the reader."""
    data = request.data
    if hasattr(data, "lists"):  # QueryDict: a form or multipart body (its files among its values)
        given, extras, hints = dict(data.lists()), FORM_EXTRAS + (("api_key",) if request.method == "POST" else ()), {}
    elif isinstance(data, dict):
        given, extras, hints = data, (), JSON_HINTS
    else:
        return
    accepted = tuple(body_class().fields) if body_class else ()
    unknown = [name for name, value in given.items()
               if name not in accepted and name not in extras and says_something(value)]
    if unknown:
        raise refuse_names(unknown, accepted, UNKNOWN_FIELD, {**hints, **getattr(body_class, "UNKNOWN_HINTS", {})},
                           none_taken=NO_FIELDS)


def body_of(request, body_class) -> dict:
    """The body as a dict, once check_body_names has found no field ``body_class`` does not take. A form field
    named by a list field of ``body_class`` is a list
    even when sent once (``assists=5``); a JSON ``null`` is the same as leaving the field out, but
    for the fields ``body_class`` names in ``NULL_KEPT``, where null says something (assign's ``seen``:
    未指派). A form has no null: such a field sent empty (``seen=``, as an HTML form sends it) is null; any other
    field ``body_class`` does not require, sent empty, is left out unless it takes an empty text, as DRF reads a
    form (a staff action's ``version=`` was a 400 「请填写合法的整数值」 until 2026-12-07)."""
    check_body_names(request, body_class)
    data = request.data
    kept = getattr(body_class, "NULL_KEPT", ())
    if hasattr(data, "dict"):  # QueryDict from a form or multipart body
        fields = body_class().fields if body_class else {}
        lists = {name for name, field in fields.items() if isinstance(field, serializers.ListField)}
        unsaid = {name for name, field in fields.items()
                  if not field.required and not getattr(field, "allow_blank", False) and name not in {*kept, *lists}}
        return {k: (data.getlist(k) if k in lists or len(data.getlist(k)) > 1
                    else None if k in kept and data.get(k) == "" else data.get(k)) for k in data.keys()
                if not (k in unsaid and data.getlist(k) == [""])}
    if not isinstance(data, dict):
        raise serializers.ValidationError("请求体应为 JSON 对象")
    return {k: v for k, v in data.items() if v is not None or k in kept}


def list_queryset():
    return Message.objects.select_related("region", "topic", "addressee", "author")


# why a message asked by its id may not be found (the public detail's 404, a citizen's action's): one condition,
# Status.public(), in the same words
NOT_PUBLIC_WHY = "待审核、未受理、已撤回的留言不公开"


def detail_queryset():
    return list_queryset().select_related("duplicate_of__author").prefetch_related(
        "replies__unit", "evaluations", "attachments",
        Prefetch("events", queryset=Event.objects.select_related("unit", "actor")),
    )


def own_detail_queryset():
    """The author's view of their messages: with who posted it in their name (Open311), and the message
    it was sent again of or as (修改后重新提交)."""
    return detail_queryset().select_related("open311__api_key", "resubmission_of", "resubmitted_as")


def staff_queryset():
    return detail_queryset().select_related("predicted_topic", "resubmission_of").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit", "handler").prefetch_related("extensions")
                 .order_by("-assigned_at", "pk")),
    )


def reject_nul(request, kwargs) -> None:
    """NUL characters are never valid input (and PostgreSQL refuses them in queries). Every value
    of a repeated parameter: Open311 reads them all (``?service_code=%00&service_code=urban``; the
    first was not checked, and the query that read it was a 500 on PostgreSQL)."""
    values = [*kwargs.values(), *(text for name, given in request.query_params.lists() for text in (name, *given))]
    if any("\x00" in str(v) for v in values):
        raise serializers.ValidationError("请求中含有无效字符 (NUL)")


def common_query_params() -> tuple[str, ...]:
    """Query parameters every endpoint reads: DRF's format override (``?format=json``)
    and the Open311 key (authentication.ApiKeyAuthentication)."""
    return tuple(name for name in (api_settings.URL_FORMAT_OVERRIDE, "api_key") if name)


def paginator_query_params(pagination_class) -> tuple[str, ...]:
    names = ("cursor_query_param", "page_query_param", "page_size_query_param")
    return tuple(filter(None, (getattr(pagination_class, n, None) for n in names))) if pagination_class else ()


# A browser client's cache buster (jQuery's ``cache: false`` adds ``_=<timestamp>``):
# it changes nothing in the answer, so it passes without being listed as a parameter.
CACHE_BUSTER = "_"


def check_query_names(request, accepted: tuple[str, ...]) -> None:
    """A query parameter the endpoint does not read is a 400 naming it, not silently
    ignored: ``?statu=open`` would otherwise return every record. So is one given twice
    with different values: ``?status=replied&status=closed`` would list the closed only."""
    unknown = [name for name in request.query_params if name and name not in accepted and name != CACHE_BUSTER]
    repeated = [name for name, values in request.query_params.lists()
                if name in accepted and len({v for v in values if v != ""}) > 1]
    if repeated:
        raise ApiError(f"查询参数只能取一个值: {', '.join(repeated)}",
                       fields={name: ["只能取一个值 (重复给出了不同的值)"] for name in repeated})
    if unknown:
        raise refuse_names(unknown, accepted, "未知的查询参数")


class FormatOverride:
    """A ``?format=`` the view cannot render is a 400 naming format."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to ?format=xml, as if the record did not exist
            name = api_settings.URL_FORMAT_OVERRIDE
            formats = ", ".join(dict.fromkeys(r.format for r in self.get_renderers()))
            problem = f"不支持的格式 {echoed(request.query_params.get(name, ''))!r} (可用: {formats})"
            raise ApiError(problem, fields={name: [problem]}) from None


class Doc(NamedTuple):
    """What an integrator reads of one operation, in Chinese: what it returns, who may call it,
    its notable errors. Written for them, not for us (the docstrings are ours)."""

    summary: str
    description: str


class Documented:
    """An endpoint's integrator text, in one place: ``docs`` maps each method it serves to its
    ``Doc``. The OpenAPI document (schema.ApiAutoSchema) and the OPTIONS answer (DRF's metadata
    reads ``get_view_name`` and ``get_view_description``) both read it; a docstring showed
    there was a developer note, half English."""

    docs: dict[str, Doc] = {}

    def get_view_name(self):
        return "; ".join(doc.summary for doc in self.docs.values()) or super().get_view_name()

    def get_view_description(self, html=False):
        if not self.docs:
            return super().get_view_description(html)
        if len(self.docs) == 1:
            text = next(iter(self.docs.values())).description
        else:  # one entry a method, as the OpenAPI document lists them
            text = "\n\n".join(f"{method.upper()} {doc.summary}: {doc.description}" for method, doc in self.docs.items())
        return markup_description(text) if html else text


class ApiView(Documented, FormatOverride, APIView):
    """Base of every endpoint (authentication, throttles and errors come from settings)."""

    # The query parameters of GET, declared once: this serializer validates them
    # (self.query), documents them in the OpenAPI schema (schema.ApiAutoSchema) and,
    # with the paginator's and the common ones, lists the accepted names.
    query_class: type[serializers.Serializer] | None = None
    parser_classes = PARSERS
    # the methods a citizen whose consent to the privacy notice is due may still call by their
    # session: their rights (下载我的数据, 注销账号)
    consent_not_needed: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs):
        reject_nul(request, kwargs)
        if not hasattr(self, request.method.lower()):
            # a method the endpoint does not serve is a 405 for everyone: checked after the
            # credentials, an anonymous GET of rate/ was a 401, as if signing in would make it work
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        # only where GET is served: elsewhere the answer is 405, whatever the query says
        if request.method in ("GET", "HEAD") and hasattr(self, "get"):
            check_query_names(request, self.accepted_query_params())

    def perform_authentication(self, request):
        """A browser session of a citizen who has not consented to this version of the privacy notice
        (accounts.rights.consent_due) is a 403 ``consent_required``, as every page leads them to
        同意隐私政策 (middleware.ConsentInterstitial). A token (its person's program, or an integrator's)
        and an Open311 key are not asked, nor is OPTIONS: it describes the endpoint, no one's data."""
        super().perform_authentication(request)
        if (isinstance(request.successful_authenticator, SessionAuthentication) and request.method != "OPTIONS"
                and request.method not in self.consent_not_needed and rights.consent_due(request.user)):
            raise ApiError(MESSAGES["consent_required"], code="consent_required", status_code=403)

    @classmethod
    def accepted_query_params(cls) -> tuple[str, ...]:
        declared = list(cls.query_class().fields) if cls.query_class else []
        names = [*declared, *paginator_query_params(getattr(cls, "pagination_class", None)), *common_query_params()]
        return tuple(dict.fromkeys(names))  # declaration order, once each

    def query(self, request) -> dict:
        """The validated query parameters of ``query_class``."""
        return parse(self.query_class, query_dict(request))

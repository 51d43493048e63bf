"""One error shape for the whole REST API (JSON):

    {"error": {"code": "not_found", "message": "...", "fields": {...}}}

Open311 calls get the spec's: ``[{"code": 404, "description": "..."}]`` in JSON (since 2026-12-05:
an Open311 client library parses that array; docs/decisions.md), ``<errors><error><code/><description/>``
in ``.xml``.
Domain exceptions map to HTTP: IllegalMove/Conflict → 409, Invalid → 400,
PermissionDenied → 403, missing rows → 404.

Also the project's error views (``handler400``, ``handler404``, ``handler500``, ``csrf_failure``): JSON for
API paths, the site's page otherwise."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from minsheng.board.actions import Invalid
from minsheng.board.workflow import Conflict, IllegalMove
from minsheng.text_cut import cut

log = logging.getLogger(__name__)

MESSAGES = {
    "not_authenticated": "请先登录或提供 API 令牌",
    "authentication_failed": "身份验证失败",
    "permission_denied": "您没有权限执行此操作",
    "not_found": "未找到",
    "method_not_allowed": "不支持该请求方法",
    "not_acceptable": "无法按请求的格式返回",
    "unsupported_media_type": "不支持该请求内容类型",
    "throttled": "请求过于频繁, 请稍后再试",
    "parse_error": "请求内容无法解析",
    "invalid": "提交的内容有误",
    "consent_required": ("请先同意《隐私政策》: 隐私政策已更新或您尚未同意, 请在网页上打开 /accounts/consent/ 阅读并同意后再调用"
                         " (下载我的数据 GET /api/v1/me/data/ 和注销账号 DELETE /api/v1/me/ 不受此限)"),
}
ECHOED_MAX = 100


def echoed(text: str, limit: int = ECHOED_MAX) -> str:
    """A request's own words as an error repeats them: the first ``limit`` characters, then 「…」 (a 10 kB
    ``Accept`` header came back whole in the 406's message until 2026-12-06)."""
    return cut(text, limit)


_QUOTED = re.compile("“([^”]*)”")


def _echoed_quotes(text: str) -> str:
    """DRF's and Django's words with the request's value they quote (「“…” 不是合法选项。」, 「不支持请求中的媒体类型
    “…”。」) cut as ``echoed`` cuts it: a 5,000-character choice or Content-Type came back whole until 2026-12-07."""
    return _QUOTED.sub(lambda m: f"“{echoed(m[1])}”", text)


NO_CONTENT_TYPE = ("请求缺少 Content-Type 请求头: JSON 请求体请加 Content-Type: application/json"
                   " (也接受 application/x-www-form-urlencoded 和 multipart/form-data)")
HINTS = {  # (DRF's message, the view, the request) -> the message
    "method_not_allowed": lambda said, view, request: (
        f"{said.rstrip('。')} (该地址可用的方法: {', '.join(view.allowed_methods)})" if view is not None else said),
    "unsupported_media_type": lambda said, view, request: (
        f"{said.rstrip('。')}: JSON 请求体请用 Content-Type: application/json"
        " (也接受 application/x-www-form-urlencoded 和 multipart/form-data)"),
    "not_acceptable": lambda said, view, request: (  # DRF's: 「无法满足Accept HTTP头的请求。」
        f"无法按请求头 Accept: {echoed(request.headers.get('Accept', ''))} 的要求返回: 本 API 只返回 JSON,"
        " 请用 Accept: application/json 或 */*" if request is not None else said),
}
CSRF_MESSAGE = "CSRF 校验失败: 请带上 X-CSRFToken 请求头, 或改用 API 令牌"
# a session's write from a page of another site (since 2026-12-06, when the API began to answer other origins:
# minsheng.middleware.ApiCors): the CSRF token does not help there, a token does
CSRF_OTHER_SITE = "CSRF 校验失败: 来自其他网站 ({}) 的请求不能使用本站的登录会话, 请改用 API 令牌 (Authorization: Token)"
_OTHER_ORIGIN = re.compile(r"Origin checking failed - (.*) does not match any trusted origins")


class ApiError(exceptions.APIException):
    """An error raised by our own views with an explicit status and code."""

    def __init__(self, message: str, code: str = "invalid", status_code: int = 400, fields=None):
        self.status_code = status_code
        self.error_code = code
        self.fields = fields or {}
        super().__init__(message, code)


def found(queryset, missing: str, **lookup):
    """``queryset.get(**lookup)``, or a 404 saying what was looked for and why it may not be there (``missing``),
    instead of 「未找到」 alone (an integrator's walk, 2026-12-07: a mistyped path and a case out of scope read alike)."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise ApiError(missing, code="not_found", status_code=404) from None


def _messages(detail, prefix: str = "") -> list[str]:
    """Every message under ``detail`` as one flat list, as docs/api.md promises for each
    field; a message about one item of a list field (DRF keys it by index) says which:
    「第 2 项: 请填写合法的整数值。」; one about an item as a whole (DRF's ``non_field_errors``, of an item
    that is no object) is not prefixed with that English key."""
    if isinstance(detail, dict):
        return [m for k, v in detail.items()
                for m in _messages(v, prefix + (f"第 {int(k) + 1} 项: " if str(k).isdigit()
                                                else "" if k == api_settings.NON_FIELD_ERRORS_KEY else f"{k}: "))]
    if isinstance(detail, list):
        return [m for d in detail for m in _messages(d, prefix)]
    return [prefix + _echoed_quotes(str(detail))]


def _too_much(exc: SuspiciousOperation) -> str:
    """What Django refused in a request before any view read it: said, with the limit (it was
    「请求无效」 under the code ``bad_request``, which docs/api.md does not list)."""
    if isinstance(exc, TooManyFieldsSent):
        return f"请求的参数过多: 最多 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个"
    if isinstance(exc, TooManyFilesSent):
        return f"上传的文件过多: 最多 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个"
    if isinstance(exc, RequestDataTooBig):
        return f"请求内容过大: 最多 {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)} MB"
    return "请求无效"


def error_body(code: str, message: str, fields=None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _classify(exc) -> tuple[int, str, str, dict, dict]:
    """(status, code, message, fields, headers) for an exception, or raise it on."""
    headers = {}
    if isinstance(exc, IllegalMove):
        return 409, "illegal_move", str(exc), {}, headers
    if isinstance(exc, Conflict):
        return 409, "conflict", str(exc), {}, headers
    if isinstance(exc, Invalid):
        return 400, "invalid", str(exc), {exc.field: [str(exc)]} if exc.field else {}, headers
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return 404, "not_found", MESSAGES["not_found"], {}, headers
    if isinstance(exc, PermissionDenied):
        return 403, "permission_denied", str(exc) or MESSAGES["permission_denied"], {}, headers
    if isinstance(exc, RequestDataTooBig):  # HTTP's status for it (it was a 400 `invalid` until 2026-12-05)
        return 413, "too_large", _too_much(exc), {}, headers
    if isinstance(exc, SuspiciousOperation):
        return 400, "invalid", _too_much(exc), {}, headers
    if isinstance(exc, ApiError):
        return exc.status_code, exc.error_code, str(exc.detail), exc.fields, headers
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {str(k): _messages(v) for k, v in detail.items()}
            message = MESSAGES["invalid"]
            non_field = fields.pop("non_field_errors", None)
            if non_field:
                message = "; ".join(non_field)
            return 400, "invalid", message, fields, headers
        items = _messages(detail)
        return 400, "invalid", "; ".join(items) if items else MESSAGES["invalid"], {}, headers
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        other = _OTHER_ORIGIN.search(str(exc.detail))  # DRF's SessionAuthentication, in English
        return 403, "permission_denied", CSRF_OTHER_SITE.format(echoed(other[1])) if other else CSRF_MESSAGE, {}, headers
    if isinstance(exc, exceptions.APIException):
        code = exc.default_code
        if isinstance(exc, exceptions.Throttled):
            if exc.wait is None:
                return 429, "throttled", MESSAGES["throttled"], {}, headers
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
            # the wait in the body too (since 2026-12-06): a client that logs the body read 「请稍后再试」 only
            return 429, "throttled", f"请求过于频繁, 请 {headers['Retry-After']} 秒后再试 (见响应头 Retry-After)", {}, headers
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        detail = exc.detail
        message = _echoed_quotes(str(detail)) if not isinstance(detail, (dict, list)) else MESSAGES.get(code, "请求有误")
        if code == "not_authenticated":
            message = MESSAGES[code]
        elif code == "parse_error":
            message = f"{MESSAGES[code]}: {message}"
        return exc.status_code, code, message, {}, headers
    raise exc


def is_open311_path(path: str) -> bool:
    return path.startswith("/open311/")


def open311_description(message: str, fields: dict | None) -> str:
    """``message`` with the fields it does not name said in it (the spec's error has no fields): those whose
    error is the message itself before it (「first_name, last_name: …」), each other after it with its own
    words (「lat: 纬度应为数字; long: 经度应为数字」; until 2026-12-05 their names went before the first one's
    words, 「long: lat: 纬度应为数字」, and their own were lost)."""
    before, after = [], []
    for name, said in (fields or {}).items():
        if name in message:
            continue
        own = [str(m) for m in (said if isinstance(said, (list, tuple)) else [said]) if str(m) not in message]
        if own:
            after.append(f"{name}: {'; '.join(own)}")
        else:
            before.append(name)
    if before:
        message = f"{', '.join(before)}: {message}"
    return "; ".join([message, *after])


def open311_errors(path: str, status_code: int, message: str, headers: dict | None = None) -> HttpResponse:
    """An error on an Open311 path as GeoReport v2 answers one: ``<errors>`` for a ``.xml`` path, else
    the spec's JSON array ``[{"code": <HTTP status>, "description": "…"}]`` (the REST API's
    ``{"error": …}`` until 2026-12-05: an Open311 client library failed to parse it)."""
    from .open311.render import respond

    response = respond("xml" if path.endswith(".xml") else "json", "errors",
                       [{"code": status_code, "description": message}], status=status_code)
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def api_error(path: str, status_code: int, code: str, message: str) -> HttpResponse:
    """An error answered outside the API views on an API path, in its shape: GeoReport v2's under
    /open311/, else the API's ``{"error": {"code", "message", "fields"}}``."""
    if is_open311_path(path):
        return open311_errors(path, status_code, message)
    return JsonResponse(error_body(code, message), status=status_code, json_dumps_params={"ensure_ascii": False})


# a personal token or an Open311 key as issued (api.models._new_key: ms_… / o311_… and 40 url-safe characters)
_KEY_ALONE = re.compile(r"(?:ms|o311)_[A-Za-z0-9_-]{20,}")


def exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: every exception becomes the one error shape."""
    try:
        status_code, code, message, fields, headers = _classify(exc)
    except Exception:
        log.exception("unhandled API error in %s", context.get("view").__class__.__name__)
        status_code, code, message, fields, headers = 500, "server_error", "服务器内部错误", {}, {}
    request = context.get("request")
    authorization = request.headers.get("Authorization", "").strip() if request is not None else ""
    if code == "not_authenticated" and authorization.lower().startswith("bearer "):
        message += " (Authorization 头格式应为: Token <令牌>, 不是 Bearer)"  # ignored, not refused: a proxy may add one
    elif code == "not_authenticated" and _KEY_ALONE.fullmatch(authorization):
        # the key alone (an HTTP tool's "API key" field): it was told 「请先登录或提供 API 令牌」, as if none was sent;
        # a word that is no key (Bearer, Basic, null sent alone) is not told so (review of 2026-12-06)
        from .authentication import OPEN311_KEY_AS_TOKEN, bare_open311_key  # it imports this module

        message = OPEN311_KEY_AS_TOKEN if bare_open311_key(request) else (
            message + " (Authorization 头格式应为: Token <令牌>: 令牌前缺少 Token 和空格)")
    if code == "unsupported_media_type" and request is not None and not request.content_type:
        # a body sent without the header (``requests.post(url, data=json.dumps(...))``): DRF's words quote
        # the empty type, 「不支持请求中的媒体类型 “”。」
        message = NO_CONTENT_TYPE
    elif code in HINTS:
        # DRF's words name what is wrong only (「方法 “PATCH” 不被允许。」): they say what would do (an integrator's
        # walk of 2026-12-06); Django's runserver fills in text/plain for a body sent without the header
        message = HINTS[code](message, context.get("view"), request)
    if request is not None and is_open311_path(request.path):
        return open311_errors(request.path, status_code, open311_description(message, fields), headers)
    return Response(error_body(code, message, fields), status=status_code, headers=headers)


@csrf_exempt  # a 404 changes nothing; a POST to a mistyped path must read as one, not as a CSRF failure
def json_not_found(request, exception=None, *args, **kwargs):
    message = "该地址不存在: " + echoed(request.path)  # a 5,000-character path came back whole until 2026-12-07
    if not request.path.endswith("/") and _resolves(request.path + "/"):
        message += f" (地址以 / 结尾: {echoed(request.path + '/')})"  # no redirect: a POST would lose its body
    elif request.path.startswith("/open311/") and _resolves(f"{request.path.rstrip('/')}.json"):
        base = request.path.rstrip("/")  # GeoReport's addresses end with their format (an integrator's walk, 2026-12-05)
        message += f" (Open311 的地址以格式结尾: {echoed(base + '.json')} 或 {echoed(base + '.xml')})"
    return api_error(request.path, 404, "not_found", message)  # an Open311 client reads the spec's errors, as from any call


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        return resolve(path).func is not json_not_found
    except Resolver404:
        return False


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path.startswith("/open311/")


def handler400(request, exception=None):
    """Project handler400, for what Django refuses before any view (a ``Host`` not in ALLOWED_HOSTS):
    JSON for API paths (it was the site's HTML page 「请求有误」 for an integrator calling the server by
    an address it does not serve), the spec's ``<errors>`` for Open311 ``.xml``, the page otherwise."""
    if is_api_path(request.path):
        status_code, code = (413, "too_large") if isinstance(exception, RequestDataTooBig) else (400, "invalid")
        if isinstance(exception, DisallowedHost):
            message = (f"本站不接受主机名 {echoed(request.META.get('HTTP_HOST', ''))}: 请用本站的地址访问"
                       " (服务器的 ALLOWED_HOSTS 设置)")
        elif isinstance(exception, SuspiciousOperation):
            message = _too_much(exception)
        else:
            message = "请求无效"
        return api_error(request.path, status_code, code, message)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler404(request, exception=None):
    """Project handler404: JSON for API paths, Django's page otherwise."""
    if is_api_path(request.path):
        return json_not_found(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if is_api_path(request.path):
        return api_error(request.path, 500, "server_error", "服务器内部错误")
    from django.views.defaults import server_error

    return server_error(request)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form sent with a stale or missing token (a page left open past
    a sign-in in another tab). The site's page asking to reload (Django's own is a
    technical one); JSON for a program on an API path. The REST views check CSRF in DRF's
    SessionAuthentication instead, whose error ``_classify`` words alike."""
    if is_api_path(request.path) and "text/html" not in request.headers.get("Accept", ""):
        return api_error(request.path, 403, "permission_denied", CSRF_MESSAGE)
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = ""
    return render(request, "403_csrf.html", {"back": back}, status=403)

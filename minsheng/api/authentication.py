"""Who is calling: a personal API token (``Authorization: Token <key>``), an Open311
API key (``api_key`` parameter or ``X-API-Key`` header), or the browser session
(DRF's SessionAuthentication, which enforces CSRF). A read token (``ApiToken.scope`` 只读)
is refused here for any unsafe method, before any view runs."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from minsheng.accounts.models import INACTIVE_NOTICE

from .errors import ApiError
from .models import ApiToken, Open311Key, hash_key

# last_used_at is written at most once per this many seconds per credential
_TOUCH_EVERY_S = 60

READ_ONLY_MESSAGE = "该令牌为只读令牌, 不能提交修改"


# a credential sent in the other one's place (an integrator's walk, 2026-12-05: both were told only 「无效」)
# where a new one is made (since 2026-12-06, an integrator's walk: it said 「令牌无效或已撤销」 only, where
# Open311 told the same token where to go)
TOKEN_REVOKED = ("令牌无效或已撤销: 请登录网站, 在 /api/tokens/ 生成新令牌"
                 " (修改密码、更换手机号或邮箱、账号停用都会撤销已有的令牌)")
OPEN311_KEY_AS_TOKEN = ("这是 Open311 接入密钥, 不是个人 API 令牌: 请放在 api_key 参数或 X-API-Key 请求头中发送, "
                        "Authorization: Token 只用于个人 API 令牌")
TOKEN_AS_OPEN311_KEY = ("这是个人 API 令牌, 不是 Open311 接入密钥: 个人 API 令牌用于 /api/v1/, 放在 Authorization: Token 请求头中; "
                        "api_key 和 X-API-Key 只接受管理员签发的 Open311 接入密钥")
# a key we do not know as Authorization: Token on an Open311 path (since 2026-12-06; a read ignored it)
AUTHORIZATION_NOT_READ = ("Open311 不读取 Authorization 请求头: 接入密钥请放在 api_key 参数或 X-API-Key 请求头中发送; "
                          "读取无需密钥, 去掉该请求头即可")
# a personal token revoked, or its account switched off, as Authorization: Token on an Open311 path (since
# 2026-12-06; a read ignored it, a 200 where /api/v1/ answers it 401, and its integrator learnt nothing)
TOKEN_NO_LONGER_VALID = ("这是已撤销的个人 API 令牌 (或其账号已停用), 在 /api/v1/ 也会被拒绝: 请在 /api/tokens/ 生成新令牌; "
                         "Open311 读取无需密钥, 去掉该请求头即可; 提交请求请用管理员签发的 Open311 接入密钥, "
                         "放在 api_key 参数或 X-API-Key 请求头中发送")


# the token of an account an administrator switched off (停用; since 2026-12-07): its holder holds a credential of
# the account, as the right password is, and is told why (the sign-in page says the same), under its own code
TOKEN_ACCOUNT_INACTIVE = (INACTIVE_NOTICE + " (账号停用时其 API 令牌均已撤销; 重新启用后请登录网站, 在 /api/tokens/ "
                          "生成新令牌)")


class AccountInactive(exceptions.AuthenticationFailed):
    default_code = "account_inactive"


def _is_open311_key(key: str) -> bool:
    return Open311Key.objects.filter(key_hash=hash_key(key)).exists()


def _is_api_token(key: str) -> bool:
    return ApiToken.objects.filter(key_hash=hash_key(key)).exists()


def _is_valid_api_token(key: str) -> bool:
    """A personal token that ``ApiTokenAuthentication`` takes: not revoked, its account active."""
    return ApiToken.objects.filter(key_hash=hash_key(key), revoked_at__isnull=True, user__is_active=True).exists()


def misplaced_open311_key(request) -> str | None:
    """What to tell a caller of the Open311 views (which read no ``Authorization`` header) that sent
    a key as ``Authorization: Token …`` (or alone, ``Authorization: <key>``, since 2026-12-06): its Open311 key, a personal token, one revoked (or of an account
    switched off), or a key we do not know (on a read it was ignored, and the key's own requests missing
    from a 200); None otherwise."""
    header = authentication.get_authorization_header(request).split()
    bare = len(header) == 1 and header[0].lower() != b"token"  # the key alone, an HTTP tool's "API key" field
    if not bare and (not header or header[0].lower() != b"token"):
        return None
    raw = header[0] if bare else header[1] if len(header) == 2 else b""
    key = raw.decode("ascii", "replace")
    if key and _is_open311_key(key):
        return OPEN311_KEY_AS_TOKEN
    if key and _is_api_token(key):
        return TOKEN_AS_OPEN311_KEY if _is_valid_api_token(key) else TOKEN_NO_LONGER_VALID
    return None if bare else AUTHORIZATION_NOT_READ  # a word alone we do not know is not ours to read


def bare_open311_key(request) -> bool:
    """``Authorization: <Open311 key>``, without a scheme."""
    header = authentication.get_authorization_header(request).split()
    return len(header) == 1 and _is_open311_key(header[0].decode("ascii", "replace"))


def _touch(model, row) -> None:
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > _TOUCH_EVERY_S:
        model.objects.filter(pk=row.pk).update(last_used_at=now)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 头格式应为: Token <令牌>")
        try:
            key = header[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌含有无效字符")
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None and _is_open311_key(key):
            raise exceptions.AuthenticationFailed(OPEN311_KEY_AS_TOKEN)
        if token is not None and not token.user.is_active and token.user.closed_at is None:
            raise AccountInactive(TOKEN_ACCOUNT_INACTIVE)
        if token is None or token.revoked_at is not None or not token.user.is_active:  # revoked, or its account closed
            raise exceptions.AuthenticationFailed(TOKEN_REVOKED)
        if token.read_only and request.method not in SAFE_METHODS:
            raise ApiError(READ_ONLY_MESSAGE, code="token_read_only", status_code=403)
        _touch(ApiToken, token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """An Open311 key identifies a system, not a person: the request stays anonymous
    (public data only) but is rate-limited per key and may post Open311 requests."""

    # Open311 reads ``api_key`` from a JSON body too, as from a form (a JSON post with its key there
    # was a 403 「需要 API key」); the REST API's JSON bodies carry no key: one there is refused, saying where it
    # goes (views.base.JSON_HINTS)
    json_body = False

    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY") or request.query_params.get("api_key")
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if not key and request.method == "POST" and (media_type in _FORMS or (
                self.json_body and media_type == "application/json")):
            # read by the view's parser (api.parsers), as the view reads it: a body it refuses is its 400 at once.
            # Django's request.POST, read for a form until 2026-12-08, refused a form in any charset but UTF-8 (a
            # 403 「需要 API key」 to the GBK form the view reads), took a UTF-16 one for a form without a key, and
            # left a multipart body read, its text unchecked, for the view
            data = request.data
            key = data.get("api_key") if isinstance(data, dict) else None
        if not key:
            return None
        row = Open311Key.objects.filter(key_hash=hash_key(str(key)), is_active=True).first()
        if row is None:
            raise exceptions.AuthenticationFailed(TOKEN_AS_OPEN311_KEY if _is_api_token(str(key)) else "api_key 无效或已停用")
        _touch(Open311Key, row)
        return AnonymousUser(), row


class Open311KeyAuthentication(ApiKeyAuthentication):
    """The Open311 endpoints' authentication: also the ``api_key`` of a JSON body."""

    json_body = True

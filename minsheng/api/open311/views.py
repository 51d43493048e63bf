"""GeoReport v2 endpoints. Posting a request calls board.actions.do_submit, exactly as
the web form does; reading requests shows what the public may see (and, to the key
that posted them, its own requests before moderation)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import dateparse, timezone
from django.utils.datastructures import MultiValueDict
from django.utils.encoding import iri_to_uri, punycode
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from minsheng.accounts.forms import USERNAME_MAX, clean_nickname
from minsheng.accounts.models import User, canonical_phone, phone_compact
from minsheng.accounts.phones import split_extension
from minsheng.accounts.roles import roles_of
from minsheng.board import actions
from minsheng.board.forms import MessageForm
from minsheng.board.models import HIDDEN_EVENT_KINDS, Assignment, Event, Message, MessageKind
from minsheng.board.position import far_notice
from minsheng.board.workflow import Status
from minsheng.directory.models import Region, Topic
from minsheng.text_cut import cut

from ..authentication import TOKEN_AS_OPEN311_KEY, Open311KeyAuthentication, misplaced_open311_key
from ..errors import ApiError, echoed
from ..idempotency import once
from ..inputs import region_or_invalid, round_coordinate, unknown_addressee, unknown_region
from ..models import Open311Key, Open311Request
from ..parsers import PARSERS
from ..tasks import queue_fetch
from ..views.base import Doc, Documented, reject_nul
from . import mapping
from .render import respond

MAX_RANGE = dt.timedelta(days=90)
MAX_RESULTS = 1000
PHONE = re.compile(r"^\+?[0-9]{5,20}$")  # a phone parameter without its spaces, dashes and brackets (else 400)
CONTACT_DIGITS = 7  # fewer (12345, a case system's "no number"): no number to call back
CONTACT_LENGTH = Message._meta.get_field("contact_phone").max_length
MEDIA_URL_LENGTH = Open311Request._meta.get_field("media_url").max_length


def _has_nul(value) -> bool:
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return isinstance(value, str) and "\x00" in value


def _scalars_only(body: dict) -> None:
    """Each parameter of a JSON body is one value, as a form field is: a list or an object was
    stored as its Python text (a description of ``["…"]`` became the message 「['…']」)."""
    for name, value in body.items():
        if isinstance(value, (list, dict)):
            hint = ", 属性请写成 attribute[code] 形式的键, 如 attribute[region]" if name == "attribute" else ""
            shown = echoed(str(name))  # its first 100 characters, as every value an error repeats
            raise bad(f"{shown} 应为字符串或数字, 不能是列表或对象{hint}", field=shown)


def bad(message: str, status: int = 400, code: str = "invalid", field: str | None = None) -> ApiError:
    """An error; ``field`` names the parameter at fault in ``fields``, as the API's 400s do."""
    return ApiError(message, code=code, status_code=status, fields={field: [message]} if field else None)


@extend_schema(exclude=True)
class Open311View(Documented, APIView):
    authentication_classes = [Open311KeyAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = PARSERS

    def initial(self, request, *args, **kwargs):
        reject_nul(request, kwargs)
        super().initial(request, *args, **kwargs)
        # GeoReport v2 takes the key as api_key: one sent as Authorization: Token is refused, read or
        # post, naming where it goes (a read ignored it, its key's own requests missing from a 200). A
        # valid personal API token on a read is the REST client's habit of sending it everywhere: a public
        # read as without it (it opens nothing more here), as before 2026-12-06; a revoked one is named
        # (TOKEN_NO_LONGER_VALID), as /api/v1/ refuses it, since 2026-12-06
        misplaced = None if isinstance(request.auth, Open311Key) else misplaced_open311_key(request)
        if misplaced == TOKEN_AS_OPEN311_KEY and request.method in ("GET", "HEAD", "OPTIONS"):
            misplaced = None
        if misplaced:
            raise bad(misplaced, status=403, code="permission_denied")
        if request.method == "POST" and _has_nul(
                dict(request.data.lists()) if hasattr(request.data, "lists") else request.data):
            raise bad("请求中含有无效字符 (NUL)")
        if request.method == "POST" and isinstance(request.data, dict) and not hasattr(request.data, "getlist"):
            _scalars_only(request.data)

    def perform_content_negotiation(self, request, force=False):
        # the format is the URL's suffix, whatever the Accept header says
        return JSONRenderer(), "application/json"

    def jurisdiction(self, request) -> Region | None:
        """The region named by jurisdiction_id; required when several provinces are served."""
        body = request.data if request.method == "POST" else {}
        if not hasattr(body, "get"):  # a JSON array or string: no field of it can be read
            raise bad("请求体应为表单 (application/x-www-form-urlencoded) 或 JSON 对象")
        code = str(request.query_params.get("jurisdiction_id") or body.get("jurisdiction_id") or "").strip()
        if not code:
            if Region.objects.filter(level=Region.Level.PROVINCE).count() > 1:
                raise bad("缺少 jurisdiction_id: 本平台服务多个省份, 请提供区划代码", field="jurisdiction_id")
            return None
        # the REST API's lookup and words, in Open311's 404 and not_found (its own, unchanged)
        return region_or_invalid(code, "jurisdiction_id 为其中的区划代码",
                                 error=lambda said: bad(said, status=404, code="not_found"))


class Discovery(Open311View):
    docs = {"get": Doc("Open311 发现文档", "返回本平台 Open311 GeoReport v2 接口的地址、支持的格式 (JSON、XML) 和申请 API key 的方式。"
                                         "任何人可调用。")}

    def get(self, request, fmt):
        url = request.build_absolute_uri(reverse("api:open311-discovery", args=["json"])).rsplit("/", 1)[0]
        return respond(fmt, "discovery", {
            "changeset": "2026-01-01T00:00:00+08:00",
            "contact": "民声平台管理员",
            "key_service": "API key 由平台管理员在后台签发 (minsheng create-api-key NAME)",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": url,
                           "changeset": "2026-01-01T00:00:00+08:00", "type": "production",
                           "formats": ["application/json", "text/xml"]}],
        })


def _parent_names() -> dict[int, str]:
    return dict(Topic.objects.values_list("pk", "name"))


class ServiceList(Open311View):
    docs = {"get": Doc("Open311 服务列表", "返回可提交的服务, 每个留言领域一项; 多个省级区划时须用 `jurisdiction_id` 指定。任何人可调用。")}

    def get(self, request, fmt):
        self.jurisdiction(request)
        names = _parent_names()
        topics = Topic.objects.filter(is_active=True).order_by("sort", "code")
        return respond(fmt, "services", [mapping.service_record(t, names) for t in topics])


class ServiceDefinition(Open311View):
    docs = {"get": Doc("Open311 服务定义", "返回一项服务的属性定义 (提交请求时的 `attribute[...]` 字段)。服务代码不存在为 404。任何人可调用。")}

    def get(self, request, fmt, service_code):
        jurisdiction = self.jurisdiction(request)
        topic = Topic.objects.coded(service_code).first()
        if topic is None or not topic.is_active:  # worded as a post's refusal (since 2026-12-07)
            raise bad(f"service_code: {service_code_refusal(service_code, topic)}", status=404, code="not_found",
                      field="service_code")
        return respond(fmt, "service_definition",
                       {"service_code": topic.code, "attributes": mapping.attributes(jurisdiction)})


def request_queryset():
    """The messages with what ``mapping.request_record`` reads. The two prefetches fill plain
    lists (``to_attr``): a related manager's queryset built for each of 1,000 messages took
    two thirds of requests.json (170 of 258 ms on the demo's last 90 days)."""
    return Message.objects.select_related(
        "region__parent__parent__parent", "topic", "predicted_topic", "duplicate_of", "open311", "author",
    ).prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit"), to_attr="assignment_list"),
        Prefetch("attachments", to_attr="attachment_list"),
    ).annotate(last_event_at=Subquery(  # the last public step: a private one's time is not the public's
        Event.objects.filter(message=OuterRef("pk"), public=True).exclude(kind__in=HIDDEN_EVENT_KINDS)
        .order_by("-at").values("at")[:1]))


def visible_q(request) -> Q:
    q = Q(status__in=Status.public())
    if isinstance(request.auth, Open311Key):
        q |= Q(open311__api_key=request.auth)
    return q


def _moment(raw: str, name: str, end: bool = False) -> dt.datetime:
    """An ISO 8601 date-time (naive: Beijing time) or a date (its start; for an end, the next day's)."""
    raw = raw.strip().replace(" ", "+")  # a "+" of an offset arrives as a space when not URL-encoded
    try:
        day = dateparse.parse_date(raw) if len(raw) == 10 else None
        value = dt.datetime.combine(day, dt.time.min) if day is not None else dateparse.parse_datetime(raw)
        if value is None:
            raise ValueError
    except ValueError:
        raise bad(f"{name} 应为 ISO 8601 日期时间, 如 2026-05-01T00:00:00+08:00", field=name)
    # the years of the date as given: the day after end_date=9999-12-31 is past the calendar (a 500 until
    # 2026-12-07), and end_date=2099-12-31, whose next day is in 2100, was refused as outside them
    if not 1990 <= value.year <= 2099:
        raise bad(f"{name} 应在 1990 至 2099 年之间", field=name)
    if day is not None and end:
        value += dt.timedelta(days=1)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    # the moment it names, in UTC: an offset Python reads and PostgreSQL refuses (beyond ±15:59,
    # 2026-11-02T00:59:00+23:59) was sent as it was, a 500 there (2026-12-07), as a cursor's was
    return value.astimezone(dt.UTC)


def _listed(params, name: str) -> list[str]:
    """A list parameter: comma-separated, or declared several times (``status=open&status=closed``:
    the spec allows both; only the last one was read)."""
    return [v.strip() for value in params.getlist(name) for v in value.split(",") if v.strip()]


class Requests(Open311View):
    docs = {
        "get": Doc("Open311 请求列表", "返回已公开的留言 (Open311 的请求), 可按服务、状态和时间范围 (至多 90 天) 筛选, 至多 1000 条; "
                                    "带 API key 时也含本系统提交、尚在审核的请求。任何人可调用。"),
        "post": Doc("Open311 提交请求", "以留言人的名义提交一条留言, 返回请求编号 `service_request_id`、凭据 `token` 和处理说明; "
                                     "审核通过后公开。须带 API key: 缺少、无效或已停用为 403; 缺少或不合格的参数为 400 并指明参数。"),
    }

    def get(self, request, fmt):
        jurisdiction = self.jurisdiction(request)
        qs = request_queryset().filter(visible_q(request))
        if jurisdiction is not None:
            qs = qs.filter(region__code__startswith=jurisdiction.prefix)
        p = request.query_params
        ids = _listed(p, "service_request_id")
        if not ids and any(v.strip() for v in p.getlist("service_request_id")):
            # only commas (",,,,"): an id list without an id listed every request, as if none was asked for
            raise bad("service_request_id 中没有编号: 请给出一个或多个编号, 以逗号分隔", field="service_request_id")
        if ids:  # the spec: other parameters are ignored
            if len(ids) > MAX_RESULTS:
                raise bad(f"service_request_id: 最多 {MAX_RESULTS} 个", field="service_request_id")
            qs = qs.filter(public_id__in=ids)
        else:
            qs = self._filter(qs, p)
        records = [mapping.request_record(m, request) for m in qs.order_by("-submitted_at", "-id")[:MAX_RESULTS]]
        return respond(fmt, "service_requests", records)

    def _filter(self, qs, p):
        start = _moment(p["start_date"], "start_date") if p.get("start_date") else None
        end = _moment(p["end_date"], "end_date", end=True) if p.get("end_date") else None
        if start and end and end - start > MAX_RANGE + dt.timedelta(days=1):
            raise bad("start_date 与 end_date 最多相隔 90 天", field="end_date")
        if start and end and end < start:
            raise bad("end_date 不能早于 start_date", field="end_date")
        # the spec's range is at most 90 days: the last 90 days, or 90 days from (to) the one given
        if start is None:
            end = end or timezone.now()
            start = end - MAX_RANGE
        elif end is None:
            end = start + MAX_RANGE
        qs = qs.filter(submitted_at__gte=start, submitted_at__lt=end)
        codes = _listed(p, "service_code")
        if codes:
            known = {code.lower(): pk for code, pk in Topic.objects.coded(*codes).values_list("code", "pk")}
            unknown = [c for c in codes if c.lower() not in known and c.lower() != mapping.UNCLASSIFIED]
            if unknown:  # a typo answered [] (integrator's walk, 2026-12-06); a switched-off topic still reads
                raise bad(f"service_code: {service_code_refusal(', '.join(unknown), None)}", field="service_code")
            topic_ids = list(known.values())
            cond = Q(topic_id__in=topic_ids) | Q(topic__isnull=True, predicted_topic_id__in=topic_ids)
            if mapping.UNCLASSIFIED in {c.lower() for c in codes}:
                cond |= Q(topic__isnull=True, predicted_topic__isnull=True)
            qs = qs.filter(cond)
        statuses = _listed(p, "status")
        if statuses:
            if not set(statuses) <= {"open", "closed"}:
                raise bad("status 只能是 open 或 closed", field="status")
            allowed = [s for s, v in mapping.STATUS_MAP.items() if v in statuses]
            qs = qs.filter(status__in=allowed)
        return qs

    def post(self, request, fmt):
        if not isinstance(request.auth, Open311Key):
            raise bad("需要 API key: 表单或 JSON 字段 api_key、查询参数 api_key 或 X-API-Key 请求头",
                      status=403, code="permission_denied")
        # a retry with the first one's Idempotency-Key gets the first one's answer, as the REST post does
        # a position far from the region: kept, and said (docs/open311.md); read once, at the first post, and a
        # replay says what the first answer said (the region's other messages may have changed since)
        message, replayed, far = once(request, lambda request: submit(request, self.jurisdiction(request)),
                                      said=far_notice)
        notice = (f"留言已收到, 编号 {message.public_id}; 审核后将按权责清单交由相关单位办理, "
                  f"一般 {actions.reply_days(message.kind)} 个工作日内答复")
        if far:
            notice += f"; {far}"
        if _phone(_parameters(request))[2]:  # read again: a replay answers as the first post did
            notice += f"; phone 不是可回拨的号码 (不足 {CONTACT_DIGITS} 位或同一数字重复), 未记录"
        response = respond(fmt, "service_requests", [{
            "service_request_id": message.public_id, "token": message.open311.token,
            "service_notice": notice, "account_id": None}])  # JSON leaves it out: render._present
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


def _attributes(data) -> dict[str, str]:
    """attribute[code]=value pairs of a form body (multi-values joined by commas)."""
    found = {}
    for key in data.keys():
        m = re.fullmatch(r"attribute\[([A-Za-z0-9_]+)\](\[\])?", key)
        if m:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            found[m.group(1)] = ",".join(str(v) for v in values)
    return found


def _title_from(description: str) -> str:
    """The first sentence, or the first 30 characters when that is too short or too long."""
    text = " ".join(description.split())
    first = re.split(r"[。！？!?]", text, maxsplit=1)[0].strip()
    if len(first) < 5:
        first = text
    return cut(first, 30, mark_within=True)


def _coordinate(raw) -> str:
    """lat or long for the form, rounded to its 6 decimal places (a phone's GPS sends
    more); anything that is no plain number goes to the form as sent, to be refused there."""
    text = "" if raw is None else str(raw).strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return str(round_coordinate(value)) if value.is_finite() and value.adjusted() < 3 else text


def _bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise bad(f"attribute[{name}] 应为 true 或 false", field=f"attribute[{name}]")


def _phone(data) -> tuple[str | None, str, bool]:
    """The ``phone`` parameter as (the mainland mobile that names the citizen's account, as sign-in reads
    it: +86, brackets, full-width digits; the other number the handling unit calls back, as sent; whether
    a number was sent and left out). A landline (0931-8123456, 0931-8123456-801, since 2026-12-08 also
    0931-8123456转801, 分机801, ext. 801: accounts.phones.split_extension, as the staff lists read it; 400-810-1234) or a
    foreign number names no account: it cannot receive a sign-in code, and a case system's placeholder
    (12345, 00000) made one account of every caller it stood for. A placeholder — fewer than
    CONTACT_DIGITS digits, one digit repeated — is no number at all: left out, the request kept. A mobile
    sent with an extension is the mobile, the extension dropped (since 2026-12-08)."""
    raw = str(data.get("phone") or "").strip()  # str(): a JSON body may send a number
    # a mobile has no extension: 13800000001转802 is the citizen's 13800000001 (review of 2026-12-08: it was kept as a
    # landline under the service account, and the officer's 查找 by the mobile missed it)
    mobile = canonical_phone(split_extension(raw)[0])
    if mobile:
        return mobile, "", False
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    number, _extension = split_extension(text)  # 0931-8123456转802, 分机, ext.: the number's digits checked
    compact = phone_compact(number)
    if not compact:
        return None, "", False
    if not PHONE.match(compact):
        raise bad("phone 格式不正确", field="phone")
    digits, whole = compact.lstrip("+"), phone_compact(text)  # whole: with its extension
    if len(digits) < CONTACT_DIGITS or len(set(digits)) == 1 or len(whole) > CONTACT_LENGTH:
        return None, "", True
    return None, text if len(text) <= CONTACT_LENGTH else whole, False


def _author(data, key: Open311Key):
    """The request's author (docs/open311.md, Posting a request) and the message's contact: the
    landline to call back, if any, and the caller's name (last_name + first_name: 王先生), if any —
    the name to ask for, whatever account the request goes to (an existing one keeps its nickname)."""
    email = str(data.get("email") or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except DjangoValidationError:
            raise bad("email 格式不正确", field="email")
        if len(email) > USERNAME_MAX:  # a new account's user name, as at registration: a 500 on PostgreSQL
            raise bad(f"email 最长 {USERNAME_MAX} 个字符", field="email")
    phone, landline, _ = _phone(data)
    name = f"{str(data.get('last_name') or '').strip()}{str(data.get('first_name') or '').strip()}"[:30]
    try:  # it becomes the nickname that show_name publishes: the registration form's rule
        clean_nickname(name)
    except DjangoValidationError as exc:
        problem = exc.messages[0].replace("昵称", "姓名")
        raise ApiError(problem, fields={"first_name": [problem], "last_name": [problem]}) from None
    contact = {"contact_phone": landline, "contact_name": name}
    if not email and not phone:
        return _service_user(key), contact
    cond = Q()
    if phone:
        cond |= Q(phone=phone) | Q(username=phone)
    if email:
        cond |= Q(email__iexact=email) | Q(username__iexact=email)
    user = User.objects.filter(cond).order_by("pk").first()
    if user is not None:
        if user.is_staff or user.is_superuser or roles_of(user).is_staff_member:
            return _service_user(key), contact  # never post in a staff member's name
        return user, contact
    user = User(username=phone or email, phone=phone or None, email=email, display_name=name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same person's other request created the account a moment ago
        user = User.objects.filter(cond).order_by("pk").first()
        if user is None:
            raise
    return user, contact


def _service_user(key: Open311Key):
    if key.service_user_id:
        return key.service_user
    user = User(username=f"open311-{key.pk}-{secrets.token_hex(3)}", display_name=key.name[:30])
    user.set_unusable_password()
    user.save()
    Open311Key.objects.filter(pk=key.pk).update(service_user=user)
    key.service_user = user
    return user


# MessageForm field → the Open311 parameter a client sent
FORM_TO_OPEN311 = {"title": "attribute[title]", "body": "description", "kind": "attribute[kind]",
                   "region": "attribute[region]", "addressee": "attribute[addressee]", "topic": "service_code",
                   "photos": "media", "address": "address_string", "latitude": "lat", "longitude": "long",
                   "show_name": "attribute[show_name]"}


def as_uri(url: str) -> str:
    """The URI an IRI stands for (https://例子.中国/照片.jpg → https://xn--fsqu00a.xn--fiqs8s/%E7%85%A7…):
    the official schema's media_url is a URI, and a request line can only hold ASCII."""
    parts = urlsplit(url)
    if not parts.netloc.isascii():
        userinfo, at, hostport = parts.netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        try:
            host = punycode(host)
        except UnicodeError:
            pass  # left to iri_to_uri's percent-encoding; fetching it then fails with a reason
        parts = parts._replace(netloc=f"{userinfo}{at}{host}{colon}{port}")
    return iri_to_uri(urlunsplit(parts))


def _parameters(request):
    """The body's parameters, with those sent in the query string: the official swagger.json
    declares every parameter of POST requests ``in: query``, so a client generated from it sends
    them there (it was told 「缺少 service_code」). A parameter in both: the body's."""
    data = request.data
    if not hasattr(data, "get"):
        raise bad("请求体应为表单 (application/x-www-form-urlencoded) 或 JSON 对象")
    extra = {k: request.query_params.getlist(k) for k in request.query_params if k not in data}
    if not extra:
        return data
    if not hasattr(data, "getlist"):  # a JSON object
        return {**{k: v[-1] for k, v in extra.items()}, **data}
    merged = MultiValueDict(extra)
    for k in data:
        merged.setlist(k, data.getlist(k))
    return merged


def service_code_refusal(code, switched_off) -> str:
    """Open311's words for a ``service_code`` the post form cannot take (the web page's ask to choose 「不确定」
    instead, which a service_code has not); a read of an unknown one (``requests``' filter, ``services/{code}``)
    says it in the same words, since 2026-12-07 (it said 「服务类型不存在: service_code nope」)."""
    what = (f"服务类型 {echoed(code)} ({switched_off.name}) 已停用" if switched_off is not None
            else f"没有代码为 {echoed(code)} 的服务类型")
    return f"{what} (可用的服务类型见 /open311/v2/services.json)"


def submit(request, jurisdiction: Region | None) -> Message:
    """Validate with the web form (board.forms.MessageForm), then board.actions.do_submit."""
    data = _parameters(request)
    code = str(data.get("service_code") or "").strip()
    if not code:
        raise bad("缺少 service_code: 请提供服务类型", field="service_code")
    description = str(data.get("description") or "").strip()
    if not description:
        raise bad("缺少 description: 请描述问题", field="description")
    lat, lon = data.get("lat"), data.get("long")
    address = str(data.get("address_string") or "").strip()
    if lat in (None, "") and not address:
        where = "需要位置: lat 和 long, 或 address_string"
        raise ApiError(where, fields={"lat": [where], "address_string": [where]})
    attrs = _attributes(data) if hasattr(data, "keys") else {}
    region_code = (attrs.get("region") or "").strip() or (jurisdiction.code if jurisdiction else "")
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is not None and jurisdiction is not None and not jurisdiction.contains(region):
        raise bad("attribute[region] 不在 jurisdiction_id 所指区划之内", field="attribute[region]")
    media_url = str(data.get("media_url") or "").strip()
    if media_url:
        if len(media_url) <= MEDIA_URL_LENGTH:  # the URL check refuses a longer one, calling it no address
            try:
                URLValidator(schemes=["http", "https"])(media_url)
            except DjangoValidationError:
                raise bad("media_url 不是有效的 http(s) 地址", field="media_url")
            media_url = as_uri(media_url)
        if len(media_url) > MEDIA_URL_LENGTH:  # the column's 2048 (a 500 on PostgreSQL past it)
            raise bad(f"media_url 过长: 最多 {MEDIA_URL_LENGTH} 个字符 (中文等字符按编码后的 %XX 形式计)",
                      field="media_url")
    form_data = {
        "title": (attrs.get("title") or "").strip() or _title_from(description), "body": description,
        "kind": attrs.get("kind") or MessageKind.HELP, "region": region_code, "topic": code,
        "addressee": attrs.get("addressee", ""), "address": address,
        "latitude": _coordinate(lat), "longitude": _coordinate(lon),
    }
    if _bool(attrs.get("show_name", ""), "show_name"):
        form_data["show_name"] = "on"
    form = MessageForm(form_data, MultiValueDict({"photos": request.FILES.getlist("media")}),
                       topic_refusal=service_code_refusal, region_refusal=unknown_region,
                       addressee_refusal=unknown_addressee)
    if not form.is_valid():
        errors = dict(form.errors)
        if not (attrs.get("title") or "").strip() and len(errors) > 1:
            errors.pop("title", None)  # taken from the description, whose own error says what is wrong
        fields = {FORM_TO_OPEN311.get(k, k): [str(m) for m in v] for k, v in errors.items()}
        words = next(iter(fields.values()))[0]
        # the fields refused with the same words named together (「lat, long: 坐标 (0, 0) 不是有效位置 …」)
        named = ", ".join(name for name, said in fields.items() if said[0] == words)
        raise ApiError(f"{named}: {words}", fields=fields)
    key = request.auth
    with transaction.atomic():
        author, contact = _author(data, key)
        message = actions.do_submit(author, **contact, **form.submit_kwargs())
        message.open311 = Open311Request.objects.create(message=message, api_key=key,
                                                        token=secrets.token_urlsafe(16), media_url=media_url)
        if media_url:
            pk = message.open311.pk
            transaction.on_commit(lambda: queue_fetch(pk))
    return message


class RequestDetail(Open311View):
    docs = {"get": Doc("Open311 请求详情", "返回一条请求 (留言) 的状态、答复和地点。不存在或调用者看不到为 404。任何人可调用。")}

    def get(self, request, fmt, request_id):
        jurisdiction = self.jurisdiction(request)
        qs = request_queryset().filter(visible_q(request))
        if jurisdiction is not None:
            qs = qs.filter(region__code__startswith=jurisdiction.prefix)
        message = qs.filter(public_id=request_id).first()
        if message is None:
            raise bad(f"留言不存在或未公开: service_request_id {echoed(request_id)}", status=404, code="not_found")
        return respond(fmt, "service_requests", [mapping.request_record(message, request)])


class TokenDetail(Open311View):
    docs = {"get": Doc("Open311 凭据查询", "用提交时返回的凭据 `token` 查询请求编号。凭据不存在为 404。任何人可调用。")}

    def get(self, request, fmt, token):
        self.jurisdiction(request)
        row = Open311Request.objects.select_related("message").filter(token=token).first()
        if row is None:
            raise bad(f"受理凭证不存在: token {echoed(token)}", status=404, code="not_found")
        return respond(fmt, "service_requests", [{"service_request_id": row.message.public_id, "token": token}])

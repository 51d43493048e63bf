"""Citizen forms: post a message, rate a reply, ask for a reopen, withdraw; and the
public browse filter.

``MessageForm`` is a plain Django form over (data, files); the web page and the API's
create endpoint both use it, and ``submit_kwargs()`` returns exactly the keyword
arguments of ``board.actions.do_submit``.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from minsheng.accounts.models import Membership
from minsheng.directory.models import Addressee, Region, Topic, Unit, topic_tree
from minsheng.insight.text import has_words
from minsheng.text_cut import cut

from .actions import INVALID_CHOICE
from .models import MessageKind, Rating
from .photos import BROWSER_SIDE, clean_photo, max_bytes
from .workflow import Status

COMPETENT_DEPARTMENT = ""  # the addressee choice "职能部门": routed by the responsibility table
# for a NUL character in any text field (set on Django's validator in BoardConfig.ready)
NUL_CHARACTERS = "含有无法识别的控制字符, 请删除后重试"
WITHOUT_WORDS = "{what}需要有文字, 不能只有符号、表情或不可见字符"


def require_words(what: str, said: str = WITHOUT_WORDS):
    """A validator (``text.has_words``): a title of zero-width spaces (U+200B) passes the
    length rule yet shows blank on every list; one of emoji or punctuation alone says
    nothing a unit can act on. ``said``: the refusal (a staff reason says the API's,
    ``actions.NO_WORDS_REASON``)."""

    def check(value: str) -> None:
        if not has_words(value):
            raise ValidationError(said.format(what=what))

    return check


def max_chars_attrs(limit: int) -> dict[str, int]:
    """The attributes of a text box or a one-line input that takes ``limit`` characters (code
    points, as the server counts them): ``data-max-chars``, which ``static/js/forms.js`` reads and
    enforces (dropping ``maxlength``; a counter under a text box), and a ``maxlength`` for a page
    without scripts twice as long. The browser's maxlength counts UTF-16 code units, an emoji as
    two: at ``limit`` it stopped a letter with emoji short of what the server takes; at twice it
    never refuses what the server takes, and the form's own refusal (「内容最多 3000 字 (现在 3050
    个)」) says what is too long."""
    return {"data-max-chars": limit, "maxlength": 2 * limit}


class CountedField(BoundField):
    """A field whose text box or one-line text input takes its ``maxlength`` (its ``max_length``,
    unless the form dropped it) in characters (``max_chars_attrs``), not in the browser's UTF-16
    units: 昵称 (30) took 15 emoji. The site's forms get it from their renderer
    (``ChineseRenderer``) or set it (``VersionedForm``)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        limit = widget.attrs.get("maxlength")
        if limit and (isinstance(widget, forms.Textarea) or getattr(widget, "input_type", "") in ("text", "search")):
            attrs.update(max_chars_attrs(int(limit)))
        return attrs


class Textarea(forms.Textarea):
    """A text box whose line breaks are one character each, as the browser and the counter of
    ``static/js/forms.js`` count them: a form sends each as CR LF, and a letter the counter called
    「已达 3000 字上限」 was refused as 3000 plus one per line break."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


# what GPS-less clients send for latitude and longitude (walk of 2026-12-06: stored as the message's place)
NO_LOCATION = "坐标 (0, 0) 不是有效位置 (未能定位的设备常发送 0, 0): 未定位时请不填经纬度"


class CoordinateField(forms.DecimalField):
    """A latitude or longitude: only its first broken rule is told. 1e999 breaks both the range and
    the digit count, and the two errors stood run together (「纬度应在 -90 至 90 之间纬度格式不正确」)."""

    def run_validators(self, value):
        try:
            super().run_validators(value)
        except ValidationError as e:
            raise ValidationError(e.error_list[:1]) from None


class ChineseRenderer(DjangoTemplates):
    """Each field as label, errors next to it, widget and help text in one block."""

    field_template_name = "board/_field_group.html"
    bound_field_class = CountedField


class ChineseForm(forms.Form):
    """Labels without the ":" suffix (Chinese pages put labels above fields)."""

    default_renderer = ChineseRenderer

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PhotosInput(forms.ClearableFileInput):
    """The file box of photos (several at once); static/js/photos.js shrinks in the browser a
    photo over ``data-max-bytes`` (the server's limit, read when the page is made), its longer
    side to ``data-max-side``, before it is sent. It is described by the line under its 「选择照片」 button that
    names the photos chosen (``<id>_chosen``, board/post.html) and by its help. It is ``required`` (with
    ``aria-invalid="false"``) for that line without scripts: use it in a ``novalidate`` form only."""

    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        attrs = {**(attrs or {}), "data-max-bytes": max_bytes(), "data-max-side": BROWSER_SIDE}
        if attrs.get("id"):
            attrs["aria-describedby"] = f"{attrs['id']}_chosen {attrs['id']}_helptext"
            # required only so that CSS tells an empty box (:invalid) from a filled one without scripts (the post
            # form is novalidate, photos.js drops it); a screen reader must not hear an optional box as invalid
            attrs["required"] = True
            attrs.setdefault("aria-invalid", "false")
        return super().get_context(name, value, attrs)


class PhotosField(forms.FileField):
    """Up to MINSHENG_MAX_PHOTOS JPEG/PNG files, each cleaned by ``photos.clean_photo``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", PhotosInput(attrs={"accept": "image/jpeg,image/png"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, data):
        return data

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        limit = getattr(settings, "MINSHENG_MAX_PHOTOS", 6)
        if len(files) > limit:
            raise ValidationError(f"最多上传 {limit} 张照片, 您选择了 {len(files)} 张")
        cleaned, errors = [], []
        for f in files:
            try:
                cleaned.append(clean_photo(f))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class AddresseeField(forms.ChoiceField):
    """An Addressee id, or "" for 职能部门 (the competent department)."""

    refusal = None  # (id sent) -> the words, for a caller that typed the id (the API, Open311), as ``RegionField``'s

    def valid_value(self, value):
        return True  # checked against the chosen region in MessageForm.clean

    def to_python(self, value):
        value = super().to_python(value)
        if value in ("", None, "dept"):
            return None
        try:
            return Addressee.objects.select_related("region").get(pk=int(value), is_active=True)
        except (ValueError, TypeError, OverflowError, Addressee.DoesNotExist):
            raise ValidationError(self.refusal(value) if self.refusal else "请选择有效的留言对象") from None

    def validate(self, value):
        pass


class RegionField(forms.ModelChoiceField):
    """A region by its code. One that is no region's is refused in the web page's words for its list, or in
    ``refusal``'s (set by ``MessageForm``) for a caller that typed the code (the API, Open311)."""

    widget = forms.HiddenInput
    refusal = None  # (code sent) -> the words

    def __init__(self, **kwargs):
        super().__init__(queryset=Region.objects.select_related("parent"), to_field_name="code",
                         label="所在区划", error_messages={"required": "请选择留言所在的区划",
                                                          "invalid_choice": INVALID_CHOICE["region"]}, **kwargs)

    def to_python(self, value):
        # no code has a NUL, and PostgreSQL refuses one in the lookup (a 500): no such region
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice" or self.refusal is None:
                raise
            raise ValidationError(self.refusal(value), code="invalid_choice") from None


def handled_regions() -> list[Region]:
    """The highest regions whose messages someone takes: those of the active units (a unit
    serves its region and everything below it) and of the dispatchers (whose queue holds
    their region and everything below it), none below another, highest first."""
    ids = set(Unit.objects.filter(is_active=True).values_list("region_id", flat=True))
    ids |= set(Membership.objects.filter(role=Membership.Role.DISPATCHER, region__isnull=False)
               .values_list("region_id", flat=True))
    top: list[Region] = []
    for region in Region.objects.filter(pk__in=ids).order_by("level", "code"):
        if not any(t.contains(region) for t in top):
            top.append(region)
    return top


def check_handled(region: Region) -> None:
    """Refuse a region no unit serves and no dispatcher sees: a message filed at a city's
    province (浙江省 above 湖州市) reached nobody's queue, only the administrators'. Web form,
    API and Open311 all validate with MessageForm, so all three refuse it the same way."""
    chain = region.ancestors()
    if (Unit.objects.filter(is_active=True, region__in=chain).exists()
            or Membership.objects.filter(role=Membership.Role.DISPATCHER, region__in=chain).exists()):
        return
    top = handled_regions()
    if not top:
        raise ValidationError("本站还没有办理单位, 暂时不能留言")
    names = "、".join(r.name for r in top[:MAX_NAMED_REGIONS]) + (
        f" 等 {len(top)} 个区划" if len(top) > MAX_NAMED_REGIONS else "")
    raise ValidationError(f"本站不受理{region.name}的留言 (没有负责该区划的办理单位或派单员); "
                          f"请选择{names}或其下级区划")


MAX_NAMED_REGIONS = 10


def addressees_for(region):
    """Leaders' offices of ``region`` and the regions above it, nearest first."""
    if region is None:
        return []
    chain = region.ancestors()
    rank = {r.pk: i for i, r in enumerate(chain)}
    rows = list(Addressee.objects.filter(region__in=chain, is_active=True).select_related("region"))
    return sorted(rows, key=lambda a: (rank[a.region_id], a.sort, a.title))


# a 领域 the post form cannot take, said beside its box: the select shows 「不确定」 then, no longer the choice sent
# (until 2026-12-07 「请选择有效的领域」, as if nothing wrong had been chosen)
TOPIC_CHOOSE_AGAIN = "请重新选择 (不确定的可选「不确定」, 由工作人员判断)"
TOPIC_NOT_FOUND = f"所选的领域不存在, {TOPIC_CHOOSE_AGAIN}"
TOPIC_SWITCHED_OFF = "所选的领域「{name}」已停用, " + TOPIC_CHOOSE_AGAIN


class TopicCodeField(forms.ModelChoiceField):
    """A topic by its code, read without regard to case (``Topic.objects.coded``): Open311's ``service_code``
    「URBAN」 is the topic 「urban」 the services list names. One that names no topic offered is refused as
    ``invalid_choice``; one switched off (停用) since the form was shown is named (``TOPIC_SWITCHED_OFF``).
    Those words are the web page's; the API and Open311 give their own (``refusal``, set by ``MessageForm``)."""

    refusal = None  # (code sent, the switched-off topic or None) -> the words, for a caller with no 「不确定」 box

    def to_python(self, value):
        if isinstance(value, str) and value and "\x00" not in value:  # the parent refuses a NUL in its words
            value = self.queryset.coded(value).values_list("code", flat=True).first() or value
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice" or not isinstance(value, str) or "\x00" in value:
                raise
            off = Topic.objects.coded(value).filter(is_active=False).first()
            if self.refusal is not None:
                raise ValidationError(self.refusal(value, off), code="invalid_choice") from None
            if off is None:
                raise
            raise ValidationError(TOPIC_SWITCHED_OFF.format(name=off.name), code="invalid_choice") from None


def topic_choices():
    """Topics as an indented list, parents before their children."""
    return [("", "不确定 (由工作人员判断)")] + [(t.code, t.indent + t.name) for t in topic_tree()]


class MessageForm(ChineseForm):
    title = forms.CharField(label="标题", min_length=5, max_length=50, strip=True, validators=[require_words("标题")],
                            error_messages={"required": "请填写标题",
                                            "min_length": "标题至少 5 个字 (现在 %(show_value)d 个)",
                                            "max_length": "标题最多 50 个字 (现在 %(show_value)d 个)"})
    body = forms.CharField(label="内容", min_length=20, max_length=3000, strip=True, validators=[require_words("内容")],
                           widget=Textarea(attrs={"rows": 8}),
                           help_text="请写清楚时间、地点、问题和诉求, 20 至 3000 字",
                           error_messages={"required": "请填写留言内容",
                                           "min_length": "内容至少 20 个字 (现在 %(show_value)d 个)",
                                           "max_length": "内容最多 3000 字 (现在 %(show_value)d 个)"})
    kind = forms.ChoiceField(label="留言类型", choices=MessageKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "请选择留言类型",
                                             "invalid_choice": INVALID_CHOICE["kind"]})
    region = RegionField()
    addressee = AddresseeField(label="留言对象", required=False, choices=[(COMPETENT_DEPARTMENT, "职能部门")])
    topic = TopicCodeField(label="领域 (选填)", required=False, to_field_name="code",
                                   queryset=Topic.objects.filter(is_active=True),
                                   error_messages={"invalid_choice": TOPIC_NOT_FOUND})
    photos = PhotosField(label="照片 (选填)",
                         help_text="最多 6 张, JPEG 或 PNG, 每张不超过 5 MB; 上传时会去除拍摄位置等隐私信息")
    address = forms.CharField(label="地点 (选填)", max_length=200, required=False,
                              error_messages={"max_length": "地点最多 200 个字 (现在 %(show_value)d 个)"})
    latitude = CoordinateField(label="纬度", required=False, min_value=Decimal(-90), max_value=Decimal(90),
                                  max_digits=9, decimal_places=6,
                                  error_messages={"invalid": "纬度应为数字", "min_value": "纬度应在 -90 至 90 之间",
                                                  "max_value": "纬度应在 -90 至 90 之间",
                                                  "max_decimal_places": "纬度最多 6 位小数",
                                                  "max_digits": "纬度格式不正确"})
    longitude = CoordinateField(label="经度", required=False, min_value=Decimal(-180), max_value=Decimal(180),
                                   max_digits=9, decimal_places=6,
                                   error_messages={"invalid": "经度应为数字",
                                                   "min_value": "经度应在 -180 至 180 之间",
                                                   "max_value": "经度应在 -180 至 180 之间",
                                                   "max_decimal_places": "经度最多 6 位小数",
                                                   "max_digits": "经度格式不正确"})
    show_name = forms.BooleanField(label="公开我的昵称", required=False,
                                   help_text="默认不公开, 公开页面显示为“匿名网友”")

    def __init__(self, *args, topic_refusal=None, region_refusal=None, addressee_refusal=None, **kwargs):
        """``topic_refusal``: the words for a topic code that is none (or switched off), for a caller that chose
        it by code and has no 「不确定」 to pick (the API, Open311); ``region_refusal``: those for a region code that
        is none (since 2026-12-08: the API and Open311 read the page's 「请选择有效的区划」), ``addressee_refusal``
        for an office id that is none (the same day); the web page's words without them."""
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()
        self.fields["topic"].refusal = topic_refusal
        self.fields["region"].refusal = region_refusal
        self.fields["addressee"].refusal = addressee_refusal
        region = self.chosen_region()
        self.fields["addressee"].choices = [(COMPETENT_DEPARTMENT, "职能部门 (按职责交办)")] + [
            (str(a.pk), f"{a.title}") for a in addressees_for(region)]

    def chosen_region(self):
        """The region the form currently points at (bound value or initial), or None."""
        code = self.data.get("region") if self.is_bound else self.initial.get("region")
        if isinstance(code, Region):
            return code
        if not code or "\x00" in str(code):  # no code has one; PostgreSQL refuses it in the lookup
            return None
        return Region.objects.filter(code=str(code)).select_related("parent").first()

    def clean_region(self):
        region = self.cleaned_data["region"]
        check_handled(region)
        return region

    def clean(self):
        data = super().clean()
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None) and "latitude" not in self.errors and "longitude" not in self.errors:
            self.add_error("longitude" if lng is None else "latitude", "经纬度需同时填写")
        elif lat == 0 and lng == 0:  # a phone without a GPS fix sends (0, 0): the Gulf of Guinea, no place here
            for name in ("latitude", "longitude"):
                self.add_error(name, NO_LOCATION)
        region, addressee = data.get("region"), data.get("addressee")
        if region is not None and addressee is not None and not addressee.region.contains(region):
            self.add_error("addressee", f"「{addressee.title}」不受理{region.name}的留言, 请重新选择")
        return data

    def submit_kwargs(self) -> dict:
        """Keyword arguments for ``board.actions.do_submit`` (call after is_valid())."""
        d = self.cleaned_data
        return {
            "title": d["title"], "body": d["body"], "kind": d["kind"], "region": d["region"],
            "addressee": d.get("addressee"), "topic": d.get("topic"), "show_name": bool(d.get("show_name")),
            "photos": d.get("photos") or [], "latitude": d.get("latitude"), "longitude": d.get("longitude"),
            "address": d.get("address") or "",
        }


RATING_FIELD = {"choices": Rating.choices, "widget": forms.RadioSelect,
                "error_messages": {"required": "请选择满意、基本满意或不满意",
                                   "invalid_choice": "请选择满意、基本满意或不满意"}}


def key_field(model, name=None):
    """The column a box of rows (or a list's ticks) names them by: ``name``, else the primary key, followed
    through links to the field that holds the value (a key of text or a code is never a number out of range)."""
    field = model._meta.get_field(name) if name else model._meta.pk
    while field.is_relation:
        field = field.target_field
    return field


def refuse_keys_past_integers(field: forms.ModelMultipleChoiceField, value) -> None:
    """A box of several rows sent a number past the database's integers (a hand-made post): its ``invalid_pk_value``
    (「“…”不是一个有效的值」, as for 「abc」), before Django's own check asks the database with it (an ``IN`` query
    that overflowed, a 500 on SQLite). Every box, through board/admin.py's patch, and staff_forms.UnitsField itself."""
    key = key_field(field.queryset.model, field.to_field_name)
    for pk in value if isinstance(value, (list, tuple)) and isinstance(key, models.IntegerField) else ():
        with contextlib.suppress(ValueError, TypeError):  # not a number: Django's own check names it
            if abs(int(str(pk))) > 2**63 - 1:
                raise ValidationError(field.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": pk})


class EvaluationForm(ChineseForm):
    resolution = forms.ChoiceField(label="问题解决情况", **RATING_FIELD)
    attitude = forms.ChoiceField(label="办理态度", **RATING_FIELD)
    speed = forms.ChoiceField(label="办理速度", **RATING_FIELD)
    comment = forms.CharField(label="评价内容 (选填)", max_length=500, required=False,
                              widget=Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": "评价内容最多 500 字 (现在 %(show_value)d 个)"})


class ReopenForm(ChineseForm):
    reason = forms.CharField(label="重办理由", min_length=5, max_length=300, validators=[require_words("重办理由")],
                             widget=Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请说明问题为何没有解决",
                                             "min_length": "重办理由至少 5 个字 (现在 %(show_value)d 个)",
                                             "max_length": "重办理由最多 300 字 (现在 %(show_value)d 个)"})


class WithdrawForm(ChineseForm):
    confirm = forms.BooleanField(label="我确认撤回这条留言", error_messages={"required": "请勾选确认后再撤回"})


ANSWERED = "answered"  # browse's "any answered status": the home page's 最新答复 lead here
PUBLIC_STATUS_CHOICES = [("", "全部状态"), (ANSWERED, "有答复 (已答复、已评价、已办结)")] + [
    (s.value, s.label) for s in Status if s in Status.public()]


MAX_QUERY_LENGTH = 100


def query_cut(request) -> bool:
    """Whether ?q= is longer than MAX_QUERY_LENGTH: the page searches its beginning and says so
    (a pasted paragraph found what its first 100 characters find, with no word of why)."""
    return len((request.GET.get("q") or "").strip()) > MAX_QUERY_LENGTH


class BrowseForm(ChineseForm):
    """Filters of the public list; bad values are dropped, never an error page."""

    q = forms.CharField(label="关键词", required=False)
    # no max_length: a code too long names nothing, said as any such code is (clean_region), not in Django's words
    region = forms.CharField(label="区划", required=False)
    topic = forms.CharField(label="领域", required=False)
    # a bad value is not given back (Django's own words echoed it whole, 300 characters of ?status= and all)
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部类型")] + MessageKind.choices,
                             error_messages={"invalid_choice": "没有这种类型, 未按类型筛选"})
    status = forms.ChoiceField(label="状态", required=False, choices=PUBLIC_STATUS_CHOICES,
                               error_messages={"invalid_choice": "没有这种状态, 未按状态筛选"})
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "日期格式应为 年-月-日"})
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "日期格式应为 年-月-日"})

    def clean_q(self):
        # a pasted sentence or title is searched by its beginning, never refused
        return self.cleaned_data["q"][:MAX_QUERY_LENGTH]

    # a code that names nothing is said next to its box and dropped, as a bad type or status is: it listed nothing
    # under 「全部区划」 (a walk, 2026-12-07)
    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        if code and not Region.objects.filter(code=code).exists():
            raise ValidationError(f"没有区划代码为 {cut(code, 20)} 的区划, 未按区划筛选")
        return code

    def clean_topic(self):
        code = self.cleaned_data["topic"].strip()
        if code and not Topic.objects.coded(code).exists():
            raise ValidationError(f"没有代码为 {cut(code, 20)} 的领域, 未按领域筛选")
        return code

    def clean(self):
        # the two dates the wrong way round found nothing and said nothing (公开统计 and the
        # API name the problem): 截止日期 is dropped and says why, the list runs from 起始日期
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "截止日期早于起始日期, 未按截止日期筛选")
        return data

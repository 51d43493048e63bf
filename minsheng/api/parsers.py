"""Request body parsers of the API and Open311: DRF's, with a JSON body nested too deeply
(``{"a": {"a": ...}}``) a 400 parse error: a few thousand levels were a RecursionError in
Python's decoder, and a few hundred one in any code walking the parsed value (Open311's
NUL check), each answered 500. No field of the API nests more than a few levels. A string
holding a lone UTF-16 surrogate (``"\\ud800"``: Python's decoder takes the escape, but it is
no Unicode text) is a 400 naming its field: it reached the database (which cannot store it)
or an error echoing it (which cannot be encoded), each a 500; so is a number that is no finite
number (``NaN``, ``Infinity``, ``1e400``: DRF's strict JSON said 「JSON 格式错误」 of the first two, and
took the last as inf). A multipart body Django cannot
read (no ``boundary``) is said in Chinese too: DRF quoted Django's English."""

import codecs
import json
import math
import re
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import QueryDict
from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from .errors import ApiError

MAX_DEPTH = 32
TOO_DEEP = "JSON 嵌套层数过多"
NOT_UNICODE = "JSON 字符串中含有单独的 UTF-16 代理项 (如 \\ud800), 不是有效的文字"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check(value) -> None:
    """A ParseError for ``value`` nested more than MAX_DEPTH deep, an ApiError naming the
    (top-level) field of a string or key that holds a lone surrogate, or of a number that is no
    finite number."""
    stack = [(value, 1, None)]
    _check_scalar(value, None)
    while stack:
        item, depth, field = stack.pop()
        pairs = item.items() if isinstance(item, dict) else ((None, v) for v in item) if isinstance(item, list) else ()
        for key, child in pairs:
            if isinstance(key, str) and _SURROGATE.search(key):
                _refuse(field, NOT_UNICODE)
            name = field if field is not None else key
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_DEPTH:
                    raise ParseError(TOO_DEEP)
                stack.append((child, depth + 1, name))
            else:
                _check_scalar(child, name)


def _check_scalar(value, field: str | None) -> None:
    if isinstance(value, str) and _SURROGATE.search(value):
        _refuse(field, NOT_UNICODE)
    if isinstance(value, float) and not math.isfinite(value):
        # NaN and Infinity (json.dumps writes a float nan or inf so) or a number past a double (1e400)
        written = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
        _refuse(field, f"{written} 不是 JSON 的数值 (NaN、Infinity 或超出范围的数): 请写一个数, 不填请写 null")


def _refuse(field: str | None, problem: str):
    message = f"{field}: {problem}" if field is not None else problem
    raise ApiError(f"请求内容无法解析: {message}", code="parse_error",
                   fields={field: [problem]} if field is not None else None)


class JSONParser(parsers.JSONParser):
    strict = False  # NaN and Infinity parse, to be named with their field by _check (DRF's error named neither)

    def parse(self, stream, media_type=None, parser_context=None):
        context = dict(parser_context or {})
        if codecs.lookup(context.get("encoding") or settings.DEFAULT_CHARSET).name == "utf-8":
            # a byte order mark, as Windows tools save UTF-8, read as none (RFC 8259 lets a parser ignore it): it
            # was 「JSON 格式错误: 第 1 行第 1 列」 (an integrator's walk, 2026-12-05)
            context["encoding"] = "utf-8-sig"
        try:
            data = super().parse(stream, media_type, context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ParseError as exc:  # DRF's text quotes Python's decoder, in English
            raise ParseError(_where(exc.__context__)) from None
        _check(data)
        return data


def _where(error) -> str:
    """「JSON 格式错误: 第 1 行第 2 列」 for the decoder's error under DRF's ParseError."""
    if isinstance(error, json.JSONDecodeError):
        return f"JSON 格式错误: 第 {error.lineno} 行第 {error.colno} 列"
    if isinstance(error, UnicodeDecodeError):
        return "JSON 格式错误: 不是 UTF-8 文本"
    if "integer string conversion" in str(error):  # Python's words: over sys.get_int_max_str_digits() (4300)
        return "JSON 格式错误: 数字的位数过多"
    return "JSON 格式错误"


# the labels a browser reads as gb18030 (the WHATWG Encoding Standard's, with Windows' cp936): GB2312 and GBK are
# its subsets, and a system labelling its text GB2312 writes GBK's characters too (张堃, 喆, 镕)
_GB18030_LABELS = {"gb2312", "gbk", "x-gbk", "cp936", "euc-cn", "chinese", "csgb2312", "gb_2312", "gb_2312-80",
                   "iso-ir-58", "csiso58gb231280", "gb18030"}
_FORM_SEPARATORS = "a=1&b=%2B"


def _not_the_charset(charset: str | None, media_type: str) -> str:
    if charset is None:
        return (f"表单内容不是 UTF-8 文本: 请以 UTF-8 编码发送, 或在 Content-Type 中注明所用的编码 "
                f"(如 {media_type}; charset=GBK)")
    return f"表单内容不是 {charset} 文本: 请以 Content-Type 中注明的编码发送, 或改用 UTF-8"


def form_charset(content_type: str | None) -> tuple[str | None, str]:
    """(the charset a form's ``Content-Type`` names, as named, or None; the codec that reads it). GB2312 and GBK
    labels read as GB18030, as browsers do: read strictly as GB2312, a name outside it refused the whole message
    (2026-12-08). A charset Python does not know reads as UTF-8, as Django has it; one whose text is no ASCII
    (UTF-16) cannot carry a form's ``=`` and ``&``, and is a ParseError."""
    _, params = parse_header_parameters(content_type or "")
    charset = (params.get("charset") or "").strip() or None
    if charset is None:
        return None, settings.DEFAULT_CHARSET
    if charset.lower() in _GB18030_LABELS:
        return charset, "gb18030"
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return charset, settings.DEFAULT_CHARSET
    if codec in ("gb2312", "gbk"):
        return charset, "gb18030"
    try:
        ascii_kept = _FORM_SEPARATORS.encode(codec) == _FORM_SEPARATORS.encode("ascii")
    except (LookupError, UnicodeError):
        ascii_kept = False
    if not ascii_kept:
        raise ParseError(f"表单不能用 {charset} 编码: 表单的分隔符 (= 与 &) 须是 ASCII, 请以 UTF-8 或 GBK 编码发送")
    return charset, codec


class FormParser(parsers.FormParser):
    """DRF's, reading the form strictly in the charset its ``Content-Type`` names (form_charset): a form in GBK sent
    without ``charset=`` had each byte UTF-8 cannot read replaced, and was stored so, 「С������…」 (an integrator's
    walk, 2026-12-08); it is a 400 saying what to send, as a JSON body in GBK is told. Open311 finds its
    ``api_key`` by this parser too (authentication.ApiKeyAuthentication)."""

    def parse(self, stream, media_type=None, parser_context=None):
        charset, codec = form_charset(media_type)
        body = stream.read() if stream is not None else b""
        try:  # the separators are ASCII: the text as a whole decodes where each name and value does
            unquote_to_bytes(body.replace(b"+", b" ")).decode(codec)
        except UnicodeDecodeError:
            raise ParseError(_not_the_charset(charset, "application/x-www-form-urlencoded")) from None
        return QueryDict(body, encoding=codec)


class _Replaced:
    """The request body as Django's multipart parser reads it, counting the U+FFFD (EF BF BD) it holds: a text
    field decoded with more of them than the whole body held was not text in its charset (Django replaces what it
    cannot decode, and stores it garbled)."""

    MARK = "\ufffd".encode()

    def __init__(self, stream):
        self.stream, self.held, self._tail = stream, 0, b""

    def read(self, size=-1):
        chunk = self.stream.read(size)
        seen = self._tail + chunk
        self.held += seen.count(self.MARK) - self._tail.count(self.MARK)
        self._tail = seen[-2:]
        return chunk


class MultiPartParser(parsers.MultiPartParser):
    """DRF's, with Django's errors in Chinese, the charset mapped as a form's (form_charset), and a text field that
    is not text in it a ParseError, as a form's: it was stored with each byte the charset cannot read replaced (an
    Open311 post with photos in GBK; 2026-12-08). A body that held U+FFFD itself is checked only past that many."""

    def parse(self, stream, media_type=None, parser_context=None):
        charset, codec = form_charset(media_type)
        context = {**(parser_context or {}), "encoding": codec}
        counted = _Replaced(stream) if stream is not None else None
        try:
            parsed = super().parse(counted, media_type, context)
        except ParseError as exc:  # 「Multipart form parse error - Invalid boundary in multipart: None」
            raise ParseError(_multipart_what(exc.__context__)) from None
        replaced = sum(key.count("\ufffd") + sum(value.count("\ufffd") for value in values)
                       for key, values in parsed.data.lists())
        if counted is not None and replaced > counted.held:
            raise ParseError(_not_the_charset(charset, "multipart/form-data"))
        return parsed


def _multipart_what(error) -> str:
    """「multipart/form-data 格式错误: …」 for Django's MultiPartParserError under DRF's ParseError."""
    text = str(error or "")
    if "boundary" in text:
        return "multipart/form-data 格式错误: Content-Type 请求头缺少有效的 boundary 参数"
    if "header size" in text:
        return "multipart/form-data 格式错误: 某个部分的头部过大"
    return "multipart/form-data 格式错误"


PARSERS = [JSONParser, FormParser, MultiPartParser]

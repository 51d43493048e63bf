"""Request body parsers of the API and Open311: DRF's, with a JSON body nested too deeply
(``{"a": {"a": ...}}``) a 400 parse error: a few thousand levels were a RecursionError in
Python's decoder, and a few hundred one in any code walking the parsed value (Open311's
NUL check), each answered 500. No field of the API nests more than a few levels. A multipart
body Django cannot read (no ``boundary``) is said in Chinese too: DRF quoted Django's English."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP = "JSON 嵌套层数过多"


def _depth_ok(value) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_DEPTH:
                    return False
                stack.append((child, depth + 1))
    return True


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        except ParseError as exc:  # DRF's text quotes Python's decoder, in English
            raise ParseError(_where(exc.__context__)) from None
        if not _depth_ok(data):
            raise ParseError(TOO_DEEP)
        return data


def _where(error) -> str:
    """「JSON 格式错误: 第 1 行第 2 列」 for the decoder's error under DRF's ParseError."""
    if isinstance(error, json.JSONDecodeError):
        return f"JSON 格式错误: 第 {error.lineno} 行第 {error.colno} 列"
    if isinstance(error, UnicodeDecodeError):
        return "JSON 格式错误: 不是 UTF-8 文本"
    return "JSON 格式错误"


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:  # 「Multipart form parse error - Invalid boundary in multipart: None」
            raise ParseError(_multipart_what(exc.__context__)) from None


def _multipart_what(error) -> str:
    """「multipart/form-data 格式错误: …」 for Django's MultiPartParserError under DRF's ParseError."""
    text = str(error or "")
    if "boundary" in text:
        return "multipart/form-data 格式错误: Content-Type 请求头缺少有效的 boundary 参数"
    if "header size" in text:
        return "multipart/form-data 格式错误: 某个部分的头部过大"
    return "multipart/form-data 格式错误"


PARSERS = [JSONParser, parsers.FormParser, MultiPartParser]

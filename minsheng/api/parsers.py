"""Request body parsers of the API and Open311: DRF's, with a JSON body nested too deeply
for Python's decoder (``{"a": {"a": ...}}`` a few thousand levels down, a few kilobytes) a
400 parse error; it was a RecursionError, answered 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON 嵌套层数过多") from None


PARSERS = [JSONParser, parsers.FormParser, parsers.MultiPartParser]

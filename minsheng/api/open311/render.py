"""Open311 output in JSON or in the spec's XML (element names as in GeoReport v2)."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# the XML element of each list item, by list element
ITEM_NAMES = {"services": "service", "service_requests": "request", "attributes": "attribute",
              "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}

# characters XML 1.0 does not allow, even escaped: a citizen's text may hold one (a control
# character pasted from a document), and one of them would make the whole feed unreadable
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_name), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def _present(value):
    """``value`` without its null fields: the official swagger.json types every optional field a
    string or a number, never null (request.json allows null, and an absent field suits both); until
    2026-12-05 a request's ``zipcode`` was ``null`` and the POST's ``account_id`` too."""
    if isinstance(value, dict):
        return {k: _present(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_present(v) for v in value]
    return value


def respond(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    """``value`` as JSON, its null fields left out, or as XML under ``root`` (lists: items named by
    ITEM_NAMES; a null field an empty element, as the spec's examples have it)."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, value), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(json.dumps(_present(value), ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


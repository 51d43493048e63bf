# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""What tests/test_schemathesis.py does not send: input no schema describes. NUL characters
(PostgreSQL refuses them in text), lone UTF-16 surrogates (``"\\ud800"`` in a JSON string:
no Unicode text), bodies that are no JSON object, values of the wrong type, huge numbers,
NaN, extreme pages, garbage headers, a reused Idempotency-Key, the wrong Content-Type —
sent to the REST API and Open311 as anonymous, a citizen, staff, a read-only token and an
Open311 key. Each is a 4xx with a clear message in the API's one error shape (Open311
``.xml``: the spec's ``<errors>``), never a 500, and a refused write stores nothing."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from rest_framework.test import APIClient

from minsheng.accounts.models import User
from minsheng.api.models import ApiToken, IdempotencyKey, Open311Key, Open311Request
from minsheng.board.models import Evaluation, Event, Message, Reply, Support

from .conftest import build_directory, build_personas, make_user, shared_once
from .test_api_support import (  # noqa: F401
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    coded,
    error_of,
    named,
    submit,
)

# no module-wide django_db mark: the tests reach the database through ``directory`` (``db``), after the shared
# world (tests/conftest.py's ``_SharedWorld`` serves no test with such a mark)

BODY = "我们小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。"
SURROGATES = ["\ud800", "前\udfff后"]
# for a text field (a number is taken as its text, as DRF's CharField does)
WRONG_TYPES = [["a"], {"a": 1}, True, False, "\x00", "a\x00b", "A" * 5000]
# for a whole-number field
NOT_INTEGERS = [True, 2**64, -(2**64), 2**31, 1e300, 1.5, "1e2", "NaN", "", "\x00", [1], {"a": 1}]
NOT_OBJECTS = ["[]", "[1, 2]", "1", "null", '"text"', "true", "[" * 40 + "]" * 40, '{"a":' * 40 + "1" + "}" * 40,
               '{"a": NaN}', '{"a": Infinity}', "{", '{"a": 1}x', "9" * 5000]


def stored() -> dict:
    """What a refused write must leave as it was."""
    return {model.__name__: model.objects.count()
            for model in (Message, Event, Evaluation, Reply, Support, IdempotencyKey, Open311Request, User)}


def build_bad_input_world(p: dict, d: dict) -> dict:
    """A message waiting for review, one replied (to rate, reopen, support), and the key of each caller's token."""
    pending = submit(p["citizen"], d, title="待审核的留言")
    replied = advance(submit(p["citizen"], d, title="已答复的留言"), p, d, "replied")
    head = make_user("head", role="head", unit=d["housing"], display_name="住建局王局长")

    def token(user, scope=ApiToken.Scope.WRITE) -> str:
        return ApiToken.issue(user, "bad-input", scope=scope)[1]

    tokens = {"citizen": token(p["citizen"]), "read_only": token(p["citizen"], ApiToken.Scope.READ),
              "dispatcher": token(p["dispatcher"]), "officer": token(p["officer"]),
              "supervisor": token(p["supervisor"]), "head": token(head)}
    return {"pending": pending.public_id, "replied": replied.public_id, "tokens": tokens}


def _build_shared() -> dict:
    directory = build_directory()
    personas = build_personas(directory)
    api_key = Open311Key.issue("测试系统")
    return {"directory": directory, "personas": personas, "api_key": api_key,
            "bad_input_world": build_bad_input_world(personas, directory)}


# built once for the tests that follow one another, not for each of some 400 (tests/conftest.py)
shared_once("bad_input_world", _build_shared)


@pytest.fixture
def api_key(db, _world_copy):
    """(row, key) of an Open311 key: the shared world's, as test_api_support's ``api_key`` makes one."""
    return _world_copy["api_key"] if "api_key" in _world_copy else Open311Key.issue("测试系统")


@pytest.fixture
def bad_input_world(personas, directory, _world_copy):
    return _world_copy["bad_input_world"] if "bad_input_world" in _world_copy else build_bad_input_world(
        personas, directory)


@pytest.fixture
def world(api_key, bad_input_world, directory):
    """The messages of ``bad_input_world`` and a client per caller (made for each test: a client keeps cookies)."""

    def signed(**credentials) -> APIClient:
        client = APIClient(raise_request_exception=False)  # a 500 is a response to assert on, not a raise
        client.credentials(**credentials)
        return client

    clients = {who: signed(HTTP_AUTHORIZATION=f"Token {key}") for who, key in bad_input_world["tokens"].items()}
    clients |= {"anonymous": signed(), "api_key": signed(HTTP_X_API_KEY=api_key[1])}
    return {"pending": bad_input_world["pending"], "replied": bad_input_world["replied"], "clients": clients,
            "d": directory}


# Each write endpoint: (its path, given the world; who may call it; a body it would accept)
WRITES = {
    "create": (lambda w: "/api/v1/messages/", "citizen",
               {"title": "小区电梯加装进展缓慢", "body": BODY, "kind": "help", "region": "620100"}),
    "similar": (lambda w: "/api/v1/messages/similar/", "citizen", {"title": "电梯", "body": BODY, "region": "620100"}),
    "rate": (lambda w: f"/api/v1/messages/{w['replied']}/rate/", "citizen",
             {"resolution": "satisfied", "attitude": "basic", "speed": "basic", "comment": "好"}),
    "reopen": (lambda w: f"/api/v1/messages/{w['replied']}/reopen/", "citizen", {"reason": "问题仍然没有解决"}),
    "close-account": (lambda w: "/api/v1/me/", "citizen", {"password": "wrong"}),
    "reject": (lambda w: f"/api/v1/staff/cases/{w['pending']}/reject/", "dispatcher", {"reason": "不属于受理范围"}),
    "dispatch-batch": (lambda w: "/api/v1/staff/dispatch-batch/", "dispatcher", {"cases": ["x"]}),
    "assign-batch": (lambda w: "/api/v1/staff/assign-batch/", "head", {"cases": ["x"], "handler": 1}),
    "note": (lambda w: f"/api/v1/staff/cases/{w['replied']}/note/", "officer", {"body": "已电话联系留言人"}),
    "supervise": (lambda w: f"/api/v1/staff/cases/{w['replied']}/supervise/", "supervisor", {"note": "请加快办理"}),
    "open311": (lambda w: "/open311/v2/requests.json", "api_key",
                {"service_code": "urban", "description": BODY, "lat": "36.06", "long": "103.83",
                 "jurisdiction_id": "620000", "attribute[region]": "620100", "email": "a@example.com"}),
}


def send(client, name, url, data, how="json"):
    method = client.delete if name == "close-account" else client.post
    if how == "json":
        return method(url, data if isinstance(data, str) else json.dumps(data), content_type="application/json")
    if how == "form":
        return method(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")
    return method(url, data, format="multipart")


def assert_refused(response, before, *, xml=False):
    """A 4xx in the error shape, with a message; nothing stored."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if xml:
        assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
        error = ET.fromstring(response.content).find("error")
        assert error.findtext("code") == str(response.status_code) and error.findtext("description")
    else:
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        error_of(response)
    assert stored() == before


# --- lone surrogates (were 500s) -------------------------------------------------------------

@pytest.mark.parametrize("value", SURROGATES)
@pytest.mark.parametrize("name, field", [
    ("rate", "resolution"),  # a choice field's error echoed the value: the JSON renderer could not encode it
    ("rate", "speed"),
    ("open311", "jurisdiction_id"),  # looked up, then echoed in the 404
    ("open311", "attribute[region]"),
    ("open311", "description"),
    ("create", "title"),
    ("similar", "body"),
    ("note", "body"),
    ("supervise", "note"),
])
def test_a_lone_surrogate_in_a_json_field_is_a_400_naming_it(world, name, field, value):
    path, who, good = WRITES[name]
    before = stored()
    response = send(world["clients"][who], name, path(world), {**good, field: value})
    assert_refused(response, before)
    err = error_of(response)
    assert coded(err, "parse_error", 400) and "代理项" in err["message"] and field in err["message"]
    assert named(err, field)


@pytest.mark.parametrize("body", ['{"\\ud800": 1}', '["\\udc00"]', '"\\ud800"', '{"items": [{"case": "\\ud800"}]}'])
@pytest.mark.parametrize("name", ["similar", "rate", "dispatch-batch", "assign-batch", "open311"])
def test_a_lone_surrogate_anywhere_in_a_json_body_is_a_400(world, name, body):
    path, who, _ = WRITES[name]
    before = stored()
    response = send(world["clients"][who], name, path(world), body)
    assert_refused(response, before)
    assert "代理项" in error_of(response)["message"]


def test_an_open311_key_with_a_lone_surrogate_in_a_json_body_is_a_400_not_a_500(world, directory):
    """Read to authenticate the call (its hash could not be computed)."""
    before = stored()
    body = {**WRITES["open311"][2], "api_key": "\ud800"}
    response = world["clients"]["anonymous"].post("/open311/v2/requests.json", json.dumps(body),
                                                  content_type="application/json")
    assert_refused(response, before)
    assert named(error_of(response), "api_key")


def test_a_lone_surrogate_posted_to_open311_xml_is_the_specs_errors(world):
    before = stored()
    response = world["clients"]["api_key"].post("/open311/v2/requests.xml", json.dumps(
        {**WRITES["open311"][2], "jurisdiction_id": "\ud800"}), content_type="application/json")
    assert_refused(response, before, xml=True)
    assert response.status_code == 400


def test_a_surrogate_pair_is_text_not_an_error(world):
    """An emoji escaped as JSON writes it (``"\\ud83d\\ude00"``) is one character, not two halves."""
    path, who, good = WRITES["create"]
    before = stored()
    response = send(world["clients"][who], "create", path(world), json.dumps(
        {**good, "body": BODY + "\U0001F600"}, ensure_ascii=True))
    assert response.status_code == 201, response.content
    assert response.json()["body"].endswith("\U0001F600")
    assert stored()["Message"] == before["Message"] + 1


# --- NUL, wrong types, huge numbers ------------------------------------------------------------

@pytest.mark.parametrize("name", list(WRITES))
def test_a_text_field_of_the_wrong_type_or_with_nul_is_refused(world, name):
    path, who, good = WRITES[name]
    field = next(iter(good))
    for value in WRONG_TYPES:
        if isinstance(value, list) and isinstance(good[field], list):
            continue  # dispatch-batch's and assign-batch's cases: a list is its type
        before = stored()
        response = send(world["clients"][who], name, path(world), {**good, field: value})
        if name == "similar" and response.status_code == 200:  # cut to the form's limits, saves nothing
            assert stored() == before
            continue
        assert_refused(response, before)


@pytest.mark.parametrize("name, field, good", [
    ("create", "addressee", None),
    ("dispatch", "lead", None),
    ("extension", "days", {"reason": "需要协调多个部门"}),
    ("assign", "handler", None),
    ("extension-decision", "extension", {"approve": True}),
])
def test_a_whole_number_field_of_the_wrong_type_is_refused(world, name, field, good):
    if name == "create":
        path, who, good = WRITES["create"]
        url, client = path(world), world["clients"][who]
    else:
        url = f"/api/v1/staff/cases/{world['replied']}/{name}/"
        client = world["clients"]["supervisor" if name == "extension-decision" else "officer"
                                   if name in ("extension", "assign") else "dispatcher"]
    for value in NOT_INTEGERS:
        before = stored()
        response = send(client, name, url, {**(good or {}), field: value})
        assert_refused(response, before)
        if response.status_code == 400:
            assert named(error_of(response), field) or "NUL" in error_of(response)["message"], value


@pytest.mark.parametrize("how", ["form", "multipart"])
@pytest.mark.parametrize("name", list(WRITES))
def test_a_nul_in_a_form_field_is_refused(world, name, how):
    path, who, good = WRITES[name]
    before = stored()
    response = send(world["clients"][who], name, path(world), {**good, next(iter(good)): "前\x00后"}, how)
    assert_refused(response, before)


@pytest.mark.parametrize("lat, long", [("NaN", "1"), ("Infinity", "-Infinity"), ("1e400", "1"), ("91", "181"),
                                       ("36.06", "sNaN"), ("0x10", "1")])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_coordinates_that_are_no_place_are_refused(world, lat, long, fmt):
    before = stored()
    body = {**WRITES["open311"][2], "lat": lat, "long": long}
    response = world["clients"]["api_key"].post(f"/open311/v2/requests.{fmt}", body)
    assert_refused(response, before, xml=fmt == "xml")


@pytest.mark.parametrize("latitude", ["NaN", "Infinity", 1e400, 2**64, True, [36]], ids=repr)
def test_rest_coordinates_that_are_no_place_are_refused(world, latitude):
    path, who, good = WRITES["create"]
    before = stored()
    body = json.dumps({**good, "latitude": latitude, "longitude": 103.8})  # 1e400 is written Infinity
    response = send(world["clients"][who], "create", path(world), body)
    assert_refused(response, before)


# --- bodies that are no JSON object; the wrong Content-Type ------------------------------------

@pytest.mark.parametrize("name", list(WRITES))
def test_a_body_that_is_no_json_object_is_refused(world, name):
    path, who, _ = WRITES[name]
    for body in NOT_OBJECTS:
        before = stored()
        response = send(world["clients"][who], name, path(world), body)
        assert_refused(response, before)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/json; charset=utf-16",
                                          "multipart/form-data",
                                          "application/x-www-form-urlencoded; charset=utf-16"])
@pytest.mark.parametrize("name", ["create", "rate", "reject", "open311"])
def test_a_body_under_the_wrong_content_type_is_refused(world, name, content_type):
    path, who, good = WRITES[name]
    before = stored()
    response = world["clients"][who].post(path(world), json.dumps(good), content_type=content_type)
    assert_refused(response, before)


# --- callers without the right ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["anonymous", "read_only", "api_key"])
@pytest.mark.parametrize("name", [n for n in WRITES if n not in ("open311", "similar")])
def test_a_write_by_a_caller_without_the_right_stores_nothing(world, name, who):
    path, _, good = WRITES[name]
    before = stored()
    response = send(world["clients"][who], name, path(world), good)
    assert response.status_code in (401, 403), response.content
    assert_refused(response, before)


@pytest.mark.parametrize("who", ["anonymous", "citizen", "read_only", "dispatcher"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_post_without_a_key_stores_nothing(world, who, fmt):
    before = stored()
    response = world["clients"][who].post(f"/open311/v2/requests.{fmt}", WRITES["open311"][2])
    assert response.status_code == 403
    assert_refused(response, before, xml=fmt == "xml")


# --- Idempotency-Key -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["create", "open311"])
def test_an_idempotency_key_reused_with_another_body_is_a_409_storing_nothing(world, name):
    path, who, good = WRITES[name]
    client = world["clients"][who]
    first = client.post(path(world), good, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code in (200, 201), first.content
    before = stored()
    other = {**good, "description" if name == "open311" else "body": BODY + "还有噪音问题。"}
    for how in ("json", "multipart"):
        response = client.post(path(world), other, format=how, HTTP_IDEMPOTENCY_KEY="retry-1")
        assert response.status_code == 409, response.content
        assert_refused(response, before)
        assert named(error_of(response), "Idempotency-Key")


@pytest.mark.parametrize("key", ["", " ", "é", "a" * 101, "\x7f", "a b"])
def test_an_idempotency_key_that_is_no_key_is_refused(world, key):
    path, who, good = WRITES["create"]
    before = stored()
    response = world["clients"][who].post(path(world), good, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert_refused(response, before)


def test_a_refused_post_does_not_use_up_its_idempotency_key(world):
    path, who, good = WRITES["create"]
    client = world["clients"][who]
    before = stored()
    refused = client.post(path(world), {**good, "kind": [1]}, format="json", HTTP_IDEMPOTENCY_KEY="fix-and-retry")
    assert_refused(refused, before)
    response = client.post(path(world), good, format="json", HTTP_IDEMPOTENCY_KEY="fix-and-retry")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response


# --- query strings, pages, headers ---------------------------------------------------------------

GETS = ["/api/v1/messages/", "/api/v1/me/messages/", "/api/v1/me/supported/", "/api/v1/units/", "/api/v1/addressees/",
        "/api/v1/regions/", "/api/v1/hotspots/", "/api/v1/statistics/", "/api/v1/staff/inbox/",
        "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.xml"]


QUERIES = [
    "page=0", "page=-1", "page=100000", "page=99999999999999999999", "page_size=0", "page_size=18446744073709551616",
    "page_size=1e2", "page_size=NaN", "cursor=%00", "region=%00", "q=%00", "q=%ED%A0%80", "jurisdiction_id=%00",
    "jurisdiction_id=" + "9" * 300, "start_date=0001-01-01T00:00:00Z", "end_date=9999-12-31T23:59:59-23:59",
    "service_request_id=%00", "status=open&status=closed&status=%00", "format=xml", "format=%00", "%00=1",
    "page_size=1&page_size=2", "jurisdiction_id=620000&jurisdiction_id=620100",
    # the staff inbox's sort (2026-12-05): unknown, NUL, and a cursor of no order of its
    "ordering=%00", "box=unit&ordering=%00", "box=unit&ordering=-", "box=unit&ordering=due&cursor=%00",
    "box=unit&ordering=topic&cursor=cD0lN0IlMjJvJTIyJTNBJTIydG9waWMlMjIlN0Q=",
    # PostgreSQL's tsquery syntax, to the full-text search
    "q=a%3A*%20%21b", "q=%5C", "q=%27%27", "q=%3C-%3E", "q=a%5Cb%27c%26%7C", "q=" + "%E8%AF%8D%20" * 60,
]


@pytest.mark.parametrize("url", GETS)
@pytest.mark.parametrize("who", ["anonymous", "citizen", "dispatcher", "read_only", "api_key"])
def test_a_query_no_one_should_send_is_answered_without_a_server_error(world, who, url):
    for query in QUERIES:
        response = world["clients"][who].get(f"{url}?{query}")
        assert response.status_code < 500, (query, response.content[:300])
        if response.status_code >= 400:
            assert_refused(response, stored(), xml=url.endswith(".xml"))


@pytest.mark.parametrize("query", ["service_code=%00&service_code=urban", "service_request_id=%00&service_request_id=1",
                                   "status=%00&status=open", "jurisdiction_id=%00&jurisdiction_id=620000"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("who", ["anonymous", "api_key"])
def test_a_nul_in_a_repeated_open311_parameter_is_a_400(world, who, fmt, query):
    """Only the last value of a repeated parameter was checked for NUL, but Open311 reads them all
    (``_listed``): the query that read the first was a 500 on PostgreSQL."""
    response = world["clients"][who].get(f"/open311/v2/requests.{fmt}?{query}")
    assert_refused(response, stored(), xml=fmt == "xml")
    assert response.status_code == 400
    message = (ET.fromstring(response.content).findtext("error/description") if fmt == "xml"
               else error_of(response)["message"])
    assert "NUL" in message


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_nul_in_an_address_no_api_view_serves_is_answered_in_the_apis_error_shape(world, accept):
    """An address under /api/ no API view serves (a path mistyped, the token page) holding a NUL was
    answered ``{"error": "请求中含有无效字符 (NUL)"}`` to a client asking for JSON, the site's HTML page to one
    that did not say (curl's ``*/*``): the API's ``{"error": {"code", "message", "fields"}}``, as its 404
    there, and GeoReport v2's array (or ``<errors>``) under /open311/ (since 2026-12-06)."""
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    client = world["clients"]["anonymous"]
    for url in ("/api/v1/nothing%00/", "/api/v1/a%00b", "/api/nothing/?q=%00", "/api/tokens/?q=%00",
                "/open311/v2/nothing%00.json", "/open311/v2/services?x=%00", "/open311/v2/nothing%00.xml"):
        response = client.get(url, **headers)
        assert response.status_code == 400, (url, response.content[:300])
        assert_refused(response, stored(), xml=url.endswith(".xml"))
        if not url.endswith(".xml"):
            assert error_of(response)["message"] == "请求中含有无效字符 (NUL)"
            assert url.startswith("/open311/") or error_of(response)["code"] == "invalid"
    # a person's browser asks for a page: the token page is one, and says so on a page
    page = client.get("/api/tokens/?q=%00", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")
    assert "请求中含有无效字符 (NUL)" in page.content.decode()


@pytest.mark.parametrize("url", GETS)
def test_garbage_conditional_headers_are_ignored(world, url):
    client = world["clients"]["citizen"]
    plain = client.get(url)
    response = client.get(url, HTTP_IF_MODIFIED_SINCE="Sat, 99 Foo 99999 99:99:99 GMT\x7f",
                          HTTP_IF_NONE_MATCH='"garbage", W/', HTTP_IF_RANGE="bytes=0-")
    assert response.status_code == plain.status_code < 500


# a presigned link to a photo in object storage (its signature and session token in the query): 1,200 characters
PRESIGNED = ("https://bucket.s3.cn-northwest-1.amazonaws.com.cn/open311/photo.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
             "&X-Amz-Credential=AKIAEXAMPLE%2F20261205%2Fcn-northwest-1%2Fs3%2Faws4_request&X-Amz-Date=20261205T000000Z"
             "&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Security-Token=" + "A" * 900 + "&X-Amz-Signature="
             + "0" * 64)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_media_url_as_long_as_a_presigned_link_is_kept_whole(world, fmt):
    """A client that uploads the photo to object storage sends a presigned link, often over 1,000
    characters: the request was refused (a 400, a 500 on PostgreSQL before) for a column of 500."""
    response = world["clients"]["api_key"].post(f"/open311/v2/requests.{fmt}",
                                                {**WRITES["open311"][2], "media_url": PRESIGNED})
    assert response.status_code == 200, response.content.decode()[:300]
    assert Open311Request.objects.get().media_url == PRESIGNED


@pytest.mark.parametrize("media_url", ["https://example.com/" + "p" * 2100 + ".jpg",
                                       "https://example.com/" + "照" * 300 + ".jpg"])  # 2,724 characters as a URI
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_media_url_longer_than_is_kept_is_a_400_naming_it(world, media_url, fmt):
    """A link longer than its column (2048, what the URL check takes) once written as a URI (each Chinese
    character 9): a 500 on PostgreSQL, and on SQLite a link kept past its limit."""
    before = stored()
    response = world["clients"]["api_key"].post(f"/open311/v2/requests.{fmt}",
                                                {**WRITES["open311"][2], "media_url": media_url})
    assert_refused(response, before, xml=fmt == "xml")
    assert response.status_code == 400
    if fmt == "json":
        assert named(error_of(response), "media_url") and "2048" in error_of(response)["message"]


PATHS = ["/api/v1/messages/{}/", "/api/v1/me/messages/{}/", "/api/v1/staff/cases/{}/", "/api/v1/staff/cases/{}/suggestion/",
         "/api/v1/regions/{}/", "/open311/v2/requests/{}.json", "/open311/v2/requests/{}.xml",
         "/open311/v2/services/{}.xml", "/open311/v2/tokens/{}.json"]
INT_PATHS = ["/api/v1/hotspots/{}/", "/api/v1/addressees/{}/"]


@pytest.mark.parametrize("url", PATHS + INT_PATHS)
@pytest.mark.parametrize("who", ["anonymous", "citizen", "dispatcher", "read_only", "api_key"])
def test_a_path_parameter_no_one_should_send_is_answered_without_a_server_error(world, who, url):
    values = (["99999999999999999999", "18446744073709551616", "0", "00000000000000000001"] if url in INT_PATHS
              else ["%00", "a%00b", "%ED%A0%80", "%FF", "x" * 3000, "99999999999999999999", "..", "%2F"])
    for value in values:
        response = world["clients"][who].get(url.format(value))
        assert response.status_code < 500, (value, response.content[:300])
        if response.status_code >= 400:
            assert_refused(response, stored(), xml=url.endswith(".xml"))
        for method in ("post", "delete"):  # the staff actions and rate/ of such a case
            response = getattr(world["clients"][who], method)(url.format(value) + ("" if "." in url else "rate/"),
                                                              "{}", content_type="application/json")
            assert response.status_code < 500, (method, value, response.content[:300])


@pytest.mark.parametrize("jurisdiction", [" 620000 ", "620000.0", "６２００００", "620000\n", 620000, 620000.0, "-1",
                                          "99999999999999999999", "６２", ""])
def test_an_odd_jurisdiction_id_is_read_or_refused_never_a_server_error(world, jurisdiction):
    client = world["clients"]["api_key"]
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests.{fmt}", {"jurisdiction_id": jurisdiction})
        assert response.status_code < 500, response.content[:300]
        before = stored()
        response = client.post(f"/open311/v2/requests.{fmt}", json.dumps(
            {**WRITES["open311"][2], "jurisdiction_id": jurisdiction}), content_type="application/json")
        assert response.status_code < 500, response.content[:300]
        if response.status_code >= 400:
            assert_refused(response, before, xml=fmt == "xml")
        # the URL's and the body's differ: the URL's is taken, the body's region must lie in it
        response = client.post(f"/open311/v2/requests.{fmt}?jurisdiction_id=621100", json.dumps(
            {**WRITES["open311"][2], "jurisdiction_id": jurisdiction}), content_type="application/json")
        assert response.status_code == 400, response.content[:300]


def _files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


@pytest.mark.parametrize("photos", [
    [("note.txt", b"not a picture", "text/plain")],
    [("empty.jpg", b"", "image/jpeg")],
    [("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png")],
    [(f"p{i}.jpg", b"\xff\xd8\xff\xe0", "image/jpeg") for i in range(7)],
])
def test_a_refused_post_with_photos_leaves_no_file_behind(world, settings, photos):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path, who, good = WRITES["create"]
    before = stored()
    uploads = [SimpleUploadedFile(name, content, content_type=ctype) for name, content, ctype in photos]
    response = world["clients"][who].post(path(world), {**good, "photos": uploads}, format="multipart")
    assert_refused(response, before)
    assert named(error_of(response), "photos")
    response = world["clients"]["api_key"].post("/open311/v2/requests.xml", {
        **WRITES["open311"][2], "media": [SimpleUploadedFile(n, c, content_type=t) for n, c, t in photos]},
        format="multipart")
    assert_refused(response, before, xml=True)
    assert _files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("body", [
    {"items": [None]}, {"items": [[]]}, {"items": ["x"]}, {"items": [{"case": None, "lead": 1}]},
    {"items": [{"case": "x", "lead": 2**64}]}, {"items": [{"case": "x", "lead": 1, "assists": [2**64]}]},
    {"items": [{"case": "x", "lead": 1, "assists": "1,2"}]}, {"items": [{"case": "x", "lead": 1, "kind": ["help"]}]},
    {"items": [{"case": "x", "lead": 1, "topic": "\x00"}]}, {"cases": [None]}, {"cases": [["x"]]}, {"cases": "x"},
    {"cases": [str(i) for i in range(1000)]}, {"cases": ["x"], "items": [{"case": "x", "lead": 1}]},
])
def test_an_odd_dispatch_batch_dispatches_nothing(world, body):
    before = stored()
    response = world["clients"]["dispatcher"].post("/api/v1/staff/dispatch-batch/", body, format="json")
    assert_refused(response, before)


@pytest.mark.parametrize("body", [
    {"cases": [None], "handler": 1}, {"cases": [["x"]], "handler": 1}, {"cases": "x", "handler": 1},
    {"cases": ["\x00"], "handler": 1}, {"cases": [], "handler": 1}, {"cases": [str(i) for i in range(1000)], "handler": 1},
    {"cases": ["x"]}, {"cases": ["x"], "handler": None}, {"cases": ["x"], "handler": "\x00"},
    {"cases": ["x"], "handler": 2**64}, {"cases": ["x"], "handler": 10**6}, {"cases": ["x"], "handler": [1]},
])
def test_an_odd_assign_batch_assigns_nothing(world, body):
    before = stored()
    response = world["clients"]["head"].post("/api/v1/staff/assign-batch/", body, format="json")
    assert_refused(response, before)
    assert response.status_code == 400


@pytest.mark.parametrize("body", [
    {"lead": None, "assists": [None]}, {"assists": [2**64]}, {"assists": "1"}, {"assists": [{"id": 1}]},
    {"lead": "住建局"}, {"topic": ["urban"]}, {"kind": None, "topic": 5}, {"assists": list(range(1, 12))},
])
def test_an_odd_dispatch_dispatches_nothing(world, body):
    path = f"/api/v1/staff/cases/{world['pending']}/dispatch/"
    before = stored()
    response = world["clients"]["dispatcher"].post(path, body, format="json")
    assert_refused(response, before)


@pytest.mark.parametrize("body, said", [
    ('{"latitude": NaN}', "NaN"), ('{"latitude": Infinity}', "Infinity"), ('{"lat": -Infinity}', "-Infinity"),
    ('{"longitude": 1e400}', "超出范围"), ('{"addressee": ' + "9" * 5000 + "}", "位数"),
])
@pytest.mark.parametrize("name", ["create", "open311"])
def test_a_json_number_python_reads_but_json_has_not_is_said_so(world, name, body, said):
    """NaN, Infinity (what a JavaScript client's JSON.stringify never writes, but Python's json.dumps does)
    and a number of thousands of digits: said, not 「JSON 格式错误」 with no position; a number past a
    double (1e400) is no number either (it was read as infinity)."""
    path, who, _ = WRITES[name]
    before = stored()
    response = send(world["clients"][who], name, path(world), body)
    assert_refused(response, before)
    err = error_of(response)
    assert coded(err, "parse_error", 400) and said in err["message"], err
    if said != "位数" and name != "open311":  # Open311's error names it in its description
        assert list(err["fields"]) == [json.loads(body.replace("NaN", "0").replace("Infinity", "0")).popitem()[0]]


@pytest.mark.parametrize("who, url, body, field", [
    ("head", "/api/v1/staff/assign-batch/", {"cases": "20261201000001", "handler": 1}, "cases"),
    ("dispatcher", "/api/v1/staff/dispatch-batch/", {"cases": "20261201000001"}, "cases"),
    ("dispatcher", "/api/v1/staff/dispatch-batch/", {"items": {"case": "x", "lead": 1}}, "items"),
])
def test_a_list_field_sent_as_one_value_says_to_send_a_list_in_plain_words(world, who, url, body, field):
    """A batch's list sent as one value: the words say to send a JSON array, as the API's other errors do
    (DRF's own said 「期望为一个包含物件的列表，得到的类型是“str”。」)."""
    response = world["clients"][who].post(url, body, format="json")
    assert response.status_code == 400
    said = response.json()["error"]["fields"][field][0]
    assert "JSON 数组" in said and "物件" not in said
    # the value sent named in JSON's words, not Python's (「(str)」, 「(dict)」: review, 2026-12-05)
    assert re.search(r"\((字符串|对象)\)", said) and not re.search(r"str|dict", said), said


@pytest.mark.parametrize("item, named", [(1, "数字"), ("x", "字符串"), ([1], "数组"), (True, "布尔值"), (1.5, "数字")])
def test_an_item_of_dispatch_batch_that_is_no_object_says_so_in_json_words(world, item, named):
    """One of `items` that is no object: DRF's words named Python's type, 「第 1 项: 无效数据。期待为字典类型，
    得到的是 int 。」 (an integrator's walk, 2026-12-05), where the list field's own say JSON's; nothing dispatched."""
    before = stored()
    response = world["clients"]["dispatcher"].post("/api/v1/staff/dispatch-batch/", {"items": [item]}, format="json")
    assert_refused(response, before)
    said = error_of(response)["fields"]["items"]
    assert said == [f"第 1 项: 应为对象 (JSON 对象, 如 {{\"case\": \"…\", \"lead\": 12}}), 不能是{named}"], said


LONG = "z" * 5_000  # a value as long as a request line holds (8 KB): a script's mistake, or a probe


@pytest.mark.parametrize("who, method, url, extra, named", [
    ("anonymous", "get", f"/api/v1/{LONG}/", {}, "该地址不存在"),  # an address no view serves
    ("anonymous", "get", f"/api/{LONG}/messages/", {}, "该地址不存在"),
    ("citizen", "get", f"/api/v1/messages/?format={LONG}", {}, "format"),
    ("citizen", "get", f"/api/v1/messages/?status={LONG}", {}, "status"),  # a choice filter
    ("citizen", "get", f"/api/v1/messages/?kind={LONG}", {}, "kind"),
    ("citizen", "get", f"/api/v1/hotspots/?days={LONG}", {}, "时间范围"),  # a choice whose own words quote it 「…」
    ("citizen", "get", f"/api/v1/statistics/messages/?measure={LONG}", {}, "统计项"),
    ("citizen", "post", "/api/v1/messages/", {"data": "{}", "content_type": f"application/{LONG}"}, "媒体类型"),
    ("anonymous", "get", "/api/v1/messages/", {"HTTP_HOST": LONG}, "主机名"),
])
def test_an_error_repeats_a_long_bad_value_cut(world, who, method, url, extra, named):
    """An error repeated the request's own words whole: a 5,000-character path, ?format=, choice value,
    Content-Type or Host came back as 5,000 characters (or 10,000) of message, and into the client's log.
    It repeats the first 100, then 「…」 (errors.echoed, as the 406 repeats an Accept header), in the
    API's error shape, naming what was wrong."""
    response = getattr(world["clients"][who], method)(url, **extra)
    assert 400 <= response.status_code < 500 and response["Content-Type"].startswith("application/json")
    text = response.content.decode()
    assert len(text) < 400 and named in text and "z…" in text and "z" * 101 not in text, text[:500]
    assert error_of(response)["message"]


@pytest.mark.parametrize("body", ['{"resolution": ' + "9" * 4_000 + "}", '{"resolution": "' + LONG + '"}'])
def test_a_long_value_a_choice_field_refuses_is_repeated_cut(world, body):
    """DRF's 「“…” 不是合法选项。」 repeated a 4,000-digit number (under Python's 4,300-digit limit, so it
    parses) or a 5,000-character string whole; it repeats the first 100 characters, then 「…」."""
    before = stored()
    response = send(world["clients"]["citizen"], "rate", WRITES["rate"][0](world), body)
    assert_refused(response, before)
    said = error_of(response)["fields"]["resolution"][0]
    assert len(response.content.decode()) < 400 and "不是合法选项" in said and said.count("…") == 1, said[:300]



# A record that does not exist (or not for the caller), asked by its id: the 404 says what was looked for, its id
# and why it may not be there (an integrator's walk, 2026-12-07: each read 「未找到」 alone, so a script could not
# tell a mistyped path from a case out of its scope).
MISSING = [
    ("officer", "/api/v1/staff/cases/00000000000000/", "00000000000000", "范围"),
    ("officer", "/api/v1/staff/cases/00000000000000/suggestion/", "00000000000000", "范围"),
    ("citizen", "/api/v1/me/messages/00000000000000/", "00000000000000", "您"),
    ("anonymous", "/api/v1/regions/999999/", "999999", "区划"),
    ("anonymous", "/api/v1/addressees/999999/", "999999", "留言对象"),
    ("anonymous", "/api/v1/hotspots/999999/", "999999", "热点"),
]


@pytest.mark.parametrize(("who", "url", "echo", "word"), MISSING)
def test_a_record_not_found_is_named_in_its_404(world, who, url, echo, word):
    r = world["clients"][who].get(url)
    assert r.status_code == 404, r.content[:300]
    said = error_of(r)["message"]
    assert echo in said and word in said, said


def test_an_action_on_a_message_not_found_names_it(world):
    r = world["clients"]["citizen"].post("/api/v1/messages/00000000000000/support/", {}, format="json")
    assert r.status_code == 404, r.content[:300]
    assert "00000000000000" in error_of(r)["message"], error_of(r)

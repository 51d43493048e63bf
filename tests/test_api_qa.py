# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""The REST API and Open311 as an integrator meets them: what a city app or a data desk
sends by habit (form fields sent once, JSON nulls, GPS coordinates, empty filters,
a cursor kept from yesterday, Bearer, a missing trailing slash) gets a working answer
or a 400 that names the field, never a 500 or a puzzle."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken
from minsheng.board import actions
from minsheng.board.models import Assignment, Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    coded,
    error_of,
    named,
    submit,
    token_client,
)

pytestmark = pytest.mark.django_db

BODY = "我们小区建于1995年, 六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。"
DESCRIPTION = "七里河区某小区六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。"


def post_form(client, url, data):
    """As ``curl -d`` does: application/x-www-form-urlencoded."""
    return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def public_messages(personas, directory):
    made = []
    for i in range(3):
        m = submit(personas["citizen"], directory, title=f"公开留言{i}号")
        actions.do_accept(personas["dispatcher"], m)
        made.append(m)
    return made


# --- pagination -------------------------------------------------------------------

def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize("cursor", [
    "garbage",                 # not base64 at all
    _cursor("o=abc"),          # an offset that is no number
    _cursor("p=xyz"),          # a position that is no date-time (was a 500)
    _cursor("p=2026-13-45"),   # a date-time that does not exist (was a 500)
])
@pytest.mark.parametrize("url", ["/api/v1/messages/", "/api/v1/me/messages/"])
def test_a_cursor_we_did_not_issue_is_a_400_naming_cursor(public_messages, personas, url, cursor):
    response = token_client(personas["citizen"]).get(url, {"cursor": cursor})
    assert response.status_code == 400, response.content
    err = error_of(response)
    assert err["code"] == "invalid" and "cursor" in err["fields"]
    assert "next" in err["fields"]["cursor"][0]  # says where a good one comes from


def test_the_cursors_we_issue_still_work_both_ways(client, public_messages):
    first = client.get("/api/v1/messages/", {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    assert [m["public_id"] for m in first["results"] + second["results"]] == [
        m.public_id for m in reversed(public_messages)]
    back = client.get(second["previous"]).json()
    assert back["results"] == first["results"]


def test_empty_filters_are_the_same_as_no_filter(client, public_messages):
    """``?region=&status=`` is what an HTML form or a URL template sends for "any"."""
    response = client.get("/api/v1/messages/?region=&topic=&kind=&status=&date_from=&date_to=&q=&page_size=")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 3
    assert client.get("/api/v1/units/?region=").status_code == 200
    assert client.get("/api/v1/statistics/?region=&date_from=").status_code == 200


# --- request bodies ---------------------------------------------------------------

def test_null_for_an_optional_field_is_the_same_as_leaving_it_out(personas, directory):
    """A typed client serialises unset optional fields as null."""
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {
        "title": "小区六层住宅希望加装电梯", "body": BODY, "kind": "help", "region": "620103",
        "topic": None, "address": None, "addressee": None, "latitude": None, "longitude": None,
        "show_name": None}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["topic"] is None and response.json()["address"] == ""


def test_null_for_a_required_field_is_still_a_400(personas, directory):
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {
        "title": "小区六层住宅希望加装电梯", "body": None, "kind": "help", "region": "620103"}, format="json")
    assert response.status_code == 400 and named(error_of(response), "body")


def test_gps_coordinates_with_many_decimals_are_rounded_not_refused(personas, directory):
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {
        "title": "小区六层住宅希望加装电梯", "body": BODY, "kind": "help", "region": "620103",
        "latitude": 36.06112345678901, "longitude": 103.83434567890123}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["latitude"], response.json()["longitude"]) == (36.061123, 103.834346)
    message = Message.objects.get(public_id=response.json()["public_id"])
    assert message.latitude == Decimal("36.061123")


@pytest.mark.parametrize("latitude", [91, "1e400", "abc"])
def test_a_latitude_that_is_no_place_is_still_a_400(personas, directory, latitude):
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {
        "title": "小区六层住宅希望加装电梯", "body": BODY, "kind": "help", "region": "620103",
        "latitude": latitude, "longitude": 103.8}, format="json")
    assert response.status_code == 400 and named(error_of(response), "latitude")


def test_dispatch_form_encoded_with_one_assisting_unit(personas, directory):
    """``-d lead=1 -d assists=2``: a list field sent once is a list of one."""
    p, d = personas, directory
    m = advance(submit(p["citizen"], d), p, d, "accepted")
    response = post_form(token_client(p["dispatcher"]), f"/api/v1/staff/cases/{m.public_id}/dispatch/",
                         {"lead": d["housing"].pk, "assists": d["transport"].pk})
    assert response.status_code == 200, response.content
    roles = {(a["unit"]["id"], a["role"]) for a in response.json()["assignments"]}
    assert roles == {(d["housing"].pk, Assignment.Role.LEAD), (d["transport"].pk, Assignment.Role.ASSIST)}


def test_dispatch_form_encoded_with_two_assisting_units(personas, directory):
    p, d = personas, directory
    m = advance(submit(p["citizen"], d), p, d, "accepted")
    response = post_form(token_client(p["dispatcher"]), f"/api/v1/staff/cases/{m.public_id}/dispatch/",
                         {"lead": d["housing"].pk, "assists": [d["transport"].pk, d["ecology"].pk]})
    assert response.status_code == 200, response.content
    assert len(response.json()["assignments"]) == 3


def test_extension_decision_without_approve_is_still_required(personas, directory):
    """Lists are read as lists; a missing yes/no is not read as "no"."""
    p, d = personas, directory
    m = advance(submit(p["citizen"], d), p, d, "signed")
    actions.do_request_extension(p["officer"], m, d["housing"], 5, "需要现场勘察")
    response = post_form(token_client(p["supervisor"]), f"/api/v1/staff/cases/{m.public_id}/extension-decision/",
                         {"note": "同意"})
    assert response.status_code == 400 and named(error_of(response), "approve")


# --- addresses and credentials ----------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/messages", "/api/v1/statistics/breakdown"])
def test_a_missing_trailing_slash_says_where_the_endpoint_is(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert f"{path}/" in error_of(response)["message"]


@pytest.mark.parametrize("path", ["/api/v1/messages", "/api/v1/messages/20260501000123/rate", "/api/v1/nothing/"])
def test_a_token_post_to_a_wrong_path_is_a_404_not_a_csrf_error(personas, path):
    """CSRF concerns a browser's session; a program with a token that missed the trailing
    slash is told where the endpoint is, not to send an X-CSRFToken header."""
    client = APIClient(enforce_csrf_checks=True)
    _, key = ApiToken.issue(personas["citizen"], "qa")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(path, {"title": "小区电梯"}, format="json")
    assert response.status_code == 404, response.content
    assert path in error_of(response)["message"]


def test_an_open311_post_without_the_slash_is_a_404_not_a_csrf_failure(personas):
    """A program posting with its token to /open311/v2/requests was told 「CSRF 校验失败 … 或改用 API 令牌」."""
    client = APIClient(enforce_csrf_checks=True)
    _, key = ApiToken.issue(personas["citizen"], "qa")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/open311/v2/requests", {"title": "小区电梯坏了"}, format="json")
    assert response.status_code == 404, response.content



@pytest.mark.parametrize("path, meant", [("/open311/v2/services", "/open311/v2/services.json"),
                                         ("/open311/v2/requests/", "/open311/v2/requests.json"),
                                         ("/open311/v2/discovery", "/open311/v2/discovery.json"),
                                         ("/open311/v2/services/urban", "/open311/v2/services/urban.json"),
                                         ("/open311/v2/requests/20260501000123", "/open311/v2/requests/20260501000123.json")])
def test_an_open311_path_without_its_format_says_where_the_resource_is(client, db, path, meant):
    """GeoReport v2 addresses end with their format; without it the 404 said only 「该地址不存在」, where a REST
    path without its `/` names the address meant (an integrator's walk, 2026-12-05)."""
    response = client.get(path)
    assert response.status_code == 404
    message = error_of(response)["message"]
    assert meant in message and meant.replace(".json", ".xml") in message, message
    assert "结尾" not in error_of(client.get("/open311/v2/nothing"))["message"]

def test_an_unknown_path_gets_no_slash_hint(client, db):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and "/ 结尾" not in error_of(response)["message"]


def test_a_bearer_token_is_told_the_scheme_is_token(personas):
    client = APIClient()
    _, key = ApiToken.issue(personas["citizen"], "qa")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.get("/api/v1/me/messages/")
    assert response.status_code == 401
    assert "Token <令牌>" in error_of(response)["message"]
    assert client.get("/api/v1/topics/").status_code == 200  # a public read does not mind the header


def test_a_token_sent_without_its_scheme_is_told_to_put_token_before_it(personas):
    """``Authorization: ms_…`` (the key alone, as some HTTP tools' "API key" field sends it) was answered
    「请先登录或提供 API 令牌」, as if no key had been sent; Bearer was told the scheme (an API walk, 2026-12-06)."""
    client = APIClient()
    _, key = ApiToken.issue(personas["citizen"], "qa")
    client.credentials(HTTP_AUTHORIZATION=key)
    response = client.get("/api/v1/me/messages/")
    assert response.status_code == 401
    assert "Token <令牌>" in error_of(response)["message"] and "缺少 Token" in error_of(response)["message"]
    assert client.get("/api/v1/topics/").status_code == 200  # a public read does not mind the header
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/messages/").status_code == 200
    # a word that is no key (a scheme sent alone, a stray value) is not told to put Token before it (review2)
    for stray in ("Bearer", "Basic", "éé", "null"):
        client.credentials(HTTP_AUTHORIZATION=stray)
        response = client.get("/api/v1/me/messages/")
        assert response.status_code == 401 and "缺少 Token" not in error_of(response)["message"], stray


# --- Open311 ----------------------------------------------------------------------

def open311_form(key, **extra):
    body = {"api_key": key, "service_code": "urban", "description": DESCRIPTION, "lat": "36.0611",
            "long": "103.8343", "attribute[region]": "620103"}
    body.update(extra)
    return body


def test_open311_gps_coordinates_with_many_decimals_are_rounded(client, directory, api_key):
    response = post_form(client, "/open311/v2/requests.json",
                         open311_form(api_key[1], lat="36.06112345678901", long="103.83434567890123"))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert (message.latitude, message.longitude) == (Decimal("36.061123"), Decimal("103.834346"))


@pytest.mark.parametrize("lat", ["abc", "1e400", "NaN", "91"])
def test_open311_a_lat_that_is_no_place_is_still_a_400(client, directory, api_key, lat):
    response = post_form(client, "/open311/v2/requests.json", open311_form(api_key[1], lat=lat))
    assert response.status_code == 400 and named(error_of(response), "lat")


def test_open311_a_short_description_is_not_reported_as_a_title_error(client, directory, api_key):
    """The client sent no attribute[title]: the title comes from the description."""
    response = post_form(client, "/open311/v2/requests.json", open311_form(api_key[1], description="路灯坏了"))
    assert response.status_code == 400
    err = error_of(response)
    assert err["message"].startswith("description:") and "attribute[title]" not in err["message"]


def test_open311_a_title_that_was_sent_is_still_checked(client, directory, api_key):
    response = post_form(client, "/open311/v2/requests.json", open311_form(api_key[1], **{"attribute[title]": "灯"}))
    assert response.status_code == 400 and named(error_of(response), "attribute[title]")


def test_open311_a_post_without_key_says_where_the_key_goes(client, directory):
    response = client.post("/open311/v2/requests.json", {"service_code": "urban", "description": DESCRIPTION},
                           format="json")
    assert response.status_code == 403
    assert "X-API-Key" in error_of(response)["message"]


@pytest.mark.parametrize("query, field", [("unit=99999", "unit"), ("region=999999", "region"),
                                          ("topic=nope", "topic"), ("campaign=nope", "campaign")])
def test_an_unknown_statistics_filter_is_named_in_fields(client, directory, query, field):
    error = error_of(client.get(f"/api/v1/statistics/?{query}"))
    assert list(error["fields"]) == [field] and error["fields"][field] == [error["message"]]


@pytest.mark.parametrize("body", ["[1]", '"urban"', "42"])
def test_open311_a_json_body_that_is_no_object_is_a_400(client, directory, api_key, body):
    response = client.post("/open311/v2/requests.json", body, content_type="application/json",
                           HTTP_X_API_KEY=api_key[1])
    assert response.status_code == 400
    assert "JSON 对象" in error_of(response)["message"]


def test_open311_a_json_post_with_a_numeric_jurisdiction_id(client, directory, api_key):
    body = {"service_code": "urban", "description": DESCRIPTION, "address_string": "兰州市七里河区",
            "jurisdiction_id": 620103}
    response = client.post("/open311/v2/requests.json", json.dumps(body), content_type="application/json",
                           HTTP_X_API_KEY=api_key[1])
    assert response.status_code == 200, response.content
    assert Message.objects.get(public_id=response.json()[0]["service_request_id"]).region.code == "620103"


@pytest.mark.parametrize("extra, status", [({"email": 5}, 400), ({"first_name": 7, "last_name": 8}, 200),
                                           ({"phone": 13900000001}, 200)])
def test_open311_a_json_post_with_numbers_for_contact_fields(client, directory, api_key, extra, status):
    body = {"service_code": "urban", "description": DESCRIPTION, "address_string": "兰州市七里河区",
            "attribute[region]": "620103", **extra}
    response = client.post("/open311/v2/requests.json", json.dumps(body), content_type="application/json",
                           HTTP_X_API_KEY=api_key[1])
    assert response.status_code == status, response.content
    if status == 400:
        assert error_of(response)["message"].startswith("email ")


@pytest.mark.parametrize("depth", [5000, 800])  # deeper than the decoder goes; read, but deeper than Open311's NUL check
@pytest.mark.parametrize("who, path", [("citizen", "/api/v1/messages/"), ("dispatcher", "/api/v1/staff/cases/{}/reject/"),
                                       ("api_key", "/open311/v2/requests.json")])
def test_a_json_body_nested_too_deeply_is_a_400(as_persona, personas, directory, who, path, depth):
    """It was a RecursionError in the decoder, answered 500 server_error."""
    message = submit(personas["citizen"], directory)
    nested = '{"title": ' * depth + "1" + "}" * depth
    response = as_persona(who).post(path.format(message.public_id), nested, content_type="application/json")
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert coded(error, "parse_error", 400) and "嵌套" in error["message"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize("who, path", [("citizen", "/api/v1/messages/"), ("dispatcher", "/api/v1/staff/cases/{}/reject/"),
                                       ("api_key", "/open311/v2/requests.json"), ("api_key", "/open311/v2/requests.xml")])
def test_a_multipart_body_without_a_boundary_is_said_in_chinese(as_persona, personas, directory, who, path):
    """A client that sets ``Content-Type: multipart/form-data`` by hand (without the boundary its
    library would add) read DRF's English 「Multipart form parse error - Invalid boundary in
    multipart: None」 after 「请求内容无法解析: 」."""
    message = submit(personas["citizen"], directory)
    response = as_persona(who).post(path.format(message.public_id), b"title=x", content_type="multipart/form-data")
    assert response.status_code == 400, response.content
    if path.endswith(".xml"):
        said = response.content.decode()
    else:
        error = error_of(response)
        assert coded(error, "parse_error", 400)
        said = error["message"]
    assert "multipart/form-data 格式错误: Content-Type 请求头缺少有效的 boundary 参数" in said
    assert "parse error" not in said and "Invalid" not in said
    assert Message.objects.count() == 1



@pytest.fixture
def signed(personas, directory):
    return advance(submit(personas["citizen"], directory), personas, directory, "signed")


# --- the status code says what is wrong, whoever asks -----------------------------

@pytest.mark.parametrize("path", ["/api/v1/messages/{id}/rate/", "/api/v1/messages/{id}/support/",
                                  "/api/v1/staff/cases/{id}/accept/"])
def test_a_get_where_only_post_is_served_is_a_405_also_without_credentials(as_persona, signed, path):
    """Checked after the credentials, an anonymous GET was a 401 「请先登录」: signing in
    would not have made it work."""
    response = as_persona("anonymous").get(path.format(id=signed.public_id))
    assert response.status_code == 405, response.content
    assert error_of(response)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


@pytest.mark.parametrize("action,body", [("reply", {}), ("transfer", {"to_unit": "abc"}), ("dispatch", {"lead": "x"}),
                                         ("extension", {"days": 99})])
def test_an_action_on_a_case_out_of_scope_is_a_404_whatever_the_body(as_persona, signed, action, body):
    """Another unit's case does not exist for its officer (docs/api.md): a bad body on it was
    a 400 about the body, which says the case is there; so for a case that does not exist."""
    other = as_persona("other_officer")
    for public_id in (signed.public_id, "99999999999999"):
        response = other.post(f"/api/v1/staff/cases/{public_id}/{action}/", body, format="json")
        assert response.status_code == 404, (public_id, response.content)
        assert error_of(response)["code"] == "not_found"
    # in scope, the same body is still answered for what it is
    officer = as_persona("officer").post(f"/api/v1/staff/cases/{signed.public_id}/{action}/", body, format="json")
    assert officer.status_code in (400, 403), officer.content


@pytest.mark.parametrize("action,body", [("rate", {}), ("rate", {"rating": 9}), ("reopen", {})])
def test_a_citizen_action_on_a_message_not_theirs_to_see_is_a_404_whatever_the_body(as_persona, personas,
                                                                                     directory, action, body):
    """As for staff: another citizen's message still in moderation (or none at all) does not exist
    for them; a bad body there was a 400 naming the missing fields, for a message that is not there."""
    hidden = submit(personas["citizen"], directory)  # submitted: not public yet
    other = as_persona("other_citizen")
    for public_id in (hidden.public_id, "99999999999999"):
        response = other.post(f"/api/v1/messages/{public_id}/{action}/", body, format="json")
        assert response.status_code == 404, (public_id, response.content)
        assert error_of(response)["code"] == "not_found"
    # the author's own message: its status first, a message not yet answered takes no rating nor reopening whatever
    # the body (since 2026-12-07, the 400 before)
    own = as_persona("citizen").post(f"/api/v1/messages/{hidden.public_id}/{action}/", body, format="json")
    assert own.status_code == 409, own.content


# --- Open311 as the official swagger.json describes the calls -----------------------

@pytest.fixture
def open_and_closed(personas, directory):
    return {"open": advance(submit(personas["citizen"], directory), personas, directory, "signed"),
            "closed": advance(submit(personas["citizen"], directory, title="小区门口路灯坏了"), personas, directory,
                              "replied")}


def test_open311_a_list_parameter_declared_several_times_reads_every_value(client, open_and_closed):
    """「can be declared multiple times, comma delimited」 (swagger.json, status; service_request_id
    alike): ``status=open&status=closed`` listed the closed requests only, two ids the last one."""
    both = {m.public_id for m in open_and_closed.values()}

    def ids(query):
        response = client.get("/open311/v2/requests.json?" + query)
        assert response.status_code == 200, response.content
        return {r["service_request_id"] for r in response.json()}

    assert ids("status=open&status=closed") == both == ids("status=open,closed")
    assert ids("status=open") == {open_and_closed["open"].public_id}
    assert ids("&".join(f"service_request_id={i}" for i in sorted(both))) == both
    # the fixture's topic is urban; a code that is no topic's is a 400 since 2026-12-06 (test_api_error_hints.py)
    assert ids("service_code=urban&service_code=environment") == both
    refused = client.get("/open311/v2/requests.json?status=open&status=pending")
    assert refused.status_code == 400 and named(error_of(refused), "status")


def test_open311_post_with_the_parameters_in_the_query_string_as_the_swagger_declares(client, directory, api_key):
    """swagger.json puts every parameter of POST requests ``in: query``: a generated client sent
    them there and was told 「缺少 service_code」."""
    params = {"api_key": api_key[1], "service_code": "urban", "description": DESCRIPTION, "lat": "36.0611",
              "long": "103.8343", "attribute[region]": "620103", "attribute[kind]": "complain"}
    response = client.post("/open311/v2/requests.json?" + urlencode(params))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert (message.kind, message.region.code, message.body) == ("complain", "620103", DESCRIPTION)
    # a parameter in both places: the body's
    body = client.post("/open311/v2/requests.json?" + urlencode({**params, "attribute[kind]": "help"}),
                       {"attribute[kind]": "suggest"})
    assert body.status_code == 200, body.content
    assert Message.objects.get(public_id=body.json()[0]["service_request_id"]).kind == "suggest"
    # and a bad one is reported as from the body
    bad = client.post("/open311/v2/requests.json?" + urlencode({**params, "lat": "abc"}))
    assert bad.status_code == 400 and named(error_of(bad), "lat")


@pytest.mark.parametrize("field,value", [("description", [DESCRIPTION]), ("address_string", ["七里河区某小区"]),
                                         ("first_name", {"x": 1}), ("jurisdiction_id", ["620000"]),
                                         ("attribute", {"region": "620103"})])
def test_open311_a_json_list_or_object_for_a_parameter_is_a_400_naming_it(client, directory, api_key, field, value):
    """A JSON body's list or object was read as its Python text: a description of ``["…"]``
    became the message 「['…']」, a list for jurisdiction_id a 404 「区划代码不存在: ['620000']」."""
    body = {**open311_form(api_key[1], email="wang@example.com"), field: value}
    if field == "address_string":
        body.pop("lat"), body.pop("long")
    response = client.post("/open311/v2/requests.json", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert error_of(response)["message"].startswith(f"{field} ")  # named, Open311's errors having no fields
    assert not Message.objects.exists()
    xml = client.post("/open311/v2/requests.xml", body, content_type="application/json")
    assert xml.status_code == 400 and b"<description>" in xml.content


def test_open311_a_json_post_with_its_api_key_in_the_body(client, directory, api_key):
    """As a form field: a JSON post carrying its key was a 403 「需要 API key」."""
    response = client.post("/open311/v2/requests.json", open311_form(api_key[1]), content_type="application/json")
    assert response.status_code == 200, response.content
    assert Message.objects.get(public_id=response.json()[0]["service_request_id"]).open311.api_key == api_key[0]
    wrong = client.post("/open311/v2/requests.json", open311_form("o311_wrong"), content_type="application/json")
    assert wrong.status_code == 403 and error_of(wrong)["message"] == "api_key 无效或已停用"
    broken = client.post("/open311/v2/requests.json", '{"api_key": ', content_type="application/json")
    assert broken.status_code == 400 and "请求内容无法解析" in error_of(broken)["message"]
    # the REST API reads no key from a body: an unknown body field, ignored
    rest = client.post("/api/v1/messages/", {"api_key": api_key[1]}, content_type="application/json")
    assert rest.status_code == 401


@pytest.mark.parametrize("path", ["/open311/v2/nothing.xml", "/open311/v2/services/urban/extra.xml",
                                  "/open311/v2/requests/1/2.xml"])
def test_open311_an_unknown_xml_path_is_answered_in_the_specs_xml_errors(client, db, path):
    """It was the JSON error: a client reading ``.xml`` got JSON where the spec's <errors> go."""
    response = client.get(path)
    assert response.status_code == 404 and response["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>404</code><description>" in response.content
    # and .json the spec's JSON array (the REST API's {"error": …} until 2026-12-05)
    assert client.get(path.replace(".xml", ".json")).json()[0]["code"] == 404


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/addressees/", "/api/v1/hotspots/"])
def test_a_page_past_the_last_is_a_404_saying_which_page(client, directory, path):
    """It said 「无效页面。」: neither which page nor that the list had ended."""
    response = client.get(path, {"page": 9999})
    assert response.status_code == 404
    assert error_of(response)["message"].startswith("第 9999 页不存在: 已超出最后一页")


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/open311/v2/services.json", "/open311/v2/services.xml", "/"])
def test_a_host_the_server_does_not_serve_is_a_400_in_the_apis_shape(client, path):
    """An integrator calling the server by an address not in ALLOWED_HOSTS (its IP, an internal name)
    read the site's HTML page 「请求有误」, with nothing saying why; the pages keep that page."""
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    said = "本站不接受主机名 evil.example: 请用本站的地址访问 (服务器的 ALLOWED_HOSTS 设置)"
    if path == "/":
        assert response["Content-Type"].startswith("text/html") and "请求有误" in response.content.decode()
    elif path.endswith(".xml"):
        assert response.content.decode().endswith(f"<errors><error><code>400</code><description>{said}</description>"
                                                  "</error></errors>")
    else:
        error = error_of(response)
        assert coded(error, "invalid", 400) and error["message"] == said


@pytest.mark.parametrize("who, path", [("citizen", "/api/v1/messages/"), ("api_key", "/open311/v2/requests.json"),
                                       ("api_key", "/open311/v2/requests.xml")])
def test_a_body_without_a_content_type_is_told_to_send_one(as_persona, personas, directory, who, path):
    """``requests.post(url, data=json.dumps(body))`` sends no Content-Type: the 415 said 「不支持请求中的媒体类型
    “”。」, quoting an empty type; it says the header is missing and which to send."""
    body = json.dumps({"title": "小区加装电梯的请求", "body": BODY, "kind": "help", "region": "620103"})
    response = as_persona(who).generic("POST", path, body.encode(), content_type="")
    assert response.status_code == 415, response.content
    said = ("请求缺少 Content-Type 请求头: JSON 请求体请加 Content-Type: application/json"
            " (也接受 application/x-www-form-urlencoded 和 multipart/form-data)")
    if path.endswith(".xml"):
        assert f"<description>{said}</description>" in response.content.decode()
    else:
        error = error_of(response)
        assert coded(error, "unsupported_media_type", 415) and error["message"] == said
    other = as_persona(who).generic("POST", path, body.encode(), content_type="text/plain")
    assert other.status_code == 415 and "text/plain" in other.content.decode()
    assert not Message.objects.exists()

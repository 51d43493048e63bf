"""What an integrator reads when a value, a method, a body type or an ``Accept`` is wrong: the error
says what would be right (an integrator's walk of 2026-12-06, with only the docs). DRF's own words named
the wrong thing only — 「“open” 不是合法选项。」, 「方法 “PATCH” 不被允许。」, 「不支持请求中的媒体类型 “text/plain”。」,
「无法满足Accept HTTP头的请求。」 — and the integrator had to go to the OpenAPI document to learn the rest."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken, Open311Key
from minsheng.board.models import Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    coded,
    error_of,
    submit,
    token_client,
)

pytestmark = pytest.mark.django_db


BODY = "我们小区建于1995年, 六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。"


@pytest.mark.parametrize("path, field, value, listed", [
    # an Open311 habit: status=open on the REST list, which takes the REST statuses
    ("/api/v1/messages/", "status", "open", ["accepted", "dispatched", "signed", "replied", "evaluated", "closed",
                                            "merged"]),
    ("/api/v1/messages/", "kind", "question", ["suggest", "complain", "help", "consult", "thanks"]),
    ("/api/v1/statistics/breakdown/", "by", "city", ["region", "topic", "unit"]),
])
def test_a_value_not_among_a_query_parameters_choices_lists_them(client, directory, path, field, value, listed):
    response = client.get(path, {field: value})
    assert response.status_code == 400
    error = error_of(response)
    said = error["fields"][field][0]
    assert said.startswith(f"“{value}” 不是合法选项 (可选: ") and said.endswith(")"), said
    assert set(listed) <= set(said.split("可选: ")[1].rstrip(")").split(", ")), said


def test_a_rating_not_among_the_choices_lists_them(personas, directory):
    message = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    response = token_client(personas["citizen"]).post(f"/api/v1/messages/{message.public_id}/rate/",
                                          {"resolution": "good", "attitude": "satisfied", "speed": "basic"},
                                          format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"]["resolution"] == ["“good” 不是合法选项 (可选: satisfied, basic, unsatisfied)"]


@pytest.mark.parametrize("method, path, allowed", [
    ("patch", "/api/v1/messages/{id}/", "GET"),
    ("put", "/api/v1/messages/{id}/support/", "POST"),  # DELETE takes a support back (since 2026-12-06)
    ("get", "/api/v1/messages/{id}/withdraw/", "POST"),
])
def test_a_method_the_endpoint_does_not_take_says_which_it_takes(personas, directory, method, path, allowed):
    message = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    response = getattr(token_client(personas["citizen"]), method)(path.format(id=message.public_id))
    assert response.status_code == 405
    error = error_of(response)
    assert coded(error, "method_not_allowed", 405)
    assert error["message"].startswith(f"方法 “{method.upper()}” 不被允许") and "该地址可用的方法: " in error["message"]
    listed = error["message"].split("该地址可用的方法: ")[1]
    assert allowed in listed and method.upper() not in listed.replace("OPTIONS", ""), error["message"]


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/open311/v2/requests.json"])
def test_a_body_of_a_type_not_taken_says_which_types_are(personas, directory, path):
    """A JSON body sent as text/plain (a hand-set header, or no header through a server that fills in
    text/plain, as Django's runserver does): the 415 names the type and what to send instead."""
    body = json.dumps({"title": "小区加装电梯的请求", "body": BODY, "kind": "help", "region": "620103"})
    if path.startswith("/open311/"):
        client = APIClient()
        client.credentials(HTTP_X_API_KEY=Open311Key.issue("测试系统")[1])
    else:
        client = token_client(personas["citizen"])
    response = client.generic("POST", path, body.encode(), content_type="text/plain")
    assert response.status_code == 415
    said = error_of(response)["message"]
    assert "text/plain" in said and "Content-Type: application/json" in said, said
    assert "application/x-www-form-urlencoded" in said and "multipart/form-data" in said, said
    assert not Message.objects.exists()


def test_an_accept_that_excludes_json_says_the_api_answers_json(client, directory):
    response = client.get("/api/v1/topics/", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    error = error_of(response)
    assert coded(error, "not_acceptable", 406)
    assert "application/xml" in error["message"] and "application/json" in error["message"], error["message"]


def test_a_long_accept_header_is_cut_in_the_406(client, directory):
    """The 406 repeated the ``Accept`` header whole: a 10 kB one came back as 10 kB of message (and into any
    log of the body). The first 100 characters are echoed, then 「…」."""
    accept = "application/xml;q=0.9, " + "x" * 10_000
    response = client.get("/api/v1/topics/", HTTP_ACCEPT=accept)
    assert response.status_code == 406
    said = error_of(response)["message"]
    assert f"Accept: {accept[:100]}… 的要求返回" in said, said
    assert len(said) < 200 and "application/json" in said, said


def test_a_throttled_caller_reads_how_long_to_wait_in_the_body_too(client, directory, settings):
    """The wait was in the ``Retry-After`` header only: a client that logs the body read 「请稍后再试」."""
    settings.MINSHENG_API_RATES = {"ip": "2/min", "key": "100/min"}
    codes = [client.get("/api/v1/topics/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    throttled = client.get("/api/v1/topics/")
    error = error_of(throttled)
    assert coded(error, "throttled", 429)
    wait = int(throttled["Retry-After"])
    assert error["message"] == f"请求过于频繁, 请 {wait} 秒后再试 (见响应头 Retry-After)", error["message"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_open311_read_for_a_service_code_that_does_not_exist_says_so(client, personas, directory, fmt):
    """A mistyped ``service_code`` (``water``) answered ``[]``, as if there were no such requests:
    a 400 naming it, as the REST API's ``topic=`` and Open311's own service definition refuse it. A
    known code (in any case since 2026-12-07: ``Urban`` is ``urban``), ``unclassified`` and a switched-off
    topic (its old requests keep it) still read."""
    advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    listed = client.get(f"/open311/v2/requests.{fmt}", {"service_code": "urban,Urban,water"})
    assert listed.status_code == 400
    said = "service_code: 没有代码为 water 的服务类型 (可用的服务类型见 /open311/v2/services.json)"
    if fmt == "json":
        assert listed.json() == [{"code": 400, "description": said}]
    else:
        assert f"<description>{said}</description>" in listed.content.decode()
    assert len(client.get("/open311/v2/requests.json", {"service_code": "urban"}).json()) == 1
    assert client.get("/open311/v2/requests.json", {"service_code": "unclassified,environment"}).json() == []
    directory["topic_build"].is_active = False
    directory["topic_build"].save(update_fields=["is_active"])
    assert len(client.get("/open311/v2/requests.json", {"service_code": "urban"}).json()) == 1


GOOD = {"title": "小区加装电梯的请求", "body": BODY, "kind": "help", "region": "620103"}


@pytest.mark.parametrize("place", [{"lat": 36.06, "long": 103.83}, {"lat": 36.06, "lng": 103.83},
                                   {"lat": "36.06", "lon": "103.83"}])
def test_coordinates_under_open311_or_map_names_are_refused_not_dropped(personas, directory, place):
    """Unknown fields were ignored (docs/api.md, until 2026-12-06), and an app written for Open311 (``lat``,
    ``long``) or a map library (``lng``, ``lon``) posted its place as such: the message was stored without it,
    201, and nothing said so. A 400 names each and says what the fields are; nothing is stored. Beside
    ``latitude`` and ``longitude`` they are refused too since every unknown field is
    (tests/test_api_unknown_fields.py); they were dropped."""
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, **place}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert set(error["fields"]) == set(place)
    assert error["fields"]["lat"] == ["未知字段 lat: 经纬度请用 latitude 和 longitude (WGS84)"]
    assert not Message.objects.exists()
    named_so = {**GOOD, "latitude": 36.06, "longitude": 103.83}
    posted = token_client(personas["citizen"]).post("/api/v1/messages/", named_so, format="json")
    assert posted.status_code == 201 and posted.json()["latitude"] == 36.06


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_coordinates_under_open311_names_sent_empty_are_no_place_and_no_error(personas, directory, fmt):
    """Review of 2026-12-06: the refusal of ``lat``/``long`` read a field sent empty — a form or a URL template
    that always sends both, empty when the phone has no fix, as a JSON null is read — as a place sent under the
    wrong name: a message posted so was a 400 where it had been stored (201). Empty, nothing was dropped."""
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, "lat": "", "long": ""},
                                                      format=fmt)
    assert response.status_code == 201, response.content.decode()
    assert response.json()["latitude"] is None


def test_photos_in_a_json_body_are_told_to_go_as_multipart(personas, directory):
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, "photos": ["aGVsbG8="]},
                                                      format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"]["photos"] == [
        "第 1 项: 不是文件: 照片请以 multipart/form-data 上传, 每张一个 photos 文件 (JSON 请求体不能带照片)"]
    assert not Message.objects.exists()


def test_seven_photos_are_told_the_limit_in_words(personas, directory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    photos = [SimpleUploadedFile(f"p{i}.png", b"x", content_type="image/png") for i in range(7)]
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, "photos": photos},
                                                      format="multipart")
    assert response.status_code == 400
    assert error_of(response)["fields"]["photos"] == ["最多上传 6 张照片 (现在 7 张)"]


def test_reading_a_message_not_yet_public_says_where_its_author_reads_it(client, personas, directory):
    """An app reading back what it just posted on the public address read 「未找到」, as if the post had been
    lost; the 404 says which messages are not public and where the author reads theirs — the same words
    for a message that does not exist, so nothing tells a stranger whether it does."""
    message = submit(personas["citizen"], directory)
    said = "留言不存在或尚未公开 (待审核、未受理、已撤回的留言不公开; 留言人本人请读 /api/v1/me/messages/<编号>/)"
    for public_id in (message.public_id, "20990101000001"):
        response = client.get(f"/api/v1/messages/{public_id}/")
        assert response.status_code == 404
        error = error_of(response)
        assert coded(error, "not_found", 404) and error["message"] == said
    assert token_client(personas["citizen"]).get(f"/api/v1/me/messages/{message.public_id}/").status_code == 200


def test_a_revoked_token_is_told_where_to_make_a_new_one(personas, directory):
    """The REST API said 「令牌无效或已撤销」 only, where Open311 told the same token where a new one is made:
    a script's token revoked by a password change left its author guessing."""
    client = APIClient()
    token, key = ApiToken.issue(personas["citizen"], "walk")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/messages/").status_code == 200
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    for path in ("/api/v1/me/messages/", "/api/v1/topics/"):
        response = client.get(path)
        assert response.status_code == 401
        assert error_of(response)["message"] == (
            "令牌无效或已撤销: 请登录网站, 在 /api/tokens/ 生成新令牌 (修改密码、更换手机号或邮箱、账号停用都会撤销已有的令牌)")


def test_the_openapi_document_offers_the_open311_key_only_where_it_is_taken(client, db):
    """An Open311 key opens public reads only (docs/api.md, *Authentication*), but the OpenAPI document listed
    ``apiKeyAuth`` on every operation: Swagger UI's 授权 with X-API-Key then 试一试 ``POST /messages/`` read a 403,
    and a generated client could pick the key for a citizen's or a staff member's call."""
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    def schemes(path, method):
        return {name for requirement in paths[path][method].get("security", []) for name in requirement}

    for path, method in [("/api/v1/messages/", "post"), ("/api/v1/me/messages/", "get"),
                         ("/api/v1/messages/{public_id}/withdraw/", "post"), ("/api/v1/staff/inbox/", "get"),
                         ("/api/v1/staff/cases/{public_id}/reply/", "post")]:
        assert "apiKeyAuth" not in schemes(path, method) and "tokenAuth" in schemes(path, method), (path, method)
    for path, method in [("/api/v1/messages/", "get"), ("/api/v1/statistics/", "get"), ("/api/v1/hotspots/", "get"),
                         ("/api/v1/messages/similar/", "post")]:
        assert "apiKeyAuth" in schemes(path, method), (path, method)


UNKNOWN_UNIT = "没有编号为 999999 的单位 (可用的单位见 /api/v1/units/)"


@pytest.mark.parametrize("step, persona, action, body, field", [
    ("accepted", "dispatcher", "dispatch", {"lead": 999999}, "lead"),
    ("accepted", "dispatcher", "dispatch", {"assists": [999999]}, "assists"),
    ("signed", "officer", "transfer", {"to_unit": 999999, "reason": "不属于本单位职责"}, "to_unit"),
    ("dispatched", "officer", "sign", {"unit": 999999}, "unit"),
])
def test_a_unit_id_that_is_no_units_says_the_id_and_where_the_units_are(personas, directory, step, persona, action,
                                                                           body, field):
    """A unit id that is no unit's read 「单位不存在」: not which id, nor where the ids are, where a wrong region or
    topic code of the same body names the code and /api/v1/regions/ or /api/v1/topics/ (an integrator's walk,
    2026-12-08: a unit id copied from another deployment). The 400 names the id and /api/v1/units/."""
    case = advance(submit(personas["citizen"], directory), personas, directory, step)
    answer = token_client(personas[persona]).post(f"/api/v1/staff/cases/{case.public_id}/{action}/", body,
                                                  format="json")
    assert answer.status_code == 400, answer.content
    said = answer.json()["error"]["fields"][field]
    assert said == [UNKNOWN_UNIT if field != "assists" else f"第 1 项: {UNKNOWN_UNIT}"], said


@pytest.mark.parametrize("path", ["/api/v1/statistics/?unit=999999", "/api/v1/statistics/breakdown/?by=region&unit=999999",
                                  "/api/v1/statistics/messages/?unit=999999"])
def test_a_statistics_unit_that_is_no_units_says_the_id_and_where_the_units_are(client, directory, path):
    """`/statistics/?unit=999999` read 「没有这个办理单位」 (the statistics page's words), where an unknown `region` or
    `topic` of the same query is told in the API's words: a unit id is too (2026-12-08)."""
    answer = client.get(path)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"] == {"code": "invalid", "message": UNKNOWN_UNIT, "fields": {"unit": [UNKNOWN_UNIT]}}

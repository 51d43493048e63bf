"""What an integrator reads when a value, a method, a body type or an ``Accept`` is wrong: the error
says what would be right (an integrator's walk of 2026-12-06, with only the docs). DRF's own words named
the wrong thing only — 「“open” 不是合法选项。」, 「方法 “PATCH” 不被允许。」, 「不支持请求中的媒体类型 “text/plain”。」,
「无法满足Accept HTTP头的请求。」 — and the integrator had to go to the OpenAPI document to learn the rest."""

from __future__ import annotations

import json

import pytest
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
)

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user, 'walk')[1]}")
    return client

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
    ("delete", "/api/v1/messages/{id}/support/", "POST"),
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
    """A mistyped ``service_code`` (``Urban``, ``water``) answered ``[]``, as if there were no such requests:
    a 400 naming it, as the REST API's ``topic=`` and Open311's own service definition refuse it. A
    known code, ``unclassified`` and a switched-off topic (its old requests keep it) still read."""
    advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    listed = client.get(f"/open311/v2/requests.{fmt}", {"service_code": "urban,Urban,water"})
    assert listed.status_code == 400
    said = "服务类型不存在: service_code Urban, water (可用的服务类型见 /open311/v2/services.json)"
    if fmt == "json":
        assert listed.json() == [{"code": 400, "description": said}]
    else:
        assert f"<description>{said}</description>" in listed.content.decode()
    assert len(client.get("/open311/v2/requests.json", {"service_code": "urban"}).json()) == 1
    assert client.get("/open311/v2/requests.json", {"service_code": "unclassified,environment"}).json() == []
    directory["topic_build"].is_active = False
    directory["topic_build"].save(update_fields=["is_active"])
    assert len(client.get("/open311/v2/requests.json", {"service_code": "urban"}).json()) == 1


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/open311/v2/services.json"])
def test_no_cors_headers_are_sent_as_the_docs_say(client, directory, path):
    """docs/api.md, *Authentication*: a page of another site cannot call the API from the browser. Should
    CORS be added, that paragraph changes with this test."""
    read = client.get(path, HTTP_ORIGIN="https://app.example.gov.cn")
    preflight = client.options(path, HTTP_ORIGIN="https://app.example.gov.cn",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type")
    assert read.status_code == 200
    assert not [h for r in (read, preflight) for h in r.headers if h.lower().startswith("access-control-")]

"""Fixtures and helpers shared by the API and Open311 tests (no tests here).

Messages are moved through the workflow with the same board.actions the API calls,
so every state a test starts from is one a real user could have produced."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken, Open311Key
from minsheng.board import actions
from minsheng.board.models import Message

PERSONAS = ["anonymous", "citizen", "officer", "other_officer", "dispatcher", "supervisor", "api_key"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


def submit(author, d, *, title="小区电梯加装进展缓慢", body="我们小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。",
           kind="help", region="lanzhou", topic="topic_build", **extra) -> Message:
    return actions.do_submit(author, title=title, body=body, kind=kind, region=d[region],
                             topic=d[topic] if topic else None, **extra)


def advance(message: Message, p: dict, d: dict, to: str) -> Message:
    """Move ``message`` (in 兰州市, 城乡建设 → 住建局) along the workflow up to ``to``."""
    dispatcher = p["dx_dispatcher"] if message.region.code.startswith("6211") else p["dispatcher"]
    steps = ["accepted", "dispatched", "signed", "replied", "evaluated"]
    for step in steps[: steps.index(to) + 1]:
        message.refresh_from_db()
        if step == "accepted":
            actions.do_accept(dispatcher, message)
        elif step == "dispatched":
            actions.do_dispatch(dispatcher, message, d["housing"])
        elif step == "signed":
            actions.do_sign(p["officer"], message, d["housing"])
        elif step == "replied":
            actions.do_reply(p["officer"], message, d["housing"], "经核查, 该小区已列入今年加装电梯计划, 预计年底前开工。")
        elif step == "evaluated":
            actions.do_evaluate(message.author, message, resolution="unsatisfied", attitude="basic", speed="basic",
                                comment="还没开工")
    message.refresh_from_db()
    return message


@pytest.fixture
def api_key(db):
    row, key = Open311Key.issue("测试系统")
    return row, key


def token_client(user) -> APIClient:
    """An APIClient signed in as ``user`` with a token of its own (``Authorization: Token …``)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user, 'tests')[1]}")
    return client


@pytest.fixture
def as_persona(personas, api_key):
    """as_persona(name) -> an APIClient authenticated as that persona (token or key)."""

    def _client(name: str) -> APIClient:
        client = APIClient()
        if name == "anonymous":
            return client
        if name == "api_key":
            client.credentials(HTTP_X_API_KEY=api_key[1])
            return client
        return token_client(personas[name])

    return _client


def named(error: dict, field: str) -> bool:
    """Whether ``error`` (error_of's) names ``field``: in ``fields``, or in an Open311 error's
    description, which has no fields."""
    return field in (error["fields"] if error["fields"] is not None else error["message"])


def coded(error: dict, code: str, status: int) -> bool:
    """Whether ``error`` (error_of's) has the REST API's ``code``, or, under /open311/, whose errors
    carry the HTTP status as their code, ``status``."""
    return error["code"] == (code if error["fields"] is not None else status)


def spec_error_of(response) -> dict:
    """An Open311 JSON error, GeoReport v2's ``[{"code": 404, "description": "…"}]`` (asserts the
    shape, and that the code is the HTTP status), as {"code": 404, "message": "…"}."""
    body = response.json()
    assert isinstance(body, list) and len(body) == 1, body
    assert set(body[0]) == {"code", "description"} and body[0]["description"], body
    assert body[0]["code"] == response.status_code, body
    return {"code": body[0]["code"], "message": body[0]["description"]}


def error_of(response) -> dict:
    """The error object of a response in the one error shape (asserts the shape); under /open311/,
    GeoReport v2's array (asserted by spec_error_of: the REST API's shape until 2026-12-05), read as
    {"code": <HTTP status>, "message": <description>, "fields": None} — it has no fields (``named``)."""
    if response.wsgi_request.path.startswith("/open311/"):
        return {**spec_error_of(response), "fields": None}
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    assert body["error"]["message"], body
    return body["error"]

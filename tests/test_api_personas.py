# ruff: noqa: F401, F811  (pytest fixtures imported from test_api_support)
"""Every endpoint with every persona: allowed, refused (401/403) or scoped out (404).

Refused attempts must change nothing, so each endpoint is tried by every refused
persona first and by the allowed one last, on the same data."""

from __future__ import annotations

import pytest

from minsheng.board.models import Event, Extension, Message

from .test_api_support import (
    PERSONAS,
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    submit,
)

pytestmark = pytest.mark.django_db

ANYONE = {p: 200 for p in PERSONAS}
PERSON = {**{p: 200 for p in PERSONAS}, "anonymous": 401, "api_key": 403}
STAFF_ONLY = {"anonymous": 401, "api_key": 403, "citizen": 403}
NEW_MESSAGE = {"title": "路口红绿灯时间太短", "body": "城关区某路口行人绿灯只有十几秒, 老人孩子来不及过马路, 建议延长。",
               "kind": "suggest", "region": "620102"}
OPEN311 = {"service_code": "urban", "description": "七里河区某小区六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。",
           "address_string": "七里河区某小区", "attribute[region]": "620103"}

# name: (method, path, body, expected status per persona)
MATRIX = {
    "messages": ("get", "/api/v1/messages/", None, ANYONE),
    "message": ("get", "/api/v1/messages/{signed}/", None, ANYONE),
    "regions": ("get", "/api/v1/regions/", None, ANYONE),
    "region": ("get", "/api/v1/regions/620100/", None, ANYONE),
    "units": ("get", "/api/v1/units/", None, ANYONE),
    "addressees": ("get", "/api/v1/addressees/", None, ANYONE),
    "addressee": ("get", "/api/v1/addressees/{mayor}/", None, ANYONE),
    "topics": ("get", "/api/v1/topics/", None, ANYONE),
    "hotspots": ("get", "/api/v1/hotspots/", None, ANYONE),
    "statistics": ("get", "/api/v1/statistics/", None, ANYONE),
    "breakdown": ("get", "/api/v1/statistics/breakdown/?by=kind", None, ANYONE),
    "post": ("post", "/api/v1/messages/", NEW_MESSAGE, {**PERSON, **{p: 201 for p in PERSONAS if PERSON[p] == 200}}),
    "my messages": ("get", "/api/v1/me/messages/", None, PERSON),
    "my data": ("get", "/api/v1/me/data/", None, PERSON),
    "my message": ("get", "/api/v1/me/messages/{new}/", None, {**PERSON, "citizen": 200, "other_citizen": 404,
                                                                "officer": 404, "other_officer": 404,
                                                                "dispatcher": 404, "supervisor": 404}),
    "rate": ("post", "/api/v1/messages/{replied}/rate/",
             {"resolution": "unsatisfied", "attitude": "basic", "speed": "basic"},
             {**PERSON, "citizen": 200, "officer": 403, "other_officer": 403, "dispatcher": 403, "supervisor": 403}),
    "reopen": ("post", "/api/v1/messages/{evaluated}/reopen/", {"reason": "问题并没有解决"},
               {**PERSON, "citizen": 200, "officer": 403, "other_officer": 403, "dispatcher": 403,
                "supervisor": 403}),
    "withdraw": ("post", "/api/v1/messages/{new}/withdraw/", None,
                 {**PERSON, "citizen": 200, "officer": 404, "other_officer": 404, "dispatcher": 404,
                  "supervisor": 404}),
    # the author (citizen) cannot support their own message
    "support": ("post", "/api/v1/messages/{signed}/support/", None, {**PERSON, "citizen": 403}),
    "inbox": ("get", "/api/v1/staff/inbox/", None, {**STAFF_ONLY, "officer": 200, "other_officer": 200,
                                                    "dispatcher": 200, "supervisor": 200}),
    "case": ("get", "/api/v1/staff/cases/{signed}/", None, {**STAFF_ONLY, "officer": 200, "other_officer": 404,
                                                            "dispatcher": 200, "supervisor": 200}),
    "accept": ("post", "/api/v1/staff/cases/{new}/accept/", None,
               {**STAFF_ONLY, "officer": 404, "other_officer": 404, "supervisor": 403, "dispatcher": 200}),
    "reject": ("post", "/api/v1/staff/cases/{new}/reject/", {"reason": "与本平台受理范围无关"},
               {**STAFF_ONLY, "officer": 404, "other_officer": 404, "supervisor": 403, "dispatcher": 200}),
    "dispatch": ("post", "/api/v1/staff/cases/{new}/dispatch/", {},
                 {**STAFF_ONLY, "officer": 404, "other_officer": 404, "supervisor": 403, "dispatcher": 200}),
    "merge": ("post", "/api/v1/staff/cases/{new}/merge/", {"into": "{signed}"},
              {**STAFF_ONLY, "officer": 404, "other_officer": 404, "supervisor": 403, "dispatcher": 200}),
    "sign": ("post", "/api/v1/staff/cases/{dispatched}/sign/", {},
             {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "reply": ("post", "/api/v1/staff/cases/{signed}/reply/", {"body": "经核查, 已安排施工单位本月内完成整改。"},
              {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "reply-preview": ("post", "/api/v1/staff/cases/{signed}/reply-preview/", {"body": "经核查, 已安排施工单位本月内完成整改。"},
                      {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "transfer": ("post", "/api/v1/staff/cases/{signed}/transfer/", {"to_unit": "{transport}", "reason": "属交通问题"},
                 {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "return": ("post", "/api/v1/staff/cases/{signed}/return/", {"reason": "不属于本局职责"},
               {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "extension": ("post", "/api/v1/staff/cases/{signed}/extension/", {"days": 3, "reason": "需要现场勘察"},
                  {**STAFF_ONLY, "officer": 200, "other_officer": 404, "supervisor": 403, "dispatcher": 403}),
    "extension-decision": ("post", "/api/v1/staff/cases/{extending}/extension-decision/", {"approve": True},
                           {**STAFF_ONLY, "officer": 403, "other_officer": 404, "supervisor": 200,
                            "dispatcher": 403}),
    "supervise": ("post", "/api/v1/staff/cases/{signed}/supervise/", {"note": "请加快办理"},
                  {**STAFF_ONLY, "officer": 403, "other_officer": 404, "supervisor": 200, "dispatcher": 403}),
    "assist-note": ("post", "/api/v1/staff/cases/{cohandled}/assist-note/", {"body": "已配合核查现场"},
                    {**STAFF_ONLY, "officer": 200, "other_officer": 403, "supervisor": 403, "dispatcher": 403}),
    "similar": ("get", "/api/v1/messages/similar/?title=路口红绿灯时间太短&region=620102", None, ANYONE),
    "similar post": ("post", "/api/v1/messages/similar/", {"title": "路口红绿灯时间太短", "region": "620102"}, ANYONE),
    "similar answers": ("get", "/api/v1/staff/cases/{signed}/similar-answers/", None,
                        {**STAFF_ONLY, "officer": 200, "other_officer": 404, "dispatcher": 200, "supervisor": 200}),
    "open311 services": ("get", "/open311/v2/services.json", None, ANYONE),
    "open311 requests": ("get", "/open311/v2/requests.json", None, ANYONE),
    "open311 request": ("get", "/open311/v2/requests/{signed}.xml", None, ANYONE),
    "open311 post": ("post", "/open311/v2/requests.json", OPEN311, {**{p: 403 for p in PERSONAS}, "api_key": 200}),
}


@pytest.fixture
def world(personas, directory):
    from minsheng.board import actions

    p, d = personas, directory
    signed = advance(submit(p["citizen"], d, title="在办的留言标题"), p, d, "signed")
    extending = advance(submit(p["citizen"], d, title="申请延期的留言"), p, d, "signed")
    actions.do_request_extension(p["officer"], extending, d["housing"], 5, "需要协调")
    cohandled = advance(submit(p["other_citizen"], d, title="协办的留言标题", region="qilihe", topic="topic_env"),
                        p, d, "accepted")
    actions.do_dispatch(p["dispatcher"], cohandled, d["ecology"], assists=[d["housing"]])
    return {
        "new": submit(p["citizen"], d, title="待审核的留言标题").public_id,
        "dispatched": advance(submit(p["citizen"], d, title="待签收的留言"), p, d, "dispatched").public_id,
        "signed": signed.public_id,
        "replied": advance(submit(p["citizen"], d, title="已答复的留言"), p, d, "replied").public_id,
        "evaluated": advance(submit(p["citizen"], d, title="已评价的留言"), p, d, "evaluated").public_id,
        "extending": extending.public_id,
        "cohandled": cohandled.public_id,
        "transport": d["transport"].pk,
        "mayor": d["mayor"].pk,
    }


def _fill(value, world):
    if isinstance(value, str):
        filled = value.format(**world)
        return int(filled) if value == "{transport}" else filled
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _snapshot():
    return (list(Message.objects.order_by("pk").values_list("status", "version", "support_count")),
            Event.objects.count(), list(Extension.objects.values_list("state", flat=True)))


@pytest.mark.parametrize("name", list(MATRIX))
def test_endpoint_by_persona(name, world, as_persona, api_key):
    method, path, body, expected = MATRIX[name]
    path, body = _fill(path, world), _fill(body, world)
    allowed = [p for p in PERSONAS if 200 <= expected[p] < 300]
    order = [p for p in PERSONAS if p not in allowed] + allowed
    for persona in order:
        before = _snapshot()
        client = as_persona(persona)
        if name == "open311 post" and persona == "api_key":
            body = {**body, "api_key": api_key[1]}
        if method == "get":
            response = client.get(path)
        elif name.startswith("open311"):
            from urllib.parse import urlencode

            response = client.post(path, urlencode(body), content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(path, body, format="json")
        assert response.status_code == expected[persona], (persona, response.content[:300])
        if method == "post" and response.status_code >= 400:
            assert _snapshot() == before, f"{persona} was refused but something changed"

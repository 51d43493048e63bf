# ruff: noqa: F811  (pytest fixtures imported from test_api_support and test_api_bad_input)
"""A body field the REST API does not take is refused, not dropped (since 2026-12-06): an integrator's typo
(``titel``, ``adress``, ``bodey``) was ignored and the message stored without it, 201, nothing said. A 400 in
the one error shape names each unknown field (with the field it may have meant) and lists the fields taken,
as an unknown query parameter is told (docs/api.md). What a browser's form adds (``csrfmiddlewaretoken``,
DRF's browsable API's ``_content_type``/``_content``) passes; Open311 keeps ignoring what it does not know."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from minsheng.board.models import Message

from .test_api_bad_input import WRITES, bad_input_world, send, stored, world  # noqa: F401
from .test_api_support import _fresh_rate_limits, _media_in_tmp, api_key, error_of, named, token_client  # noqa: F401

pytestmark = pytest.mark.django_db

BODY = "我们小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。"
GOOD = {"title": "小区电梯加装进展缓慢", "body": BODY, "kind": "help", "region": "620100"}
TAKEN = "title, body, kind, region, addressee, topic, show_name, latitude, longitude, address, photos, again"


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_a_misspelt_field_of_a_message_is_refused_naming_it_and_the_fields_taken(personas, directory, fmt):
    client = token_client(personas["citizen"])
    typo = {**GOOD, "adress": "城关区皋兰路 1 号"}  # stored without its address, 201, until 2026-12-06
    response = client.post("/api/v1/messages/", typo, format=fmt)
    assert response.status_code == 400, response.content.decode()
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == f"未知字段: adress (可用: {TAKEN})"
    assert error["fields"] == {"adress": ["未知字段 (是否应为 address?)"]}
    titled = client.post("/api/v1/messages/", {**{k: v for k, v in GOOD.items() if k != "title"},
                                               "titel": GOOD["title"], "bodey": "多余"}, format=fmt)
    assert titled.status_code == 400
    assert error_of(titled)["fields"] == {"titel": ["未知字段 (是否应为 title?)"], "bodey": ["未知字段 (是否应为 body?)"]}
    assert not Message.objects.exists()


def test_an_unknown_field_sent_empty_drops_nothing_and_passes(personas, directory):
    """As ``lat=`` (review of 2026-12-06): a form or an app's model that always sends a field, empty, loses
    nothing by it."""
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, "adress": "", "note": None},
                                                      format="json")
    assert response.status_code == 201, response.content.decode()


WRITTEN = [name for name in WRITES if name != "open311"]


@pytest.mark.parametrize("how", ["json", "form", "multipart"])
@pytest.mark.parametrize("name", WRITTEN)
def test_every_write_of_the_rest_api_refuses_an_unknown_field(world, name, how):
    path, who, good = WRITES[name]
    if name == "reopen":  # reopen/ reads a body only where it may reopen (a 409 first since 2026-12-07): rated 不满意
        rate_path, _, rating = WRITES["rate"]
        rated = world["clients"][who].post(rate_path(world), {**rating, "resolution": "unsatisfied"}, format="json")
        assert rated.status_code == 200, rated.content.decode()[:300]
    before = stored()
    response = send(world["clients"][who], name, path(world), {**good, "bodey": "x"}, how)
    assert response.status_code == 400, (name, response.content.decode()[:300])
    error = error_of(response)
    assert error["message"].startswith("未知字段: bodey (可用: "), error["message"]
    assert named(error, "bodey") and stored() == before


@pytest.mark.parametrize("name, who, path", [
    ("accept", "dispatcher", lambda w: f"/api/v1/staff/cases/{w['pending']}/accept/"),
    ("withdraw", "citizen", lambda w: f"/api/v1/messages/{w['pending']}/withdraw/"),
    ("support", "supporter", lambda w: f"/api/v1/messages/{w['replied']}/support/"),
])
def test_a_write_that_takes_no_body_refuses_a_field_and_does_nothing(world, personas, name, who, path):
    """审核通过 (but its `version`), 撤回, 我也遇到 take no field: one sent (a reason, a note) was dropped, and the
    action done."""
    if who == "supporter":
        world["clients"][who] = token_client(personas["other_citizen"])
    before = stored()
    response = world["clients"][who].post(path(world), {"reason": "核实无误"}, format="json")
    assert response.status_code == 400, response.content.decode()
    error = error_of(response)
    # 审核通过 takes its optimistic lock alone (`version`, since 2026-12-07)
    taken = "可用: version" if name == "accept" else "该接口不接受请求体字段"
    assert error["message"] == f"未知字段: reason ({taken})"
    assert error["fields"] == {"reason": ["未知字段"]} and stored() == before
    assert world["clients"][who].post(path(world), {}, format="json").status_code == 200


def test_taking_a_support_back_refuses_a_field_and_keeps_the_support(world, personas):
    """DELETE support/ (取消我也遇到, since 2026-12-06) takes no field either: one sent was dropped and the
    support taken back (review of 2026-12-06), though docs/api.md says every DELETE refuses it."""
    client = token_client(personas["other_citizen"])
    path = f"/api/v1/messages/{world['replied']}/support/"
    assert client.post(path, {}, format="json").json()["support_count"] == 1
    response = client.delete(path, {"reason": "点错了"}, format="json")
    assert response.status_code == 400, response.content.decode()
    error = error_of(response)
    assert error["message"] == "未知字段: reason (该接口不接受请求体字段)"
    assert error["fields"] == {"reason": ["未知字段"]}
    assert Message.objects.get(public_id=world["replied"]).support_count == 1
    assert client.delete(path, {}, format="json").json()["removed"] is True


def test_a_huge_unknown_name_is_echoed_cut_as_the_406_echoes_an_accept(personas, directory):
    """A 10 kB field name (or query parameter) came back whole in the 400, twice (review of 2026-12-06): its
    first 100 characters are echoed, then 「…」, as the 406 echoes an Accept header (errors.echoed)."""
    huge = "adress" + "x" * 10_000
    shown = huge[:100] + "…"
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, huge: "城关区"}, format="json")
    assert response.status_code == 400
    assert len(response.content) < 2_000, len(response.content)
    error = error_of(response)
    assert error["message"] == f"未知字段: {shown} (可用: {TAKEN})"
    assert error["fields"] == {shown: ["未知字段"]}
    asked = Client().get("/api/v1/messages/", {huge: "1"}, HTTP_ACCEPT="application/json")
    assert asked.status_code == 400 and len(asked.content) < 2_000, len(asked.content)
    assert error_of(asked)["message"].startswith(f"未知的查询参数: {shown} (可用: ")
    assert error_of(asked)["fields"] == {shown: ["未知的查询参数"]}
    assert not Message.objects.exists()


def test_thousands_of_unknown_names_are_a_small_answer_naming_the_first_ten_and_counting_the_rest(personas, directory):
    """A body of 5,000 unknown fields (a program's bug, or a caller probing) was answered with all 5,000 named,
    twice, each with its typo lookup: 200 kB (review of 2026-12-06). The first 10 are named, in the message and
    in ``fields``, and the message counts the rest; so for unknown query parameters (the same function)."""
    names = [f"field{i:04d}" for i in range(5_000)]
    response = token_client(personas["citizen"]).post("/api/v1/messages/", {**GOOD, **dict.fromkeys(names, "x")},
                                                      format="json")
    assert response.status_code == 400
    assert len(response.content) < 2_000, len(response.content)
    error = error_of(response)
    assert error["message"] == f"未知字段: {', '.join(names[:10])} 等 5000 个 (未列出的 4990 个从略; 可用: {TAKEN})"
    assert error["fields"] == dict.fromkeys(names[:10], ["未知字段"])
    asked = Client().get("/api/v1/messages/", dict.fromkeys(names[:900], "1"), HTTP_ACCEPT="application/json")
    assert asked.status_code == 400 and len(asked.content) < 2_000, len(asked.content)
    assert error_of(asked)["message"].startswith(f"未知的查询参数: {', '.join(names[:10])} 等 900 个 (未列出的 890 个从略; 可用: ")
    assert list(error_of(asked)["fields"]) == names[:10]
    assert not Message.objects.exists()


def test_an_unknown_field_of_an_item_of_dispatch_batch_is_named_with_its_item(world):
    response = world["clients"]["dispatcher"].post(
        "/api/v1/staff/dispatch-batch/", {"items": [{"case": world["pending"], "lead": 1, "asists": [2]}]},
        format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"items": ["第 1 项: asists: 未知字段 (是否应为 assists?)"]}


def test_many_unknown_fields_of_a_dispatch_batch_item_are_counted_as_a_bodys_are(world):
    """An item of ``items`` with 12 unknown keys named the first 10 and never said there were more (review of
    2026-12-06): it is refused by the function a body's unknown fields are, its message counting them all."""
    names = [f"field{i:02d}" for i in range(12)]
    response = world["clients"]["dispatcher"].post(
        "/api/v1/staff/dispatch-batch/",
        {"items": [{"case": world["pending"], "lead": 1, **dict.fromkeys(names, "x")}]}, format="json")
    assert response.status_code == 400
    said = error_of(response)["fields"]["items"]
    assert said[0].startswith(f"第 1 项: 未知字段: {', '.join(names[:10])} 等 12 个 (未列出的 2 个从略; 可用: case, lead")
    assert said[1:] == [f"第 1 项: {name}: 未知字段" for name in names[:10]]


def test_coordinates_under_open311_names_beside_latitude_are_refused_too(personas, directory):
    """They were dropped when ``latitude`` and ``longitude`` came too (review of 2026-12-06); since the unknown
    fields are refused, one mechanism says the same of them as of any: with their words."""
    body = {**GOOD, "latitude": 36.06, "longitude": 103.83, "lat": 36.06, "long": 103.83}
    response = token_client(personas["citizen"]).post("/api/v1/messages/", body, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {name: [f"未知字段 {name}: 经纬度请用 latitude 和 longitude (WGS84)"]
                                            for name in ("lat", "long")}


def test_an_open311_key_in_a_json_body_is_told_where_it_goes(world, api_key):
    """Read in a form body (the REST API's ApiKeyAuthentication), not in a JSON one: it was dropped, and the call
    made as anonymous."""
    client = APIClient()
    body = {"title": "电梯", "body": BODY, "api_key": api_key[1]}
    response = client.post("/api/v1/messages/similar/", body, format="json")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "api_key": ["未知字段 api_key: Open311 接入密钥请放在 X-API-Key 请求头或查询参数 api_key 中 (JSON 请求体中的不读取)"]}
    form = client.post("/api/v1/messages/similar/", urlencode(body), content_type="application/x-www-form-urlencoded")
    assert form.status_code == 200, form.content.decode()


def test_what_a_browsers_form_adds_passes(personas, directory):
    """A session's form sends its CSRF token as ``csrfmiddlewaretoken``; DRF's browsable API's raw form, without its
    script, ``_content_type`` and ``_content``: none of them is the caller's field."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["citizen"])
    browser.get("/api/tokens/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.post("/api/v1/messages/", {**GOOD, "csrfmiddlewaretoken": csrf})
    assert response.status_code == 201, response.content.decode()
    similar = browser.post("/api/v1/messages/similar/", {"title": "电梯", "body": BODY, "csrfmiddlewaretoken": csrf,
                                                         "_content_type": "application/json", "_content": ""})
    assert similar.status_code == 200, similar.content.decode()


def test_open311_still_takes_keys_it_does_not_know(world, api_key):
    """GeoReport v2 lets clients add their own (docs/open311.md): they stay ignored there."""
    body = {**WRITES["open311"][2], "api_key": api_key[1], "device_id": "abc", "x_our_ref": "R-1"}
    response = APIClient().post("/open311/v2/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 200 and response.json()[0]["service_request_id"], response.content.decode()


def test_an_unknown_field_is_refused_after_the_callers_right_is_checked(world, personas):
    """One who may not take the action reads its 403 (or 404), whatever the body says, as with a bad value: the
    refusal of a field is for one who may call it."""
    path = f"/api/v1/staff/cases/{world['pending']}/accept/"
    assert world["clients"]["citizen"].post(path, {"bodey": "x"}, format="json").status_code == 403
    assert token_client(personas["other_officer"]).post(path, {"bodey": "x"}, format="json").status_code in (403, 404)
    for action in ("rate", "reopen", "withdraw"):
        other = token_client(personas["other_citizen"]).post(f"/api/v1/messages/{world['replied']}/{action}/",
                                                             {"bodey": "x"}, format="json")
        assert other.status_code == 403, (action, other.content.decode())


def test_the_openapi_document_says_each_body_takes_its_fields_alone(client):
    """A client generated from the document, or a gateway checking requests against it, knows that another field
    is refused (``additionalProperties: false``); the answers' schemas are left open."""
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    bodies = {content["schema"]["$ref"].rsplit("/", 1)[1]
              for ops in schema["paths"].values() for op in ops.values() if isinstance(op, dict) and "requestBody" in op
              for content in op["requestBody"]["content"].values()}
    assert len(bodies) == 22 and all(components[name]["additionalProperties"] is False for name in bodies), bodies
    assert components["SeenPlanItemRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in components["OwnMessage"]

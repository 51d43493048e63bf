# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Open311 as an Open311 client library reads it (an integrator's walk, 2026-12-05): errors in the
spec's JSON array, an id list without an id, a credential sent in the other's place, every response
valid against both the official JSON Schemas and swagger.json's definitions, and Accept ignored."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken

from .test_api_support import _fresh_rate_limits, _media_in_tmp, api_key, spec_error_of  # noqa: F401 (fixtures)
from .test_open311 import BASE, client311, form, key, swagger_validate, validate  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_open311_json_errors_are_the_specs_array_on_every_path(client311, directory, key, settings):
    """GeoReport v2 answers errors as ``[{"code": 400, "description": "…"}]``; ours were the platform's
    ``{"error": {...}}``, which an Open311 client library fails to parse."""
    cases = [
        (client311.get(f"{BASE}/services/water.json"), 404, "service_code: 没有代码为 water 的服务类型"),  # a view's 404
        (client311.get(f"{BASE}/requests.json?status=pending"), 400, "status"),  # a parameter
        (client311.get(f"{BASE}/nothing.json"), 404, "该地址不存在"),  # no such path
        (client311.get(f"{BASE}/services"), 404, "services.json"),  # without its format
        (client311.get(f"{BASE}/nothing%00.json"), 400, "NUL"),  # a NUL in an unknown path (was the HTML page)
        (client311.delete(f"{BASE}/services.json"), 405, "DELETE"),  # a method
        (client311.post(f"{BASE}/requests.json", form(None)), 403, "需要 API key"),  # no key
        (client311.get(f"{BASE}/services.json", {"api_key": "o311_wrong"}), 403, "api_key"),  # a wrong key
        (client311.post(f"{BASE}/requests.json", form(key, service_code=None)), 400, "service_code"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, (status, response.content)
        assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
        assert spec_error_of(response)["code"] == status and words in response.json()[0]["description"], response.json()
    # the platform's own API keeps its shape
    assert set(APIClient().get("/api/v1/topics/nope/").json()) == {"error"}
    assert set(APIClient().get("/api/v1/nothing/").json()) == {"error"}


def test_open311_json_error_for_a_body_too_big_and_for_throttling(client311, directory, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = client311.post(f"{BASE}/requests.json", form(key, description="很长的描述" * 400))
    assert big.status_code == 413 and spec_error_of(big)["code"] == 413 and "请求内容过大" in big.json()[0]["description"]
    # the post above does not count: its body, read for its api_key, was refused before the limits were asked
    # (since 2026-12-08, when the key is read by the view's parser; it counted)
    settings.MINSHENG_API_RATES = {"ip": "2/min", "key": "100/min"}
    codes = [client311.get(f"{BASE}/services.json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    throttled = client311.get(f"{BASE}/services.json")
    assert spec_error_of(throttled)["code"] == 429 and "Retry-After" in throttled
    assert "请求过于频繁" in throttled.json()[0]["description"]


def test_open311_server_error_and_bad_host_are_the_specs_array(directory, settings, monkeypatch):
    from minsheng.api.open311 import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.mapping, "service_record", boom)
    response = Client(raise_request_exception=False).get(f"{BASE}/services.json")
    assert response.status_code == 500 and spec_error_of(response)["code"] == 500
    settings.ALLOWED_HOSTS = ["minsheng.example.gov.cn"]
    response = Client().get(f"{BASE}/discovery.json", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400 and spec_error_of(response)["code"] == 400
    assert "elsewhere.example" in response.json()[0]["description"]


def test_an_id_list_without_an_id_is_refused_not_read_as_every_request(client311, directory):
    """``service_request_id=,,,,`` listed every request, as if no id had been asked for."""
    response = client311.get(f"{BASE}/requests.json?service_request_id=,,,,")
    assert response.status_code == 400 and spec_error_of(response)["code"] == 400
    assert "service_request_id" in response.json()[0]["description"]
    assert client311.get(f"{BASE}/requests.json?service_request_id=").status_code == 200  # an empty field: not given
    assert client311.get(f"{BASE}/requests.json?service_request_id=,none,").json() == []


def test_a_credential_in_the_other_ones_place_is_named(client311, directory, key, personas):
    """An Open311 key in ``Authorization: Token`` or a personal token as ``api_key`` got a generic
    「需要 API key」/「无效」: the answer says which credential it is and where it belongs."""
    _, token = ApiToken.issue(personas["citizen"], "我的脚本")
    sent_as_header = client311.post(f"{BASE}/requests.json", form(None), HTTP_AUTHORIZATION=f"Token {key}")
    assert sent_as_header.status_code == 403
    words = sent_as_header.json()[0]["description"]
    assert "Open311 接入密钥" in words and "api_key" in words and "X-API-Key" in words, words
    token_as_key = client311.post(f"{BASE}/requests.json", form(token))
    assert token_as_key.status_code == 403
    words = token_as_key.json()[0]["description"]
    assert "个人 API 令牌" in words and "/api/v1/" in words, words
    # on the platform's API: the same two mistakes
    rest = APIClient().get("/api/v1/topics/", HTTP_AUTHORIZATION=f"Token {key}")
    assert rest.status_code == 401 and "Open311 接入密钥" in rest.json()["error"]["message"]
    assert "X-API-Key" in rest.json()["error"]["message"]
    rest = APIClient().get("/api/v1/topics/", HTTP_X_API_KEY=token)
    assert rest.status_code == 401 and "个人 API 令牌" in rest.json()["error"]["message"]
    assert "Authorization: Token" in rest.json()["error"]["message"]
    # a key that is simply wrong is told so, as before
    wrong = client311.post(f"{BASE}/requests.json", form("o311_nothing"))
    assert wrong.status_code == 403 and wrong.json()[0]["description"] == "api_key 无效或已停用"


def test_a_key_sent_as_authorization_on_a_read_is_refused_not_read_as_keyless(client311, directory, key, personas):
    """GeoReport v2 takes the key as the ``api_key`` parameter. On a read, ``Authorization: Token <key>`` was
    silently ignored: the key's own requests still in moderation were missing from the list, with a 200. It
    is refused as on a post, the spec's error array naming where the key goes (since 2026-12-06)."""
    posted = client311.post(f"{BASE}/requests.json", form(key))
    assert posted.status_code == 200, posted.content  # the spec's answer to a post
    pending = posted.json()[0]["service_request_id"]  # moderation has not accepted it: only its key reads it
    assert [r["service_request_id"] for r in client311.get(f"{BASE}/requests.json", {"api_key": key}).json()] == [pending]
    _, token = ApiToken.issue(personas["citizen"], "我的脚本")
    for credential, words in ((key, "Open311 接入密钥"), ("o311_nothing", "Authorization")):
        for path in ("requests.json", f"requests/{pending}.json", "services.json", "discovery.json"):
            response = client311.get(f"{BASE}/{path}", HTTP_AUTHORIZATION=f"Token {credential}")
            assert response.status_code == 403, (path, response.content)
            described = spec_error_of(response)["message"]
            assert words in described and "api_key" in described and "X-API-Key" in described, described
    # a valid personal token (a REST client sending it to every path of the site) reads as without one:
    # public, the key's request in moderation not in it; on a post it is named (test above)
    as_token = client311.get(f"{BASE}/requests.json", HTTP_AUTHORIZATION=f"Token {token}")
    assert as_token.status_code == 200 and pending not in [r["service_request_id"] for r in as_token.json()]
    xml = client311.get(f"{BASE}/requests.xml", HTTP_AUTHORIZATION=f"Token {key}")
    assert xml.status_code == 403 and b"<errors><error><code>403</code>" in xml.content
    # with the key where Open311 reads it, the header is not in the way; other schemes are not ours to read
    both = client311.get(f"{BASE}/requests.json", {"api_key": key}, HTTP_AUTHORIZATION=f"Token {key}")
    assert [r["service_request_id"] for r in both.json()] == [pending]
    assert client311.get(f"{BASE}/services.json", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz").status_code == 200
    # a post without api_key names the header's mistake too, as before
    refused = client311.post(f"{BASE}/requests.json", form(None), HTTP_AUTHORIZATION="Token o311_nothing")
    assert refused.status_code == 403 and "api_key" in spec_error_of(refused)["message"]


@pytest.mark.parametrize("how", ["revoked", "account_disabled"])
def test_a_personal_token_no_longer_valid_is_told_so_on_an_open311_read(client311, directory, key, personas, how):
    """A revoked personal token (or one whose account was switched off) as ``Authorization: Token`` on an
    Open311 read was a public read, a 200, where the REST API answers it 401: the integrator whose token
    was revoked learnt nothing. It is refused in the spec's error array, as a bad ``api_key`` is (403);
    a valid personal token and no header at all stay a public read (since 2026-12-06)."""
    row, token = ApiToken.issue(personas["citizen"], "我的脚本")
    _, valid = ApiToken.issue(personas["other_citizen"], "另一个脚本")
    if how == "revoked":
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    else:
        type(personas["citizen"]).objects.filter(pk=personas["citizen"].pk).update(is_active=False)
    rest = APIClient().get("/api/v1/topics/", HTTP_AUTHORIZATION=f"Token {token}")
    assert rest.status_code == 401
    for path in ("requests.json", "services.json", "discovery.json"):
        response = client311.get(f"{BASE}/{path}", HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 403, (path, response.content)
        described = spec_error_of(response)["message"]
        assert "个人 API 令牌" in described and "已撤销" in described and "去掉该请求头" in described, described
    xml = client311.get(f"{BASE}/services.xml", HTTP_AUTHORIZATION=f"Token {token}")
    assert xml.status_code == 403 and b"<errors><error><code>403</code>" in xml.content
    assert "已撤销".encode() in xml.content
    # a post with it says so too (it was told only that a personal token is not an Open311 key)
    posted = client311.post(f"{BASE}/requests.json", form(None), HTTP_AUTHORIZATION=f"Token {token}")
    assert posted.status_code == 403 and "已撤销" in spec_error_of(posted)["message"]
    # with a valid api_key as well the header is not in the way, as for any other
    assert client311.get(f"{BASE}/services.json", {"api_key": key}, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    # a valid token, and no header, still read as the public does
    assert client311.get(f"{BASE}/services.json", HTTP_AUTHORIZATION=f"Token {valid}").status_code == 200
    assert client311.get(f"{BASE}/services.json").status_code == 200


def test_a_key_sent_alone_as_authorization_is_named_as_with_token(client311, directory, key, personas):
    """``Authorization: <key>`` without a scheme (an HTTP tool's "API key" field) was ignored on an Open311
    read, the key's own request in moderation missing from a 200, and a post was told only 「需要 API key」;
    on /api/v1/ an Open311 key so sent read 「请先登录或提供 API 令牌」. Each is named as with ``Token`` (since
    2026-12-06); a header we do not know stays unread, as ``Basic …`` is."""
    pending = client311.post(f"{BASE}/requests.json", form(key)).json()[0]["service_request_id"]
    read = client311.get(f"{BASE}/requests.json", HTTP_AUTHORIZATION=key)
    assert read.status_code == 403 and "Open311 接入密钥" in spec_error_of(read)["message"], read.content
    posted = client311.post(f"{BASE}/requests.json", form(None), HTTP_AUTHORIZATION=key)
    assert posted.status_code == 403 and "Open311 接入密钥" in spec_error_of(posted)["message"]
    rest = APIClient().get("/api/v1/me/messages/", HTTP_AUTHORIZATION=key)
    assert rest.status_code == 401 and "Open311 接入密钥" in rest.json()["error"]["message"]
    row, token = ApiToken.issue(personas["citizen"], "我的脚本")
    as_token = client311.get(f"{BASE}/requests.json", HTTP_AUTHORIZATION=token)  # valid: a public read
    assert as_token.status_code == 200 and pending not in [r["service_request_id"] for r in as_token.json()]
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    revoked = client311.get(f"{BASE}/services.json", HTTP_AUTHORIZATION=token)
    assert revoked.status_code == 403 and "已撤销" in spec_error_of(revoked)["message"]
    assert client311.get(f"{BASE}/services.json", HTTP_AUTHORIZATION="something").status_code == 200


def test_every_open311_response_is_valid_against_both_official_schemas(client311, directory, key):
    """swagger.json types ``account_id`` (and every optional field of a request) as a string or a
    number, never null; request.json allows null. A field with no value is left out of the JSON."""
    posted = client311.post(f"{BASE}/requests.json", form(key))
    assert posted.status_code == 201 or posted.status_code == 200, posted.content
    body = posted.json()
    assert "account_id" not in body[0]
    swagger_validate("RequestResponse", body)
    rid = body[0]["service_request_id"]
    mine = client311.get(f"{BASE}/requests/{rid}.json", {"api_key": key}).json()
    validate("requests.json", mine)  # both the JSON Schema and swagger's Request
    assert "zipcode" not in mine[0] and "address_id" not in mine[0]
    validate("services.json", client311.get(f"{BASE}/services.json").json())
    validate("service-definition.json", client311.get(f"{BASE}/services/urban.json").json())
    swagger_validate("TokenResponse", client311.get(f"{BASE}/tokens/{body[0]['token']}.json").json())
    # the XML keeps its empty element (XML has no null)
    assert b"<account_id />" in client311.post(f"{BASE}/requests.xml", form(key, email="li@example.com")).content


def test_accept_is_not_read_on_a_json_path(client311, directory):
    """The format is the path's suffix: ``Accept: application/json;q=0`` still gets JSON (no 406)."""
    response = client311.get(f"{BASE}/services.json", HTTP_ACCEPT="application/json;q=0")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)
    error = client311.get(f"{BASE}/services/water.json", HTTP_ACCEPT="text/xml")
    assert spec_error_of(error)["code"] == 404 and error["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_two_bad_fields_are_each_named_with_their_own_words(client311, directory, key, fmt):
    """A request with two fields wrong was told the second field's name before the first one's words
    (「long: lat: 纬度应为数字」, 「lat: description: 内容至少 20 个字…」): the second field's own error was
    lost, and the words read as the second's. Each field is now named with its own words."""
    response = client311.post(f"{BASE}/requests.{fmt}", form(key, lat="abc", long="xyz"))
    assert response.status_code == 400
    said = response.content.decode()
    assert "lat: 纬度应为" in said and "long: 经度应为" in said and "long: lat:" not in said, said
    response = client311.post(f"{BASE}/requests.{fmt}", form(key, description="太短", lat="abc"))
    said = response.content.decode()
    assert "description: 内容至少 20 个字" in said and "lat: 纬度应为" in said and "lat: description" not in said, said


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_at_zero_zero_is_refused_as_no_location(client311, directory, key, fmt):
    """A GPS-less client sends lat=0&long=0: the request was stored at a point in the Gulf of Guinea (walk of
    2026-12-06). It is a 400 naming lat, in the spec's error shape, and nothing is stored."""
    from minsheng.board.models import Message

    response = client311.post(f"{BASE}/requests.{fmt}", form(key, lat="0", long="0.000000"))
    assert response.status_code == 400
    said = response.content.decode()
    assert "lat, long: 坐标 (0, 0) 不是有效位置" in said and "long: lat" not in said, said
    if fmt == "json":
        assert spec_error_of(response)["message"].startswith("lat, long: 坐标 (0, 0) 不是有效位置")
    assert not Message.objects.exists()

# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Open311 GeoReport v2: discovery, services, definitions, posting and reading
requests, tokens, JSON and XML. JSON responses are validated against the official
schemas in ../shared/specs/open311-georeport-v2/ (skipped when that folder is absent)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.accounts.models import User
from minsheng.api.models import Open311Key, Open311Request
from minsheng.board import actions
from minsheng.board.models import Event, Message
from minsheng.directory.models import Region, Topic

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    spec_error_of,
    submit,
)

pytestmark = pytest.mark.django_db

SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "open311-georeport-v2"
BASE = "/open311/v2"


def validate(name: str, instance) -> None:
    """Validate ``instance`` against the official schema ``name`` (e.g. "requests.json")."""
    if not SPECS.is_dir():
        pytest.skip("../shared/specs/open311-georeport-v2 is not present")
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT7))
                 for p in SPECS.glob("*.json") if p.name != "swagger.json"]
    registry = Registry().with_resources(resources)
    schema = json.loads((SPECS / name).read_text())
    errors = list(Draft7Validator(schema, registry=registry).iter_errors(instance))
    assert not errors, [e.message for e in errors]
    swagger_validate(SWAGGER_OF[name], instance)
    # the format "date-time" is not checked by jsonschema without extra packages: check it here
    for item in instance if isinstance(instance, list) else [instance]:
        for key in ("requested_datetime", "updated_datetime", "expected_datetime"):
            if isinstance(item, dict) and item.get(key):
                assert dt.datetime.fromisoformat(item[key]).tzinfo is not None


# the swagger.json definition each JSON Schema stands for (a list: an array of it)
SWAGGER_OF = {"services.json": ["Service"], "service.json": "Service", "service-definition.json": "ServiceDefinition",
              "requests.json": ["Request"], "request.json": "Request"}


def swagger_validate(definition, instance) -> None:
    """Validate ``instance`` against a definition of the official swagger.json as well: it types
    every optional field a string or a number, where the JSON Schemas allow null (an Open311
    client generated from it rejects a null). ``["Request"]``: an array of it."""
    if not SPECS.is_dir():
        pytest.skip("../shared/specs/open311-georeport-v2 is not present")
    from jsonschema import Draft4Validator

    swagger = json.loads((SPECS / "swagger.json").read_text())
    if isinstance(definition, list):
        schema = {"type": "array", "items": {"$ref": f"#/definitions/{definition[0]}"}}
    else:
        schema = {"$ref": f"#/definitions/{definition}"}
    errors = list(Draft4Validator({**schema, "definitions": swagger["definitions"]}).iter_errors(instance))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)


class Open311Client(APIClient):
    """Posts as Open311 clients do: application/x-www-form-urlencoded."""

    def post(self, path, data=None, **extra):
        from urllib.parse import urlencode

        if isinstance(data, dict):
            return super().post(path, urlencode(data), content_type="application/x-www-form-urlencoded", **extra)
        return super().post(path, data, **extra)


@pytest.fixture
def client311():
    return Open311Client()


@pytest.fixture
def key(api_key):
    return api_key[1]


def form(key, **extra):
    body = {"api_key": key, "service_code": "urban",
            "description": "七里河区某小区六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。",
            "lat": "36.0611", "long": "103.8343", "email": "wang@example.com", "first_name": "明",
            "last_name": "王", "attribute[kind]": "help", "attribute[region]": "620103"}
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def test_discovery(client311, db):
    body = client311.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert "application/json" in body["endpoints"][0]["formats"]
    root = xml(client311.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services(client311, directory):
    Topic.objects.create(code="elevator", name="加装电梯", parent=directory["topic_build"], keywords="电梯，加装 老旧小区")
    services = client311.get(f"{BASE}/services.json").json()
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["elevator"]["group"] == "城乡建设" and by_code["urban"]["group"] == "城乡建设"
    assert by_code["elevator"]["keywords"] == "电梯,加装,老旧小区"
    assert by_code["environment"]["service_name"] == "环境保护"
    root = xml(client311.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == set(by_code)
    assert root.find("service/metadata").text == "true"


def test_service_definition(client311, directory):
    body = client311.get(f"{BASE}/services/urban.json").json()
    validate("service-definition.json", body)
    codes = {a["code"]: a for a in body["attributes"]}
    assert {"kind", "region", "addressee", "show_name", "title"} <= set(codes)
    assert {v["key"] for v in codes["kind"]["values"]} == {"suggest", "complain", "help", "consult", "thanks"}
    assert codes["addressee"]["values"][0]["key"] == str(directory["mayor"].pk)
    root = xml(client311.get(f"{BASE}/services/urban.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "urban"
    kind = next(a for a in root.findall("attributes/attribute") if a.findtext("code") == "kind")
    assert kind.find("values/value/key") is not None
    missing = client311.get(f"{BASE}/services/nothing.json")
    assert missing.status_code == 404 and spec_error_of(missing)["code"] == 404
    missing_xml = xml(client311.get(f"{BASE}/services/nothing.xml"))
    assert missing_xml.tag == "errors" and missing_xml.findtext("error/code") == "404"


def test_an_unknown_service_code_is_worded_alike_read_or_posted(client311, key, directory):
    """Posting ``service_code=nope`` named the code and where codes are listed; reading ``requests.json`` or
    ``services/nope.json`` said 「服务类型不存在: service_code nope」. Each says it as the post does, with its
    status as before (a definition of none: 404), and a switched-off one's definition says it is switched off."""
    said = "service_code: 没有代码为 nope 的服务类型 (可用的服务类型见 /open311/v2/services.json)"
    posted = client311.post(f"{BASE}/requests.json", form(key, service_code="nope"))
    listed = client311.get(f"{BASE}/requests.json", {"service_code": "urban,nope"})
    defined = client311.get(f"{BASE}/services/nope.json")
    assert [r.status_code for r in (posted, listed, defined)] == [400, 400, 404]
    assert [spec_error_of(r)["message"] for r in (posted, listed, defined)] == [said] * 3
    assert f"<description>{said}</description>" in client311.get(f"{BASE}/services/nope.xml").content.decode()
    Topic.objects.filter(code="environment").update(is_active=False)
    off = client311.get(f"{BASE}/services/environment.json")
    assert off.status_code == 404 and spec_error_of(off)["message"] == (
        "service_code: 服务类型 environment (环境保护) 已停用 (可用的服务类型见 /open311/v2/services.json)")


def test_post_request_creates_the_message_a_form_would(client311, key, personas, directory, as_persona):
    response = client311.post(f"{BASE}/requests.json", form(key))
    assert response.status_code == 200, response.content
    [created] = response.json()
    message = Message.objects.get(public_id=created["service_request_id"])
    assert created["token"] == Open311Request.objects.get(message=message).token
    assert "编号" in created["service_notice"]
    assert message.status == "submitted" and message.kind == "help"
    assert message.region.code == "620103" and message.topic.code == "urban"
    assert message.title == "七里河区某小区六层住宅没有电梯, 老人上下楼非常困难, 希…"
    assert float(message.latitude) == pytest.approx(36.0611)
    assert message.author.email == "wang@example.com" and message.author.display_name == "王明"
    assert message.contact_email == "wang@example.com" and not message.author.has_usable_password()
    assert Event.objects.filter(message=message, kind="submitted", actor=message.author).exists()
    # the same email again: the same citizen
    again = client311.post(f"{BASE}/requests.json", form(key, description="同一位市民的第二条留言: 小区门口路灯坏了两个星期, 晚上很黑。"))
    assert Message.objects.get(public_id=again.json()[0]["service_request_id"]).author == message.author
    assert User.objects.filter(email="wang@example.com").count() == 1
    # routed the same way: the dispatcher's default is the responsibility list (城乡建设 in 兰州市 → 住建局)
    dispatched = as_persona("dispatcher").post(f"/api/v1/staff/cases/{message.public_id}/dispatch/", {},
                                               format="json")
    assert dispatched.json()["assignments"][0]["unit"]["name"] == "兰州市住房和城乡建设局"


def test_post_with_phone_and_address_only(client311, key, directory):
    body = form(key, email=None, lat=None, long=None, phone="13900001111", address_string="城关区张掖路 88 号")
    response = client311.post(f"{BASE}/requests.xml", body)
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    public_id = root.findtext("request/service_request_id")
    message = Message.objects.get(public_id=public_id)
    assert message.author.phone == "13900001111" and message.address == "城关区张掖路 88 号"
    assert message.contact_phone == "13900001111"  # a mobile names the account, as before


@pytest.mark.parametrize("phone", ["+86 138-0000-0001", "(138) 0000 0001", "１３８０００００００１", "0086 13800000001"])
def test_post_with_a_phone_written_otherwise_is_the_citizen_with_that_phone(client311, key, personas, phone):
    """A hotline system writes numbers its own way: the request is the registered
    citizen's (in 我的留言), as signing in with that number would be, not a second account."""
    users = User.objects.count()
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=phone))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.author == personas["citizen"] and User.objects.count() == users


@pytest.mark.parametrize("placeholder", ["12345", "00000", "0000000", "000-0000"])
def test_a_placeholder_phone_gathers_no_callers_into_one_account(client311, api_key, directory, placeholder):
    """A case system sends 12345 (or 00000) when the caller gave no number: every such request
    was filed under one citizen account keyed by it, whose holder read all of them in 我的留言.
    Now the number is left out, the request kept under the key's own account, and the answer says so."""
    row, key = api_key
    answers = [client311.post(f"{BASE}/requests.json", form(key, email=None, phone=placeholder)) for _ in range(2)]
    assert [r.status_code for r in answers] == [200, 200], answers[0].content
    assert all("phone 不是可回拨的号码" in r.json()[0]["service_notice"] for r in answers)
    messages = [Message.objects.get(public_id=r.json()[0]["service_request_id"]) for r in answers]
    row.refresh_from_db()
    assert [m.author for m in messages] == [row.service_user] * 2 and row.service_user.phone is None
    assert [m.contact_phone for m in messages] == ["", ""]
    assert not User.objects.filter(username__in=[placeholder, placeholder.replace("-", "")]).exists()


def test_a_landline_is_the_number_the_unit_calls_back(client311, api_key, directory, personas, login):
    """A 12345 caller rings from a landline: it cannot receive a sign-in code, so it names no
    account (one keyed by it could never be signed in to); the request is the key's, and the
    staff case page shows the landline, as sent, to call the caller back."""
    row, key = api_key
    users = User.objects.count()
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone="0931-8123456-801"))
    assert response.status_code == 200, response.content
    assert "phone" not in response.json()[0]["service_notice"]
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    row.refresh_from_db()
    assert message.author == row.service_user and User.objects.count() == users + 1  # the service account
    page = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    # the number to dial, then the extension to ask for (since 2026-12-08; it was shown as sent)
    assert "留言人联系方式" in page and "电话 0931-8123456 分机 801" in page


@pytest.mark.parametrize("phone, kept, shown", [
    ("0931-8123456转801", "0931-8123456转801", "电话 0931-8123456 分机 801"),
    ("8123456分机801", "8123456分机801", "电话 8123456 分机 801"),
    # longer than the field (20): kept without its spaces and brackets, as any number
    ("(0931)8123456 ext. 801", "09318123456ext.801", "电话 09318123456 分机 801"),
])
def test_a_landline_with_an_extension_in_words_is_the_number_to_call_back(client311, key, directory, personas,
                                                                          login, phone, kept, shown):
    """转, 分机, ext.: the same reading as the staff lists' (accounts.phones.split_extension); until 2026-12-08
    「phone 格式不正确」, the request refused."""
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=phone))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.contact_phone == kept
    page = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    assert shown in page


def test_a_hotline_callers_name_is_shown_to_staff_who_call_back_never_to_the_public(
        client311, api_key, directory, personas, login, as_persona):
    """A 12345 caller from a landline gives 王 / 先生: the request is the key's service account's,
    whose name is the system's; the name is the message's 联系人, so the officer calling back knows
    whom to ask for (it was dropped). Staff who hold the case see it; the public never does."""
    row, key = api_key
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone="0931-8123456",
                                                            last_name="王", first_name="先生"))
    assert response.status_code == 200, response.content
    public_id = response.json()[0]["service_request_id"]
    message = Message.objects.get(public_id=public_id)
    row.refresh_from_db()
    assert message.author == row.service_user and message.contact_name == "王先生"
    page = login(personas["dispatcher"]).get(f"/staff/case/{public_id}/").content.decode()
    assert "联系人 王先生" in page and "电话 0931-8123456" in page
    case = as_persona("dispatcher").get(f"/api/v1/staff/cases/{public_id}/").json()
    assert (case["contact_name"], case["contact_phone"]) == ("王先生", "0931-8123456")
    advance(message, personas, directory, "accepted")
    public_page = Client().get(f"/m/{public_id}/")
    public_api = as_persona("anonymous").get(f"/api/v1/messages/{public_id}/")
    record = client311.get(f"{BASE}/requests/{public_id}.json")
    assert [r.status_code for r in (public_page, public_api, record)] == [200, 200, 200]
    for answer in (public_page, public_api, record):
        text = answer.content.decode()
        assert "王先生" not in text and "8123456" not in text


def test_a_name_sent_with_a_citizens_number_is_the_contact_and_leaves_their_nickname(
        client311, key, directory, personas, login):
    """A key never renames an account: the registered citizen keeps 小李; the name the caller gave
    this time is the message's 联系人, beside the account's name on the case page."""
    citizen = personas["citizen"]
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=citizen.phone,
                                                            last_name="李", first_name="女士"))
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    citizen.refresh_from_db()
    assert message.author == citizen and citizen.display_name == "小李"
    page = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    assert "小李" in page and "联系人 李女士" in page and f"电话 {citizen.phone}" in page


def test_a_request_without_a_name_has_no_contact_name(client311, key, directory, personas, login):
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone="0931-8123456",
                                                            first_name=None, last_name=None))
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.contact_name == ""
    page = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    assert "电话 0931-8123456" in page and "联系人" not in page


def test_an_email_and_a_landline_are_the_emails_account_with_the_landline_to_call(client311, key, directory):
    response = client311.post(f"{BASE}/requests.json", form(key, phone="(0931) 812 3456"))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    author = message.author
    assert (author.username, author.email, author.phone) == ("wang@example.com", "wang@example.com", None)
    assert (message.contact_phone, message.contact_email) == ("(0931) 812 3456", "wang@example.com")
    again = client311.post(f"{BASE}/requests.json", form(key, email="WANG@example.com", phone="400-810-1234"))
    message = Message.objects.get(public_id=again.json()[0]["service_request_id"])
    assert message.author == author and message.contact_phone == "400-810-1234"


@pytest.mark.parametrize("phone", ["13800000001转802", "138 0000 0001 x802", "+86 138-0000-0001 分机 802",
                                   "13800000001-802", "+86 13800000001 - 802"])
def test_a_mobile_sent_with_an_extension_is_the_citizens_mobile(client311, key, personas, login, phone):
    """A mobile has no extension: the mobile names the citizen's account, the extension is dropped, and the
    dispatcher finds the case by the whole mobile (review of 2026-12-08: it was filed under the key's service
    account, the number kept as a landline, and 查找 by 13800000001 missed it; before that, 「phone 格式不正确」)."""
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=phone))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.author == personas["citizen"] and message.contact_phone == "13800000001"
    queue = login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "13800000001"}).content.decode()
    assert message.title in queue


@pytest.mark.parametrize("phone", ["0931-812345a", "+", "138 0000 0001 ext", "转802", "0931-812345a转802"])
def test_a_phone_that_is_no_number_is_refused(client311, key, directory, phone):
    response = client311.post(f"{BASE}/requests.json", form(key, phone=phone))
    assert response.status_code == 400 and spec_error_of(response)["message"] == "phone 格式不正确"
    assert not Message.objects.exists()


@pytest.mark.parametrize("names", [{"last_name": "13912345678"}, {"first_name": "身份证620102199001011234"},
                                   {"first_name": "wang@example.com"}])
def test_a_name_holding_a_phone_id_or_email_is_refused(client311, key, directory, names):
    """The name becomes the nickname that show_name publishes beside the message: the
    registration form refuses such a nickname, and so does a request."""
    response = client311.post(f"{BASE}/requests.json", form(key, email="new@example.com",
                                                            **{"attribute[show_name]": "true", **names}))
    assert response.status_code == 400, response.content
    said = spec_error_of(response)["message"]
    assert said.startswith("first_name, last_name: ")  # both named, as the two fields were
    assert "手机号" in said and not Message.objects.exists()


def test_two_requests_of_a_new_citizen_at_once_share_one_account(client311, key, directory, monkeypatch):
    """A hotline system sends two requests of the same new caller together: the second one
    to create the account finds it made by the first (on PostgreSQL both read "no such
    account" first, and the second insert was an IntegrityError, a 500)."""
    real = User.set_unusable_password

    def the_other_request_first(self):  # between this request's look-up and its insert
        if self.pk is None and not User.objects.filter(username="new@example.com").exists():
            User.objects.create(username="new@example.com", email="new@example.com")
        return real(self)

    monkeypatch.setattr(User, "set_unusable_password", the_other_request_first)
    response = client311.post(f"{BASE}/requests.json", form(key, email="new@example.com"))
    assert response.status_code == 200, response.content
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.author == User.objects.get(username="new@example.com")


def test_post_without_contact_uses_the_keys_service_user(client311, key, directory, api_key):
    response = client311.post(f"{BASE}/requests.json", form(key, email=None))
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    api_key[0].refresh_from_db()
    assert message.author == api_key[0].service_user


def test_a_number_the_citizen_gave_up_is_not_their_account_and_no_answer_tells_which_is(client311, key, personas,
                                                                                      as_persona):
    """A citizen moved their account to a new number (更换手机号或邮箱): a request with the old one —
    a 12345 database's stale record, or the number's new holder calling — is filed under a new account
    of the old number, never theirs (whoever holds that number reads it, after setting a password with
    忘记密码); one with the new number is theirs. The answer is the same whether a number has an account
    or not, or belongs to staff: a key holder learns nothing of who has an account."""
    from minsheng.accounts.rights import rebind

    citizen = personas["citizen"]
    rebind(citizen, "13900002222", "ms-test-pass-1")
    User.objects.filter(pk=personas["officer"].pk).update(phone="13600004444")
    posted = {}
    for label, phone in (("old", "13800000001"), ("new", "13900002222"), ("none", "13700003333"),
                         ("staff", "13600004444")):
        response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=phone))
        assert response.status_code == 200, (label, response.content)
        (answer,) = response.json()
        posted[label] = (Message.objects.get(public_id=answer["service_request_id"]), answer)
    old, new = posted["old"][0], posted["new"][0]
    assert old.author != citizen and old.author.phone == "13800000001" and not old.author.has_usable_password()
    assert new.author == citizen
    mine = [m["public_id"] for m in as_persona("citizen").get("/api/v1/me/messages/").json()["results"]]
    assert new.public_id in mine and old.public_id not in mine
    shapes = {label: (tuple(sorted(a)), a.get("account_id"), a["service_notice"].replace(m.public_id, "N"))
              for label, (m, a) in posted.items()}
    assert len(set(shapes.values())) == 1, shapes


def test_post_never_acts_as_a_staff_member(client311, key, personas):
    response = client311.post(f"{BASE}/requests.json", form(key, email="zhang@example.gov.cn"))  # the officer's
    message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert message.author != personas["officer"]


def test_a_retry_with_the_same_idempotency_key_answers_the_first_request(client311, key, directory, monkeypatch):
    """A phone app's post timed out and it sends it again: one message, and the retry gets
    the first answer (the same service_request_id and token) with Idempotent-Replayed."""
    from minsheng.api.open311 import views

    submitted = []
    real = views.submit
    monkeypatch.setattr(views, "submit", lambda *args: submitted.append(1) or real(*args))
    first = client311.post(f"{BASE}/requests.json", form(key), HTTP_IDEMPOTENCY_KEY="app-311-0001")
    # the key now as a header: a credential, not a part of the request
    again = client311.post(f"{BASE}/requests.json", form(None), HTTP_IDEMPOTENCY_KEY="app-311-0001",
                           HTTP_X_API_KEY=key)
    assert first.status_code == again.status_code == 200, again.content
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert submitted == [1]  # the retry checks no form and stores nothing
    assert Message.objects.count() == Open311Request.objects.count() == 1
    [answer] = again.json()
    assert answer["service_request_id"] == Message.objects.get().public_id
    assert answer["token"] == Open311Request.objects.get().token
    # without the header every post creates, as before
    plain = [client311.post(f"{BASE}/requests.json", form(key)) for _ in range(2)]
    assert all(r.status_code == 200 and "Idempotent-Replayed" not in r for r in plain)
    assert len({r.json()[0]["service_request_id"] for r in plain} | {answer["service_request_id"]}) == 3
    assert Message.objects.count() == 3


def test_an_idempotent_retry_in_xml_answers_the_first_xml(client311, key, directory):
    first = client311.post(f"{BASE}/requests.xml", form(key), HTTP_IDEMPOTENCY_KEY="app-311-0002")
    again = client311.post(f"{BASE}/requests.xml", form(key), HTTP_IDEMPOTENCY_KEY="app-311-0002")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    root = xml(again)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Message.objects.get().public_id
    assert root.findtext("request/token") == Open311Request.objects.get().token


def test_an_idempotent_retry_saves_its_photo_once(key, directory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.board.models import Attachment

    from .test_api_citizen import png_bytes

    client = APIClient()
    answers = [client.post(f"{BASE}/requests.json", {**form(key), "media": SimpleUploadedFile(
        "stairs.png", png_bytes(), "image/png")}, format="multipart", HTTP_IDEMPOTENCY_KEY="app-311-0003")
        for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[1]["Idempotent-Replayed"] == "true"
    assert Message.objects.count() == Attachment.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(client311, key, directory):
    client311.post(f"{BASE}/requests.json", form(key), HTTP_IDEMPOTENCY_KEY="app-311-0004")
    other = form(key, description="另一件事: 小区门口的路灯坏了两个星期, 晚上出行很不方便。")
    refused = client311.post(f"{BASE}/requests.json", other, HTTP_IDEMPOTENCY_KEY="app-311-0004")
    assert refused.status_code == 409 and spec_error_of(refused)["code"] == 409
    assert "Idempotency-Key" in spec_error_of(refused)["message"]
    as_xml = client311.post(f"{BASE}/requests.xml", other, HTTP_IDEMPOTENCY_KEY="app-311-0004")
    assert as_xml.status_code == 409
    root = xml(as_xml)
    assert root.tag == "errors" and root.findtext("error/code") == "409"
    assert "Idempotency-Key" in root.findtext("error/description") and "换一个键" in root.findtext("error/description")
    # the URL's jurisdiction_id is a part of the request too
    moved = client311.post(f"{BASE}/requests.json?jurisdiction_id=620100", form(key),
                           HTTP_IDEMPOTENCY_KEY="app-311-0004")
    assert moved.status_code == 409
    bad = client311.post(f"{BASE}/requests.json", form(key), HTTP_IDEMPOTENCY_KEY="键")
    assert bad.status_code == 400 and "Idempotency-Key" in spec_error_of(bad)["message"]
    assert Message.objects.count() == 1


def test_idempotency_keys_are_each_api_keys_own(client311, key, personas, directory, as_persona):
    """Two systems (or a system and a citizen's app) that happen to pick one key string
    each post their own message: keys are scoped per Open311 key, as per user in REST."""
    from minsheng.api.models import Open311Key

    _, other_key = Open311Key.issue("另一个系统")
    ours = client311.post(f"{BASE}/requests.json", form(key), HTTP_IDEMPOTENCY_KEY="shared-1")
    theirs = client311.post(f"{BASE}/requests.json", form(other_key), HTTP_IDEMPOTENCY_KEY="shared-1")
    assert ours.status_code == theirs.status_code == 200 and "Idempotent-Replayed" not in theirs
    assert ours.json()[0]["service_request_id"] != theirs.json()[0]["service_request_id"]
    rest = as_persona("citizen").post("/api/v1/messages/", {
        "title": "学校门口接送车辆拥堵", "body": "城关区某小学门口每天放学时车辆拥堵, 孩子过马路很危险, 建议设置临时停车区。",
        "kind": "suggest", "region": "620102", "topic": "traffic"}, format="json", HTTP_IDEMPOTENCY_KEY="shared-1")
    assert rest.status_code == 201 and "Idempotent-Replayed" not in rest
    assert Message.objects.count() == 3


def test_two_requests_with_one_idempotency_key_at_once_create_one_message(client311, key, api_key, directory,
                                                                        monkeypatch):
    """The other request committed its message and key while this one was on its way: the
    unique key rolls this one's message back and it answers the other's."""
    import secrets

    from minsheng.api import idempotency
    from minsheng.api.models import IdempotencyKey
    from minsheng.board import actions

    real = idempotency._fingerprint

    def the_other_request_commits_first(request):
        fingerprint = real(request)
        other = actions.do_submit(api_key[0].service_user or User.objects.create(username="svc"),
                                  title="同一请求的另一次提交", body=form(key)["description"], kind="help",
                                  region=directory["chengguan"])
        Open311Request.objects.create(message=other, api_key=api_key[0], token=secrets.token_urlsafe(16))
        IdempotencyKey.objects.create(api_key=api_key[0], key="k-1", message=other, fingerprint=fingerprint)
        return fingerprint

    monkeypatch.setattr(idempotency, "_fingerprint", the_other_request_commits_first)
    answer = client311.post(f"{BASE}/requests.json", form(key), HTTP_IDEMPOTENCY_KEY="k-1")
    assert answer.status_code == 200, answer.content
    assert answer["Idempotent-Replayed"] == "true"
    other = Message.objects.get()  # this request's own message was rolled back
    assert other.title == "同一请求的另一次提交"
    assert answer.json()[0]["service_request_id"] == other.public_id
    assert answer.json()[0]["token"] == other.open311.token


@pytest.mark.parametrize("change, needle", [
    ({"service_code": None}, "service_code"), ({"service_code": "nope"}, "service_code"),
    ({"description": None}, "description"), ({"description": "太短"}, "description"),
    ({"lat": None, "long": None}, "address_string"), ({"lat": "north"}, "lat"), ({"long": None}, "long"),
    ({"attribute[kind]": "rant"}, "attribute[kind]"), ({"attribute[region]": "999999"}, "attribute[region]"),
    ({"attribute[show_name]": "maybe"}, "show_name"), ({"email": "not-an-email"}, "email"),
    ({"email": "a" * 139 + "@example.com"}, "email"),  # 151: longer than an account's user name (a 500)
    ({"media_url": "javascript:alert(1)"}, "media_url"), ({"attribute[addressee]": "x"}, "addressee"),
])
def test_post_errors_are_400(client311, key, directory, change, needle):
    response = client311.post(f"{BASE}/requests.json", form(key, **change))
    assert response.status_code == 400, response.content
    err = spec_error_of(response)
    assert needle in err["message"], err  # named, as the API's 400s are
    assert not Message.objects.exists()
    as_xml = xml(client311.post(f"{BASE}/requests.xml", form(key, **change)))
    assert as_xml.tag == "errors" and as_xml.findtext("error/code") == "400"


@pytest.mark.parametrize("code, said", [
    ("nope", "service_code: 没有代码为 nope 的服务类型 (可用的服务类型见 /open311/v2/services.json)"),
    ("environment", "service_code: 服务类型 environment (环境保护) 已停用 (可用的服务类型见 /open311/v2/services.json)"),
])
def test_a_service_code_that_is_none_is_said_in_open311s_words(client311, key, directory, code, said):
    """The web form's words for a topic it cannot take, 「所选的领域不存在, 请重新选择 (不确定的可选「不确定」…)」, came
    back to an Open311 client too (2026-12-07, briefly), which has no 「不确定」 to choose and chose no 领域 but
    a service_code. It is told the code it sent names no service type (or a switched-off one), and where they are
    listed, as a read of an unknown service_code is."""
    Topic.objects.filter(code="environment").update(is_active=False)
    response = client311.post(f"{BASE}/requests.json", form(key, service_code=code))
    assert response.status_code == 400, response.content
    assert spec_error_of(response)["message"] == said
    assert "不确定" not in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("query, field", [
    ("start_date=yesterday", "start_date"), ("end_date=1900-01-01", "end_date"), ("status=pending", "status"),
    ("start_date=2026-01-01&end_date=2026-06-30", "end_date"), ("start_date=2026-02-01&end_date=2026-01-01", "end_date"),
])
def test_read_errors_name_the_parameter(client311, directory, query, field):
    err = spec_error_of(client311.get(f"{BASE}/requests.json?{query}"))
    assert err["code"] == 400 and field in err["message"], err


@pytest.mark.parametrize("credential", [None, "o311_wrong"])
def test_post_needs_a_valid_api_key(client311, directory, credential):
    response = client311.post(f"{BASE}/requests.json", form(credential))
    assert response.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize("persona", ["citizen", "officer", "dispatcher"])
def test_a_personal_token_is_not_an_api_key(as_persona, directory, persona):
    response = as_persona(persona).post(f"{BASE}/requests.json", form(None))
    assert response.status_code == 403


def test_jurisdiction_rules(client311, key, directory):
    assert client311.get(f"{BASE}/services.json").status_code == 200  # one province: optional
    Region.objects.create(code="610000", name="陕西省", level=1)
    needs = client311.get(f"{BASE}/services.json")
    assert needs.status_code == 400 and "jurisdiction_id" in spec_error_of(needs)["message"]
    assert client311.get(f"{BASE}/services.json?jurisdiction_id=620000").status_code == 200
    unknown = client311.get(f"{BASE}/services.json?jurisdiction_id=123456")
    assert unknown.status_code == 404
    # the REST API's words for an unknown region (api.inputs.unknown_region; 「区划代码不存在: jurisdiction_id
    # 123456」 until 2026-12-07), as an unknown service_code reads as an unknown REST topic
    assert spec_error_of(unknown)["message"] == (
        "没有代码为 123456 的行政区划 (可用的区划见 /api/v1/regions/; jurisdiction_id 为其中的区划代码)")
    outside = client311.post(f"{BASE}/requests.json", form(key, jurisdiction_id="610000"))
    assert outside.status_code == 400 and "jurisdiction_id" in spec_error_of(outside)["message"]
    # the jurisdiction is the default region
    inside = client311.post(f"{BASE}/requests.json", form(key, **{"jurisdiction_id": "620100",
                                                                  "attribute[region]": None}))
    assert inside.status_code == 200
    assert Message.objects.get().region.code == "620100"


@pytest.fixture
def published(personas, directory):
    p, d = personas, directory
    return {
        "replied": advance(submit(p["citizen"], d, title="已答复的留言"), p, d, "replied"),
        "open": advance(submit(p["citizen"], d, title="在办的留言", topic="topic_env", region="qilihe"), p, d,
                        "dispatched"),
        "pending": submit(p["citizen"], d, title="未审核的留言"),
    }


def test_a_case_the_unit_returned_has_no_agency_responsible_until_it_is_dispatched_again(
        client311, personas, directory):
    """`agency_responsible` is the lead unit (docs/open311.md). A case its lead unit returned (退单) is
    待派单 again and has none; it named the unit that had just said the case was not its own, so a
    hotline system syncing the requests filed it with that unit. Dispatched again, it is the new
    lead unit."""
    p, d = personas, directory
    message = advance(submit(p["citizen"], d, title="退回重派的留言"), p, d, "dispatched")
    actions.do_return(p["officer"], message, d["housing"], "不属于本单位职责")

    def record():
        return client311.get(f"{BASE}/requests/{message.public_id}.json").json()[0]

    returned = record()
    # no unit: left out of the JSON, as every field without a value (swagger.json allows no null)
    assert (returned["status_notes"], returned.get("agency_responsible", "absent")) == ("待派单", "absent")
    validate("requests.json", [returned])
    actions.do_dispatch(p["dispatcher"], Message.objects.get(pk=message.pk), d["ecology"])
    assert record()["agency_responsible"] == d["ecology"].name


def test_get_requests(client311, published):
    body = client311.get(f"{BASE}/requests.json").json()
    validate("requests.json", body)
    by_id = {r["service_request_id"]: r for r in body}
    assert set(by_id) == {published["replied"].public_id, published["open"].public_id}
    replied = by_id[published["replied"].public_id]
    assert replied["status"] == "closed" and replied["status_notes"] == "已答复: 兰州市住房和城乡建设局已答复"
    assert replied["agency_responsible"] == "兰州市住房和城乡建设局" and replied["service_code"] == "urban"
    last = Event.objects.filter(message=published["replied"], public=True).latest("at").at
    assert dt.datetime.fromisoformat(replied["updated_datetime"]) == last.replace(microsecond=0)
    # a private step later (an assisting unit's note to staff) does not move the public time
    Event.objects.create(message=published["replied"], kind=Event.Kind.ASSIST_NOTE, public=False,
                         at=last + dt.timedelta(hours=2), data={"body": "内部意见"})
    again = {r["service_request_id"]: r for r in client311.get(f"{BASE}/requests.json").json()}
    assert again[published["replied"].public_id]["updated_datetime"] == replied["updated_datetime"]
    opened = by_id[published["open"].public_id]
    assert opened["status"] == "open" and opened["expected_datetime"]
    only_open = client311.get(f"{BASE}/requests.json?status=open").json()
    assert [r["service_request_id"] for r in only_open] == [published["open"].public_id]
    env = client311.get(f"{BASE}/requests.json?service_code=environment").json()
    assert [r["service_request_id"] for r in env] == [published["open"].public_id]
    chosen = client311.get(f"{BASE}/requests.json",
                           {"service_request_id": f"{published['replied'].public_id},{published['pending'].public_id}"})
    assert [r["service_request_id"] for r in chosen.json()] == [published["replied"].public_id]
    root = xml(client311.get(f"{BASE}/requests.xml?status=closed"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "closed"
    assert root.find("request/zipcode") is not None  # null → an empty element


def test_get_requests_date_range(client311, published):
    today = timezone.localdate()
    inside = client311.get(f"{BASE}/requests.json", {"start_date": (today - dt.timedelta(days=1)).isoformat(),
                                                      "end_date": today.isoformat()})
    assert len(inside.json()) == 2
    before = client311.get(f"{BASE}/requests.json", {"end_date": (today - dt.timedelta(days=5)).isoformat()})
    assert before.json() == []
    too_long = client311.get(f"{BASE}/requests.json", {"start_date": "2026-01-01T00:00:00+08:00",
                                                        "end_date": "2026-06-01T00:00:00+08:00"})
    assert too_long.status_code == 400 and "90" in spec_error_of(too_long)["message"]
    assert client311.get(f"{BASE}/requests.json?start_date=yesterday").status_code == 400
    assert client311.get(f"{BASE}/requests.json?status=pending").status_code == 400
    # one end given: the 90 days from it (a start long ago listed everything since, newest first)
    long_ago = client311.get(f"{BASE}/requests.json", {"start_date": (today - dt.timedelta(days=200)).isoformat()})
    assert long_ago.json() == []
    recent = client311.get(f"{BASE}/requests.json", {"start_date": (today - dt.timedelta(days=80)).isoformat()})
    assert len(recent.json()) == len(client311.get(f"{BASE}/requests.json").json())


def test_xml_stays_well_formed_with_control_characters_in_a_message(client311, personas, directory):
    """A citizen's text may hold a character XML 1.0 forbids (a vertical tab pasted from a
    document): the feed drops it instead of becoming unreadable for every client."""
    message = submit(personas["citizen"], directory, title="小区电梯\x0b加装进展缓慢",
                     body="我们小区是老旧小区\x01, 六层楼没有电梯\x1f, 老人上下楼很困难, 希望尽快加装电梯。")
    advance(message, personas, directory, "accepted")
    root = xml(client311.get(f"{BASE}/requests.xml"))
    assert root.findtext("request/description") == "我们小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。"
    one = xml(client311.get(f"{BASE}/requests/{message.public_id}.xml"))
    assert one.findtext("request/service_request_id") == message.public_id
    error = xml(client311.get(f"{BASE}/requests/x%01y.xml"))
    assert error.findtext("error/code") == "404" and "xy" in error.findtext("error/description")


def test_get_one_request_and_token(client311, key, published):
    one = client311.get(f"{BASE}/requests/{published['replied'].public_id}.json").json()
    validate("requests.json", one)
    assert len(one) == 1 and one[0]["service_request_id"] == published["replied"].public_id
    assert client311.get(f"{BASE}/requests/{published['pending'].public_id}.json").status_code == 404
    root = xml(client311.get(f"{BASE}/requests/none.xml"))
    assert root.tag == "errors" and root.findtext("error/code") == "404"
    # a request posted by a key: before moderation, only that key reads it
    created = client311.post(f"{BASE}/requests.json", form(key)).json()[0]
    rid, token = created["service_request_id"], created["token"]
    assert client311.get(f"{BASE}/requests/{rid}.json").status_code == 404
    mine = client311.get(f"{BASE}/requests/{rid}.json", {"api_key": key}).json()
    validate("requests.json", mine)
    assert mine[0]["status"] == "open" and mine[0]["status_notes"] == "待审核"
    assert client311.get(f"{BASE}/tokens/{token}.json").json() == [{"service_request_id": rid, "token": token}]
    assert xml(client311.get(f"{BASE}/tokens/{token}.xml")).findtext("request/service_request_id") == rid
    assert client311.get(f"{BASE}/tokens/nope.json").status_code == 404


def test_status_mapping_of_rejected_and_merged(client311, published, personas, directory):
    from minsheng.board import actions

    dup = submit(personas["other_citizen"], directory, title="重复的电梯问题")
    actions.do_merge(personas["dispatcher"], dup, published["open"])
    body = client311.get(f"{BASE}/requests/{dup.public_id}.json").json()
    validate("requests.json", body)
    assert body[0]["status"] == "closed"
    assert body[0]["status_notes"] == f"已并单: 与留言 {published['open'].public_id} 合并办理"


def test_requests_list_runs_a_bounded_number_of_queries(client311, personas, directory,
                                                        django_assert_max_num_queries):
    for i in range(12):
        advance(submit(personas["citizen"], directory, title=f"第{i}条留言"), personas, directory, "replied")
    with django_assert_max_num_queries(6):
        body = client311.get(f"{BASE}/requests.json").json()
    assert len(body) == 12


@pytest.mark.parametrize("path", [
    f"{BASE}/services.json?jurisdiction_id=62%000", f"{BASE}/services/ur%00ban.json",
    f"{BASE}/requests.json?service_code=a%00b", f"{BASE}/requests.json?service_request_id=1%002",
    f"{BASE}/requests/1%002.xml", f"{BASE}/tokens/a%00b.json",
    "/api/v1/messages/a%00b/", "/api/v1/regions/62%000/", "/api/v1/staff/cases/a%00b/",
])
def test_nul_characters_are_a_400(client311, directory, path):
    response = client311.get(path)
    assert response.status_code == 400, response.content


def test_nul_characters_in_a_post_are_a_400(client311, key, directory):
    response = client311.post(f"{BASE}/requests.json", form(key, **{"attribute[region]": "6201\x0003"}))
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_nul_characters_in_a_json_post_are_a_400(client311, key, directory):
    body = {**form(key), "attribute[region]": "6201\x0003", "jurisdiction_id": "62\x000000"}
    response = client311.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("query", [{"end_date": "0001-01-01"}, {"start_date": "9999-12-31"},
                                   {"start_date": "9999-12-31T23:59:59+14:00"}, {"end_date": "0001-01-01T00:00:00-12:00"}])
def test_extreme_dates_are_a_400_or_empty(client311, published, query):
    response = client311.get(f"{BASE}/requests.json", query)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_end_date_on_the_last_day_of_the_calendar_is_a_400_not_a_500(client311, published, fmt):
    """An integrator's walk (2026-12-07): ``end_date=9999-12-31`` read as the next day's midnight, past the
    calendar: a 500. And the years' own last day, ``end_date=2099-12-31``, was refused as outside them."""
    response = client311.get(f"{BASE}/requests.{fmt}", {"end_date": "9999-12-31"})
    assert response.status_code == 400
    assert "end_date 应在 1990 至 2099 年之间" in response.content.decode()
    assert client311.get(f"{BASE}/requests.{fmt}", {"end_date": "2099-12-31"}).status_code == 200
    refused = client311.get(f"{BASE}/requests.{fmt}", {"end_date": "1989-12-31"})
    assert refused.status_code == 400 and "end_date 应在 1990 至 2099 年之间" in refused.content.decode()


@pytest.mark.parametrize(("name", "days", "offset"), [("start_date", -2, "+23:59"), ("end_date", 2, "-23:59")])
def test_a_date_with_an_offset_postgresql_refuses_is_read_as_the_moment_it_names(
        client311, published, name, days, offset):
    """An integrator's walk (2026-12-07): an offset Python reads and PostgreSQL refuses (beyond ±15:59) was
    sent to the database as it was: a 500 there. It names a moment, read in UTC, as a cursor's is. (It fails on the
    old code in the PostgreSQL pass only: Django's SQLite backend converts an aware time to UTC itself.)"""
    day = timezone.localdate() + dt.timedelta(days=days)
    response = client311.get(f"{BASE}/requests.json", {name: f"{day.isoformat()}T00:59:00{offset}"})
    assert response.status_code == 200
    assert published["replied"].public_id in {r["service_request_id"] for r in response.json()}


def test_the_citizen_sees_which_system_posted_in_their_name(client311, key, personas, directory, login):
    """A key holder posting with a citizen's phone attaches the request to their account (as
    12345 records a caller's number): the citizen sees who did it, in 我的留言 and on the page,
    and can withdraw a request that was not theirs before it is dispatched."""
    own = submit(personas["citizen"], directory, title="自己在网站上提交的留言")
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone="13800000001"))
    public_id = response.json()[0]["service_request_id"]
    citizen = login(personas["citizen"])
    rows = citizen.get("/me/messages/").content.decode().split("<li>")
    posted = next(row for row in rows if public_id in row)
    assert "由 测试系统 代为提交" in posted
    assert "代为提交" not in next(row for row in rows if own.public_id in row)
    page = citizen.get(f"/m/{public_id}/").content.decode()
    assert "由 测试系统 代为提交" in page and f"/m/{public_id}/withdraw/" in page
    assert "代为提交" not in citizen.get(f"/m/{own.public_id}/").content.decode()
    Open311Key.objects.all().delete()  # a key deleted since: the request is still not the citizen's own
    assert "由 接入系统 代为提交" in citizen.get("/me/messages/").content.decode()


def test_the_citizens_api_says_which_system_posted_in_their_name(client311, key, personas, directory, login,
                                                                  django_assert_max_num_queries):
    """Their page said 「由 测试系统 代为提交」; /api/v1/me/messages/ and the message did not say it at
    all: an app showed a request 12345 posted with their phone as if they had written it."""
    own = submit(personas["citizen"], directory, title="自己在网站上提交的留言")
    public_id = client311.post(f"{BASE}/requests.json", form(key, email=None, phone="13800000001")).json()[0][
        "service_request_id"]
    citizen = login(personas["citizen"])
    with django_assert_max_num_queries(8):  # read with the list, not a query a row
        rows = {r["public_id"]: r for r in citizen.get("/api/v1/me/messages/").json()["results"]}
    assert rows[public_id]["submitted_by"] == "测试系统" and rows[own.public_id]["submitted_by"] is None
    assert citizen.get(f"/api/v1/me/messages/{public_id}/").json()["submitted_by"] == "测试系统"
    assert citizen.get(f"/api/v1/me/messages/{own.public_id}/").json()["submitted_by"] is None
    Open311Key.objects.all().delete()  # a key deleted since: still not the citizen's own
    assert citizen.get(f"/api/v1/me/messages/{public_id}/").json()["submitted_by"] == "接入系统"
    # the staff inbox, which shares the list's serializer, is left as it was
    staff = login(personas["dispatcher"])
    assert "submitted_by" not in staff.get("/api/v1/staff/inbox/").json()["results"][0]
    schemas = citizen.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "submitted_by" in schemas["OwnList"]["properties"] and "submitted_by" in schemas["OwnMessage"]["properties"]
    assert "submitted_by" not in schemas["InboxItem"]["properties"]


def test_a_read_needs_no_key_but_a_wrong_one_is_refused_as_docs_say(client311, key, directory):
    assert client311.get(f"{BASE}/services.json").status_code == 200
    assert client311.get(f"{BASE}/services.json", {"api_key": key}).status_code == 200
    wrong = client311.get(f"{BASE}/services.json", {"api_key": "not-a-key"})
    assert wrong.status_code == 403
    assert "api_key 无效或已停用" in wrong.content.decode()
    Open311Key.objects.update(is_active=False)
    assert client311.get(f"{BASE}/services.json", {"api_key": key}).status_code == 403


LONG = "z" * 5_000  # a bad value as long as a request line holds (8 KB): a script's mistake, or a probe


@pytest.mark.parametrize("path, status, named", [
    (f"{BASE}/requests.json?service_code={LONG}", 400, "service_code"),
    (f"{BASE}/requests.xml?service_code=urban,{LONG}", 400, "service_code"),
    (f"{BASE}/services.json?jurisdiction_id={LONG}", 404, "jurisdiction_id"),
    (f"{BASE}/services/{LONG}.json", 404, "service_code"),
    (f"{BASE}/requests/{LONG}.json", 404, "service_request_id"),
    (f"{BASE}/tokens/{LONG}.json", 404, "token"),
])
def test_an_error_repeats_a_long_bad_value_cut_as_the_rest_api_does(client311, directory, path, status, named):
    """An Open311 error repeated the value it refused whole: 5,000 characters of service_code came back as
    5,000 characters of description (and into the client's log). It repeats the first 100, then 「…」, as
    the REST API does (errors.echoed), and still names the parameter."""
    response = client311.get(path)
    assert response.status_code == status
    said = xml(response).find("error/description").text if path.split("?")[0].endswith(".xml") else (
        spec_error_of(response)["message"])
    assert len(said) < 200 and named in said and "z" * 100 + "…" in said, said[:300]


@pytest.mark.parametrize("path", [f"{BASE}/{LONG}.json", f"{BASE}/{LONG}.xml", f"{BASE}/requests.{LONG}"])
def test_a_long_address_no_view_serves_is_repeated_cut(client311, path):
    """The 404 of an address no view serves (or of a format none serves) repeated its path whole, 5,000
    characters of description: it repeats the path's first 100 characters, then 「…」 (errors.echoed)."""
    response = client311.get(path)
    assert response.status_code == 404
    said = xml(response).find("error/description").text if path.endswith(".xml") else spec_error_of(response)["message"]
    assert len(said) < 200 and said.startswith("该地址不存在: /open311/v2/") and said.endswith("z…"), said[:300]


def test_a_json_post_with_a_long_name_holding_a_list_names_it_cut(client311, key, directory):
    """A JSON body's parameter that is a list or an object is refused naming it: a 5,000-character name came
    back whole, twice (the description and the field named before it)."""
    body = {**form(key), LONG: ["城关区"]}
    response = client311.post(f"{BASE}/requests.json", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    said = spec_error_of(response)["message"]
    assert len(said) < 200 and said.startswith("z" * 100 + "… 应为字符串或数字"), said[:300]
    assert not Message.objects.exists()


def test_an_unknown_attribute_region_is_said_as_an_unknown_jurisdiction_id_is(client311, key, directory):
    """`attribute[region]` that is no region's code read 「attribute[region]: 请选择有效的区划」, the web page's words
    for its list, where an unknown `jurisdiction_id` of the same request names the code and where the codes are
    listed: it says so too (an integrator's walk, 2026-12-08), in JSON and in XML, and nothing is stored."""
    said = "attribute[region]: 没有代码为 999999 的行政区划 (可用的区划见 /api/v1/regions/)"
    response = client311.post(f"{BASE}/requests.json", form(key, **{"attribute[region]": "999999"}))
    assert response.status_code == 400, response.content
    assert spec_error_of(response)["message"] == said
    as_xml = xml(client311.post(f"{BASE}/requests.xml", form(key, **{"attribute[region]": "999999"})))
    assert as_xml.findtext("error/description") == said
    assert not Message.objects.exists()


def test_an_unknown_attribute_addressee_names_the_id_and_where_the_offices_are(client311, key, directory):
    """`attribute[addressee]` that is no office's read 「attribute[addressee]: 请选择有效的留言对象」, the web page's
    words for its list: it names the id and where the offices are listed, as an unknown region does (2026-12-08)."""
    said = "attribute[addressee]: 没有编号为 999999 的留言对象 (可用的留言对象见 /api/v1/addressees/)"
    response = client311.post(f"{BASE}/requests.json", form(key, **{"attribute[addressee]": "999999"}))
    assert response.status_code == 400, response.content
    assert spec_error_of(response)["message"] == said
    assert not Message.objects.exists()

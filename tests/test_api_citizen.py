# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Citizen REST API: post (photos included), my messages, rate, reopen, withdraw, support."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from django.db import connection
from django.utils import timezone
from PIL import Image

from minsheng.board import actions
from minsheng.board.models import Attachment, Event, Message, Support
from minsheng.directory.models import Topic

from .test_api_support import (  # noqa: F401 (fixtures)
    PERSONAS,
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    error_of,
    submit,
)

pytestmark = pytest.mark.django_db

NEW = {"title": "学校门口接送车辆拥堵", "body": "城关区某小学门口每天放学时车辆拥堵, 孩子过马路很危险, 建议设置临时停车区。",
       "kind": "suggest", "region": "620102", "topic": "traffic"}


def png_bytes(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "PNG")
    return buf.getvalue()


def test_citizen_posts_a_message_as_json(as_persona, personas):
    response = as_persona("citizen").post("/api/v1/messages/", NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get(public_id=body["public_id"])
    assert message.author == personas["citizen"] and message.status == "submitted"
    assert message.region.code == "620102" and message.topic.code == "traffic"
    assert Event.objects.filter(message=message, kind="submitted", actor=personas["citizen"]).exists()
    assert body["contact_phone"] == "13800000001"  # the author sees their own contact data


def test_a_retry_with_the_same_idempotency_key_posts_once(as_persona, personas, monkeypatch):
    """An app whose answer was lost on a bad line sends the post again: one message, and
    the retry answers it (Idempotent-Replayed); other fields under the key are a 409."""
    from minsheng.api.views import citizen as views

    created = []
    real = views.create_message
    monkeypatch.setattr(views, "create_message", lambda request: created.append(1) or real(request))
    citizen = as_persona("citizen")
    first = citizen.post("/api/v1/messages/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="app-7f3a-0001")
    again = citizen.post("/api/v1/messages/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="app-7f3a-0001")
    assert created == [1]  # the retry checks no form and saves no photos again
    assert first.status_code == again.status_code == 201
    assert again.json()["public_id"] == first.json()["public_id"] and again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Message.objects.filter(author=personas["citizen"]).count() == 1
    other = citizen.post("/api/v1/messages/", {**NEW, "title": "另一件事: 路灯不亮"}, format="json",
                         HTTP_IDEMPOTENCY_KEY="app-7f3a-0001")
    assert other.status_code == 409 and error_of(other)["fields"] == {"Idempotency-Key": ["已被使用"]}
    # another user's key is theirs; without the header every post creates
    assert as_persona("other_citizen").post("/api/v1/messages/", NEW, format="json",
                                            HTTP_IDEMPOTENCY_KEY="app-7f3a-0001").status_code == 201
    citizen.post("/api/v1/messages/", NEW, format="json")
    assert Message.objects.filter(author=personas["citizen"]).count() == 2
    bad = citizen.post("/api/v1/messages/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="键")
    assert bad.status_code == 400 and "Idempotency-Key" in error_of(bad)["fields"]


def test_two_posts_with_one_idempotency_key_at_once_create_one_message(as_persona, personas, directory,
                                                                      monkeypatch):
    """The other request committed its message and key while this one was on its way: the
    unique key rolls this one's message back and it answers the other's."""
    from minsheng.api import idempotency
    from minsheng.api.models import IdempotencyKey

    real = idempotency._fingerprint

    def the_other_request_commits_first(request):
        fingerprint = real(request)
        other = actions.do_submit(personas["citizen"], title="同一条留言的另一次提交", body=NEW["body"], kind="suggest",
                                  region=directory["chengguan"])
        IdempotencyKey.objects.create(user=personas["citizen"], key="k-1", message=other, fingerprint=fingerprint)
        return fingerprint

    monkeypatch.setattr(idempotency, "_fingerprint", the_other_request_commits_first)
    answer = as_persona("citizen").post("/api/v1/messages/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert answer.status_code == 201 and answer.json()["title"] == "同一条留言的另一次提交"
    assert answer["Idempotent-Replayed"] == "true"
    assert list(Message.objects.filter(author=personas["citizen"]).values_list("title", flat=True)) == [
        "同一条留言的另一次提交"]


def test_the_url_of_my_message_reads_it_before_it_is_public(as_persona):
    """The answer to a post, and my list, give the url where I read the message: the
    public one is a 404 until a dispatcher accepts it."""
    citizen = as_persona("citizen")
    url = citizen.post("/api/v1/messages/", NEW, format="json").json()["url"]
    assert url.startswith("/api/v1/me/messages/") and citizen.get(url).status_code == 200
    [item] = citizen.get("/api/v1/me/messages/").json()["results"]
    assert item["url"] == url


def test_citizen_posts_with_photos_multipart(as_persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**NEW, "photos": [SimpleUploadedFile("a.png", png_bytes(), "image/png"),
                              SimpleUploadedFile("b.png", png_bytes((0, 0, 200)), "image/png")]}
    response = as_persona("citizen").post("/api/v1/messages/", data, format="multipart")
    assert response.status_code == 201, response.content
    message = Message.objects.get(public_id=response.json()["public_id"])
    photos = Attachment.objects.filter(message=message)
    assert photos.count() == 2 and {p.width for p in photos} == {40}
    assert len(response.json()["photos"]) == 2


def test_a_file_that_is_not_an_image_is_refused(as_persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**NEW, "photos": [SimpleUploadedFile("x.png", b"not an image at all", "image/png")]}
    response = as_persona("citizen").post("/api/v1/messages/", data, format="multipart")
    assert response.status_code == 400
    assert "photos" in error_of(response)["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"), ({"title": "长" * 51}, "title"), ({"kind": "spam"}, "kind"),
    ({"region": "000000"}, "region"), ({"topic": "nope"}, "topic"), ({"addressee": 99999}, "addressee"),
    ({"latitude": 200, "longitude": 100}, "latitude"), ({"latitude": 36.06}, "longitude"),
    ({"body": "太短了"}, "body"),  # the web form's rules: 20 characters at least
])
def test_invalid_message_is_400_with_the_field(as_persona, change, field):
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in error_of(response)["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("topic, said", [
    ("nope", "没有代码为 nope 的领域 (可用的领域见 /api/v1/topics/; 不确定的可不填 topic, 由工作人员判断)"),
    ("environment", "领域 environment (环境保护) 已停用 (可用的领域见 /api/v1/topics/; 不确定的可不填 topic, 由工作人员判断)"),
])
def test_a_topic_that_is_none_is_said_in_the_apis_words(as_persona, topic, said):
    """The web form's words for a topic it cannot take, 「所选的领域不存在, 请重新选择 (不确定的可选「不确定」…)」, came
    back to the API too (2026-12-07, briefly), whose clients have no 「不确定」 to choose: they leave ``topic`` out.
    The API names the code sent, as its other unknown codes are named, and says where the codes are listed."""
    Topic.objects.filter(code="environment").update(is_active=False)
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, "topic": topic}, format="json")
    assert response.status_code == 400, response.content
    assert error_of(response)["fields"]["topic"] == [said]
    assert "不确定的可选" not in response.content.decode()
    assert not Message.objects.exists()


def test_an_unknown_topic_is_worded_alike_read_or_posted(as_persona, client):
    """Posting ``topic=nope`` named the code and where codes are listed; reading ``/messages/?topic=nope`` (and a
    staff ``topic``) said 「领域代码不存在」, the same mistake in other words. Both name it and say where to look."""
    posted = as_persona("citizen").post("/api/v1/messages/", {**NEW, "topic": "nope"}, format="json")
    read = client.get("/api/v1/messages/", {"topic": "nope"})
    assert (posted.status_code, read.status_code) == (400, 400)
    assert error_of(read)["fields"]["topic"] == ["没有代码为 nope 的领域 (可用的领域见 /api/v1/topics/)"]
    assert error_of(posted)["fields"]["topic"][0].startswith("没有代码为 nope 的领域 (可用的领域见 /api/v1/topics/")


@pytest.mark.parametrize("lat, long", [(0, 0), ("0", "0.0"), (0.0000001, -0.0000004)])
def test_a_place_at_zero_zero_is_refused_as_no_location(as_persona, lat, long):
    """A phone without a GPS fix sends latitude 0, longitude 0: a point in the Gulf of Guinea, stored as the
    message's place (walk of 2026-12-06). It is a 400 naming both, and nothing is stored."""
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, "latitude": lat, "longitude": long},
                                          format="json")
    assert response.status_code == 400, response.content
    fields = error_of(response)["fields"]
    assert fields["latitude"][0].startswith("坐标 (0, 0) 不是有效位置") and "longitude" in fields
    assert not Message.objects.exists()
    # a place on the equator or the prime meridian alone is left to the range rules
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, "latitude": 0, "longitude": 103.8},
                                          format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("field", ["title", "body", "address"])
def test_a_nul_character_gets_a_readable_error(as_persona, field):
    """Django's own text for it reads 「不允许是用空字符串。」 ("empty string not allowed")."""
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, field: NEW.get(field, "东岗西路") + "\x00"},
                                          format="json")
    assert response.status_code == 400, response.content
    assert error_of(response)["fields"][field] == ["含有无法识别的控制字符, 请删除后重试"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("field, text", [
    ("title", "\u200b" * 6), ("title", "😀" * 6), ("body", "！" * 25), ("body", "🙏\u200d" * 12),
])
def test_a_text_without_words_is_refused(as_persona, field, text):
    """Six zero-width spaces made a title every list showed blank; emoji or punctuation
    alone passed the length rules too."""
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, field: text}, format="json")
    assert response.status_code == 400, response.content
    what = "标题" if field == "title" else "内容"
    assert error_of(response)["fields"][field] == [f"{what}需要有文字, 不能只有符号、表情或不可见字符"]
    assert not Message.objects.exists()
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, field: NEW[field] + "😀"}, format="json")
    assert response.status_code == 201, response.content


def test_addressee_must_serve_the_region(as_persona, directory):
    # 兰州市市长 does not take messages about 定西市 (a rule of the web form)
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, "region": "621100",
                                                                "addressee": directory["mayor"].pk}, format="json")
    assert response.status_code == 400
    assert "不受理定西市的留言" in error_of(response)["fields"]["addressee"][0]


def test_body_that_is_not_an_object_is_400(as_persona):
    response = as_persona("citizen").post("/api/v1/messages/", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    response = as_persona("citizen").post("/api/v1/messages/", "{not json", content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize("persona, status", [("anonymous", 401), ("api_key", 403)])
def test_posting_needs_a_person(as_persona, persona, status):
    response = as_persona(persona).post("/api/v1/messages/", NEW, format="json")
    assert response.status_code == status
    assert not Message.objects.exists()


def test_my_messages_are_mine_only(as_persona, personas, directory):
    mine = submit(personas["citizen"], directory)
    theirs = submit(personas["other_citizen"], directory, title="别人的留言")
    got = [m["public_id"] for m in as_persona("citizen").get("/api/v1/me/messages/").json()["results"]]
    assert got == [mine.public_id]
    assert as_persona("citizen").get(f"/api/v1/me/messages/{mine.public_id}/").status_code == 200
    assert as_persona("citizen").get(f"/api/v1/me/messages/{theirs.public_id}/").status_code == 404
    assert as_persona("anonymous").get("/api/v1/me/messages/").status_code == 401
    assert as_persona("api_key").get("/api/v1/me/messages/").status_code == 403


def test_my_messages_filter_by_status_lists_what_still_waits(as_persona, personas, directory):
    """An app showing 「待答复」 read every page of 我的留言 to find them (integrator's walk, 2026-12-06): ``status``
    takes one status or several, comma-separated; a wrong one is a 400 naming the field and the statuses taken."""
    waiting = submit(personas["citizen"], directory, title="还在等的留言")
    answered = advance(submit(personas["citizen"], directory, title="已经答复的留言"), personas, directory, "replied")
    citizen = as_persona("citizen")

    def listed(query):
        return [m["public_id"] for m in citizen.get(f"/api/v1/me/messages/?{query}").json()["results"]]

    assert listed("status=submitted,accepted,dispatched,signed") == [waiting.public_id]
    assert listed("status=replied") == [answered.public_id]
    assert listed("status=") == [answered.public_id, waiting.public_id]  # an empty filter is none
    wrong = citizen.get("/api/v1/me/messages/?status=replied,open")
    assert wrong.status_code == 400
    said = error_of(wrong)["fields"]["status"][0]
    assert "open" in said and "submitted" in said and "replied" not in said.split("(")[0]


def test_rate_then_reopen(as_persona, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    url = f"/api/v1/messages/{m.public_id}"
    rating = {"resolution": "unsatisfied", "attitude": "satisfied", "speed": "basic", "comment": "问题没解决"}
    assert as_persona("other_citizen").post(f"{url}/rate/", rating, format="json").status_code == 403
    response = as_persona("citizen").post(f"{url}/rate/", rating, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "evaluated" and response.json()["can_reopen"] is True
    again = as_persona("citizen").post(f"{url}/rate/", rating, format="json")
    assert again.status_code == 409 and error_of(again)["code"] == "illegal_move"
    wordless = as_persona("citizen").post(f"{url}/reopen/", {"reason": "😡😡😡😡😡"}, format="json")
    assert wordless.status_code == 400 and "重办理由" in error_of(wordless)["fields"]["reason"][0]
    assert Message.objects.get(pk=m.pk).reopen_count == 0  # as the web form: not sent back for no words
    response = as_persona("citizen").post(f"{url}/reopen/", {"reason": "电梯仍未开工"}, format="json")
    assert response.status_code == 200
    m.refresh_from_db()
    assert m.status == "dispatched" and m.reopen_count == 1
    assert Event.objects.filter(message=m, kind="reopened", data__reason="电梯仍未开工").exists()


def test_rate_with_bad_values_is_400(as_persona, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    response = as_persona("citizen").post(f"/api/v1/messages/{m.public_id}/rate/", {"resolution": "great"},
                                          format="json")
    assert response.status_code == 400
    assert {"resolution", "attitude", "speed"} <= set(error_of(response)["fields"])
    m.refresh_from_db()
    assert m.status == "replied"


def test_satisfied_rating_closes_the_case(as_persona, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    rating = {"resolution": "satisfied", "attitude": "satisfied", "speed": "satisfied"}
    body = as_persona("citizen").post(f"/api/v1/messages/{m.public_id}/rate/", rating, format="json").json()
    assert body["status"] == "closed"
    reopen = as_persona("citizen").post(f"/api/v1/messages/{m.public_id}/reopen/", {"reason": "其实还没解决"},
                                        format="json")
    assert reopen.status_code == 409


def test_withdraw(as_persona, personas, directory):
    m = submit(personas["citizen"], directory)
    # someone else's unpublished message does not exist for them
    assert as_persona("other_citizen").post(f"/api/v1/messages/{m.public_id}/withdraw/").status_code == 404
    response = as_persona("citizen").post(f"/api/v1/messages/{m.public_id}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    dispatched = advance(submit(personas["citizen"], directory), personas, directory, "dispatched")
    late = as_persona("citizen").post(f"/api/v1/messages/{dispatched.public_id}/withdraw/")
    assert late.status_code == 409 and "不能撤回" in error_of(late)["message"]
    other = as_persona("other_citizen").post(f"/api/v1/messages/{dispatched.public_id}/withdraw/")
    assert other.status_code == 403


def test_support(as_persona, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    url = f"/api/v1/messages/{m.public_id}/support/"
    first = as_persona("other_citizen").post(url).json()
    assert first == {"supported": True, "created": True, "support_count": 1}
    assert as_persona("other_citizen").post(url).json()["created"] is False
    assert Support.objects.filter(message=m).count() == 1
    assert as_persona("anonymous").post(url).status_code == 401
    pending = submit(personas["citizen"], directory, title="未公开")
    assert as_persona("other_citizen").post(f"/api/v1/messages/{pending.public_id}/support/").status_code == 404
    # the supporter finds it among 我也遇到的; the author and other people do not
    listed = as_persona("other_citizen").get("/api/v1/me/supported/").json()["results"]
    assert [r["public_id"] for r in listed] == [m.public_id]
    assert as_persona("citizen").get("/api/v1/me/supported/").json()["results"] == []
    assert as_persona("anonymous").get("/api/v1/me/supported/").status_code == 401


def test_a_support_is_taken_back_with_delete(as_persona, personas, directory):
    """DELETE on the support/ path takes my 我也遇到 back: the count falls, a second DELETE
    answers the same state, and no one else can take mine back."""
    m = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    url = f"/api/v1/messages/{m.public_id}/support/"
    assert as_persona("other_citizen").post(url).json()["support_count"] == 1
    other = as_persona("officer").delete(url)
    assert other.json() == {"supported": False, "removed": False, "support_count": 1}
    undone = as_persona("other_citizen").delete(url)
    assert undone.status_code == 200
    assert undone.json() == {"supported": False, "removed": True, "support_count": 0}
    assert as_persona("other_citizen").delete(url).json() == {"supported": False, "removed": False, "support_count": 0}
    m.refresh_from_db()
    assert m.support_count == 0 and not Support.objects.filter(message=m).exists()
    assert as_persona("other_citizen").get("/api/v1/me/supported/").json()["results"] == []
    assert as_persona("anonymous").delete(url).status_code == 401
    schema = as_persona("other_citizen").get("/api/schema/?format=json").json()
    assert "delete" in schema["paths"]["/api/v1/messages/{public_id}/support/"]


def test_supported_list_is_in_the_order_i_supported(as_persona, personas, directory):
    """我也遇到的 was sorted by the messages' dates: what I supported today sank below a
    newer message I supported a month ago. Latest support first, across pages too."""
    older, newer, third = (advance(submit(personas["citizen"], directory, title=f"第{i}条"), personas, directory,
                                   "accepted") for i in range(3))
    Message.objects.filter(pk=older.pk).update(submitted_at=older.submitted_at - dt.timedelta(days=60))
    now = timezone.now()
    for message, days_ago in ((newer, 30), (third, 10), (older, 1)):
        actions.do_support(personas["other_citizen"], message)
        Support.objects.filter(message=message).update(created_at=now - dt.timedelta(days=days_ago))
    client = as_persona("other_citizen")
    body = client.get("/api/v1/me/supported/", {"page_size": 2}).json()
    assert [r["public_id"] for r in body["results"]] == [older.public_id, third.public_id]
    supported_at = dt.datetime.fromisoformat(body["results"][0]["supported_at"])
    assert supported_at == now - dt.timedelta(days=1)
    rest = client.get(body["next"]).json()
    assert [r["public_id"] for r in rest["results"]] == [newer.public_id] and rest["next"] is None


def test_support_answers_the_count_as_stored(as_persona, personas, directory, monkeypatch):
    """Someone else says 我也遇到 while the request is on its way: the answer counts them
    too (and a repeated support answers the count, not the one read before)."""
    from minsheng.board import actions

    m = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    real = actions.do_support

    def someone_else_first(user, message):
        real(personas["officer"], Message.objects.get(pk=message.pk))
        return real(user, message)

    monkeypatch.setattr(actions, "do_support", someone_else_first)
    answer = as_persona("other_citizen").post(f"/api/v1/messages/{m.public_id}/support/").json()
    assert answer == {"supported": True, "created": True, "support_count": 2}
    m.refresh_from_db()
    assert m.support_count == 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_citizen_actions_by_persona(as_persona, personas, directory, persona):
    """Only the author rates; everybody else is refused (401 without a person, 403 otherwise)."""
    m = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    rating = {"resolution": "satisfied", "attitude": "satisfied", "speed": "satisfied"}
    response = as_persona(persona).post(f"/api/v1/messages/{m.public_id}/rate/", rating, format="json")
    expected = {"citizen": 200, "anonymous": 401}.get(persona, 403)
    assert response.status_code == expected
    m.refresh_from_db()
    assert (m.status == "closed") == (persona == "citizen")


@pytest.mark.parametrize("action, refusal", [("rate", "只有留言人可以评价"), ("reopen", "只有留言人可以申请重办")])
@pytest.mark.parametrize("body", [{}, {"resolution": "great", "reason": ""}])
@pytest.mark.parametrize("persona", ["other_citizen", "officer"])
def test_another_persons_rating_or_reopening_is_refused_whatever_its_body(as_persona, personas, directory,
                                                                          action, refusal, body, persona):
    """Only the author rates or asks to reopen (docs/api.md: 403 when the caller may not). Someone
    else, on a public message, was told what their body lacked (400 「该字段是必填项。」), as if a
    complete body would be taken, and refused only then."""
    m = advance(submit(personas["citizen"], directory), personas, directory, "evaluated")
    response = as_persona(persona).post(f"/api/v1/messages/{m.public_id}/{action}/", body, format="json")
    assert response.status_code == 403
    assert error_of(response) == {"code": "permission_denied", "message": refusal, "fields": {}}


def test_malformed_multipart_is_400(as_persona, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "replied")
    response = as_persona("citizen").post(f"/api/v1/messages/{m.public_id}/rate/", b'{"resolution": "satisfied"}',
                                          content_type="multipart/form-data")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def _not_accepted(personas, directory) -> Message:
    m = submit(personas["citizen"], directory)
    actions.do_reject(personas["dispatcher"], m, "请补充具体地址后重新提交")
    return m


def test_a_message_not_accepted_is_sent_again_once_and_each_names_the_other(as_persona, personas, directory):
    """修改后重新提交 through the API (walk, 2026-12-06): the web's form sends a message 不予受理 again once
    (``again``, board 0030 ``resubmission_of``) and its page links to the copy; the API's POST had no
    ``again`` (an app's copy was a stranger to the old one, and could be sent twice), and the author's
    view of the old message said nothing of the new one."""
    old = _not_accepted(personas, directory)
    citizen = as_persona("citizen")
    first = citizen.post("/api/v1/messages/", {**NEW, "again": old.public_id}, format="json")
    assert first.status_code == 201, first.content
    new_id = first.json()["public_id"]
    assert first.json()["resubmission_of"] == old.public_id and first.json()["resubmitted_as"] is None
    mine = citizen.get(f"/api/v1/me/messages/{old.public_id}/").json()
    assert mine["resubmitted_as"] == new_id and mine["resubmission_of"] is None
    second = citizen.post("/api/v1/messages/", {**NEW, "title": "学校门口接送车辆拥堵问题", "again": old.public_id},
                          format="json")
    assert second.status_code == 409
    assert error_of(second) == {"code": "conflict", "fields": {"again": ["已重新提交过"]},
                                "message": f"该留言已修改后重新提交 (新留言编号 {new_id}), 不能再次重新提交"}
    assert Message.objects.filter(author=personas["citizen"]).count() == 2


def test_a_message_sent_again_on_the_web_names_its_copy_in_the_api(as_persona, personas, directory, login):
    old = _not_accepted(personas, directory)
    page = login(personas["citizen"]).post("/post/", {**NEW, "addressee": "", "again": old.public_id})
    assert page.status_code == 302
    new = Message.objects.get(resubmission_of=old)
    mine = as_persona("citizen").get(f"/api/v1/me/messages/{old.public_id}/").json()
    assert mine["resubmitted_as"] == new.public_id
    assert as_persona("citizen").get(f"/api/v1/me/messages/{new.public_id}/").json()["resubmission_of"] == old.public_id


def test_my_messages_list_names_each_resubmission_both_ways_in_bounded_queries(as_persona, personas, directory):
    """The single message said ``resubmission_of`` / ``resubmitted_as``; the list of my messages said neither,
    and an app listing them could not pair a copy with the message not accepted (walk, 2026-12-06)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    citizen = as_persona("citizen")

    def listed() -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = citizen.get("/api/v1/me/messages/")
        assert response.status_code == 200, response.content
        return {m["public_id"]: m for m in response.json()["results"]}, len(ctx.captured_queries)

    def pair(n: int) -> tuple[Message, Message]:
        old = _not_accepted(personas, directory)
        return old, actions.do_resubmit(personas["citizen"], old.public_id, title=f"学校门口接送车辆拥堵{n}",
                                        body=NEW["body"], kind="suggest", region=directory["chengguan"])

    old, new = pair(1)
    listed()  # the steady state: the token's last_used_at is written on the first call only
    items, few = listed()
    assert items[new.public_id]["resubmission_of"] == old.public_id and items[new.public_id]["resubmitted_as"] is None
    assert items[old.public_id]["resubmitted_as"] == new.public_id and items[old.public_id]["resubmission_of"] is None
    for n in range(2, 6):
        pair(n)
    items, many = listed()
    assert len(items) == 10 and many == few
    schema = citizen.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert {"resubmission_of", "resubmitted_as"} <= set(schema["OwnList"]["properties"])
    assert "resubmission_of" not in schema["InboxItem"]["properties"]  # the citizen's own lists only


@pytest.mark.parametrize("whose, status", [("other_citizen", "rejected"), ("citizen", "pending"), ("citizen", None)])
def test_again_names_only_the_callers_own_message_not_accepted(as_persona, personas, directory, whose, status):
    m = submit(personas[whose], directory)
    if status == "rejected":
        actions.do_reject(personas["dispatcher"], m, "请补充具体地址后重新提交")
    again = m.public_id if status else "M000000000"
    response = as_persona("citizen").post("/api/v1/messages/", {**NEW, "again": again}, format="json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["again"]
    assert not Message.objects.filter(resubmission_of__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_web_form_and_the_api_resubmitting_at_once_make_one_copy(as_persona, personas, directory, login, monkeypatch):
    """修改后重新提交 from the web form and from an app at the same moment: one copy, the other refused in
    its own words (the API's 409, the web's page of the old message naming the copy), never two copies
    nor a 500. Both go through actions.do_resubmit, one transaction holding the old message's row."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    old = _not_accepted(personas, directory)
    both_looked = threading.Barrier(2, timeout=2)
    looked = actions.resubmitted_as

    def look_then_wait(message):
        found = looked(message)
        try:
            both_looked.wait()  # without a lock the other has looked too, and found no copy either
        except threading.BrokenBarrierError:
            pass  # the other waits for this one's copy to be stored
        return found

    monkeypatch.setattr(actions, "resubmitted_as", look_then_wait)
    web, app = login(personas["citizen"]), as_persona("citizen")
    answers = {}

    def send(name, post):
        try:
            answers[name] = post()
        finally:
            connection.close()

    senders = [threading.Thread(target=send, args=("web", lambda: web.post(
                   "/post/", {**NEW, "addressee": "", "again": old.public_id}))),
               threading.Thread(target=send, args=("app", lambda: app.post(
                   "/api/v1/messages/", {**NEW, "again": old.public_id}, format="json")))]
    for t in senders:
        t.start()
    for t in senders:
        t.join(20)
    new = Message.objects.get(resubmission_of=old)  # one copy
    assert Message.objects.filter(author=personas["citizen"]).count() == 2
    refusal = f"该留言已修改后重新提交 (新留言编号 {new.public_id}), 不能再次重新提交"
    assert answers["web"].status_code == 302, answers["web"].content
    if answers["app"].status_code == 201:
        assert answers["app"].json()["public_id"] == new.public_id
        assert answers["web"]["Location"] == f"/m/{old.public_id}/"
        assert refusal in web.get(answers["web"]["Location"]).content.decode()
    else:
        assert answers["app"].status_code == 409 and error_of(answers["app"])["message"] == refusal
        assert answers["web"]["Location"] == f"/m/{new.public_id}/"


def test_a_retried_resubmission_with_its_idempotency_key_answers_the_copy(as_persona, personas, directory):
    """A network retry of 修改后重新提交 (the same Idempotency-Key and body) is the copy it made, not the 409 of a
    second resubmission."""
    old = _not_accepted(personas, directory)
    citizen = as_persona("citizen")
    sent = [citizen.post("/api/v1/messages/", {**NEW, "again": old.public_id}, format="json",
                         HTTP_IDEMPOTENCY_KEY="again-1") for _ in range(2)]
    assert [r.status_code for r in sent] == [201, 201] and sent[1]["Idempotent-Replayed"] == "true"
    assert sent[0].json()["public_id"] == sent[1].json()["public_id"]
    assert sent[1].json()["resubmission_of"] == old.public_id

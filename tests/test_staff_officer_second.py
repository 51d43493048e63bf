# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""An officer's inbox and case page, second walk (2026-12-04): the inbox by each case's next deadline,
a message type the actions take unchecked, 内部备注 of the lead unit, and what a stale page's refused
action says about the case now."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    api_key,
    as_persona,
    error_of,
)

pytestmark = pytest.mark.django_db

REPLY = "经核查, 该小区加装电梯已列入今年计划, 街道将于下月召开居民协商会, 具体安排会在小区公告栏公布。"


def dispatch(personas, directory, title, at=None):
    m = actions.do_submit(personas["citizen"], title=title, body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                          kind="help", region=directory["qilihe"], topic=directory["topic_build"], at=at)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=at)
    return Message.objects.get(pk=m.pk)


def inbox_titles(client) -> list[str]:
    page = client.get(reverse("board:inbox")).content.decode()
    return re.findall(r'<a href="/staff/case/\d+/(?:\?[^"]*)?">([^<]+)</a>', page)


# --- the inbox's order ------------------------------------------------------------------

def test_inbox_lists_by_the_next_deadline_page_and_api_alike(personas, directory, login, as_persona):
    """A signed case due today came after every unsigned case (unsigned first, whatever their
    deadlines): on page 8 behind cases due in ten days. Now the next deadline leads: 签收 while
    unsigned, else 答复; the overdue first; on a tie the older submission first."""
    now = timezone.now()
    late = dispatch(personas, directory, "已超期的留言", at=now - dt.timedelta(days=40))
    actions.do_sign(personas["officer"], late, directory["housing"], at=now - dt.timedelta(days=39))
    older = dispatch(personas, directory, "先提交的待签收留言")
    newer = dispatch(personas, directory, "后提交的待签收留言")
    today = dispatch(personas, directory, "今天到期的已签收留言")
    actions.do_sign(personas["officer"], today, directory["housing"])
    Message.objects.filter(pk=today.pk).update(due_at=now + dt.timedelta(hours=1))
    Assignment.objects.filter(message=today).update(due_at=now + dt.timedelta(hours=1))
    later = dispatch(personas, directory, "十天后到期的已签收留言")
    actions.do_sign(personas["officer"], later, directory["housing"])
    expected = [late, today, older, newer, later]
    assert inbox_titles(login(personas["officer"])) == [m.title for m in expected]
    response = as_persona("officer").get("/api/v1/staff/inbox/", {"box": "unit"})
    assert [m["public_id"] for m in response.json()["results"]] == [m.public_id for m in expected]
    # paged by the same order: a cursor over the next deadline
    first = as_persona("officer").get("/api/v1/staff/inbox/", {"box": "unit", "page_size": 2}).json()
    ids = [m["public_id"] for m in first["results"]]
    while first["next"]:
        first = as_persona("officer").get(first["next"]).json()
        ids += [m["public_id"] for m in first["results"]]
    assert ids == [m.public_id for m in expected]


# --- a choice the actions took unchecked --------------------------------------------------

def test_the_actions_refuse_a_type_topic_or_region_the_site_does_not_have(personas, directory):
    """do_submit stored kind="complaint" (the type is "complain") and the case page showed the raw
    code; a 领域 switched off or a region not in the directory went through as well (the forms and
    the API offer neither). Refused with the form's words, naming the field, and nothing stored."""
    from minsheng.directory.models import Region

    good = {"title": "小区电梯坏了", "body": "老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。", "kind": "help",
            "region": directory["qilihe"], "topic": directory["topic_build"]}
    retired = directory["topic_env"]
    retired.is_active = False
    retired.save()
    for change, field, words in [({"kind": "complaint"}, "kind", "请选择有效的留言类型"),
                                 ({"kind": ""}, "kind", "请选择有效的留言类型"),
                                 ({"topic": retired}, "topic", "请选择有效的领域"),
                                 ({"region": Region(code="620199", name="不存在区", level=3)}, "region", "请选择有效的区划")]:
        with pytest.raises(actions.Invalid) as refused:
            actions.do_submit(personas["citizen"], **{**good, **change})
        assert (str(refused.value), refused.value.field) == (words, field)
    assert not Message.objects.exists()
    m = actions.do_submit(personas["citizen"], **good)
    for change, words in [({"kind": "complaint"}, "请选择有效的留言类型"), ({"topic": retired}, "请选择有效的领域")]:
        with pytest.raises(actions.Invalid, match=words):
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"], **change)
    assert Message.objects.get(pk=m.pk).status == "submitted"


def test_the_api_says_the_forms_words_of_a_type_or_topic_it_does_not_have(as_persona, personas, directory):
    region = directory["qilihe"].code
    response = as_persona("citizen").post("/api/v1/messages/", {
        "title": "小区电梯坏了", "body": "老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。", "kind": "complaint",
        "region": region}, format="json")
    # the form's words, and since 2026-12-06 (an integrator's walk) the values taken
    assert response.status_code == 400 and error_of(response)["fields"] == {
        "kind": ["请选择有效的留言类型 (可选: suggest, complain, help, consult, thanks)"]}
    m = actions.do_submit(personas["citizen"], title="小区电梯坏了", body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                          kind="help", region=directory["qilihe"])
    retired = directory["topic_env"]
    retired.is_active = False
    retired.save()
    response = as_persona("dispatcher").post(f"/api/v1/staff/cases/{m.public_id}/dispatch/",
                                             {"lead": directory["housing"].pk, "topic": retired.code}, format="json")
    assert response.status_code == 400 and error_of(response)["fields"] == {"topic": ["请选择有效的领域"]}
    assert Message.objects.get(pk=m.pk).status == "submitted"


# --- 内部备注 -----------------------------------------------------------------------------

NOTE = "已电话联系物业经理王某, 对方称下周三前维修; 留言人情绪激动, 回访时注意方式。"


def test_the_lead_unit_writes_an_internal_note_that_only_staff_ever_see(personas, directory, login, as_persona):
    """Only an assisting unit could write in the case history (协办意见): the lead unit's officer
    had nowhere to note a call or a site visit for colleagues. 内部备注: on the case page and in the
    staff API, in the history for staff; never on the public page, the public or citizen API,
    Open311, nor sent to the citizen."""
    from minsheng.board.models import Event, Notification

    m = dispatch(personas, directory, "加装电梯的留言")
    # 住建局 leads; 生态局 assists
    Assignment.objects.create(message=m, unit=directory["ecology"], role="assist", assigned_at=timezone.now())
    officer = login(personas["officer"])
    url = reverse("board:case", args=[m.public_id])
    assert "保存内部备注" in officer.get(url).content.decode()
    told = Notification.objects.filter(user=personas["citizen"]).count()
    # words are required, as for the other notes
    emoji = officer.post(reverse("board:case_action", args=[m.public_id, "note"]), {"version": m.version, "body": "😀😀"})
    assert emoji.status_code == 400 and "意见中没有文字" in emoji.content.decode()
    response = officer.post(reverse("board:case_action", args=[m.public_id, "note"]),
                            {"version": m.version, "body": NOTE}, follow=True)
    page = response.content.decode()
    assert "内部备注已保存" in page and "内部备注" in page and NOTE in page
    note = Event.objects.get(message=m, kind="note")
    assert (note.public, note.unit, note.actor) == (False, directory["housing"], personas["officer"])
    # a dispatcher and a supervisor of the region too (API), an assisting unit's officer not (协办意见 is theirs)
    for who in ("dispatcher", "supervisor"):
        r = as_persona(who).post(f"/api/v1/staff/cases/{m.public_id}/note/", {"body": f"{who}: 请注意回访"}, format="json")
        assert r.status_code == 200 and any(e["kind"] == "note" for e in r.json()["events"])
    assert "保存内部备注" not in login(personas["other_officer"]).get(url).content.decode()
    r = as_persona("other_officer").post(f"/api/v1/staff/cases/{m.public_id}/note/", {"body": "协办单位的备注"},
                                         format="json")
    assert r.status_code == 403 and error_of(r)["message"] == actions.NOTE_REFUSED
    assert as_persona("citizen").post(f"/api/v1/staff/cases/{m.public_id}/note/", {"body": "我的备注"},
                                      format="json").status_code == 403
    assert Event.objects.filter(message=m, kind="note").count() == 3
    # nowhere public, nothing to the citizen
    author = login(personas["citizen"])
    seen = [login(personas["other_citizen"]).get(reverse("board:message", args=[m.public_id])),
            author.get(reverse("board:message", args=[m.public_id])),
            as_persona("citizen").get(f"/api/v1/messages/{m.public_id}/"),
            as_persona("citizen").get(f"/api/v1/me/messages/{m.public_id}/"),
            as_persona("anonymous").get(f"/open311/v2/requests/{m.public_id}.json")]
    for response in seen:
        text = response.content.decode()
        assert response.status_code == 200 and m.public_id in text
        assert "内部备注" not in text and "物业经理" not in text and "请注意回访" not in text
    assert Notification.objects.filter(user=personas["citizen"]).count() == told


# --- a refused action on a stale page says what happened ---------------------------------------

def answered_by_colleague(personas, directory):
    from tests.conftest import make_user

    m = dispatch(personas, directory, "加装电梯的留言")
    actions.do_sign(personas["officer"], m, directory["housing"])
    stale = Message.objects.get(pk=m.pk)
    colleague = make_user("housing_li", role="officer", unit=directory["housing"], display_name="住建局李科员")
    actions.do_reply(colleague, Message.objects.get(pk=m.pk), directory["housing"], REPLY)
    at = timezone.localtime(Message.objects.get(pk=m.pk).replied_at)
    return stale, f"该留言已于 {at:%m-%d %H:%M} 由 {directory['housing'].name} 住建局李科员 答复, 无需再办理"


def test_a_stale_page_says_who_answered_the_case_and_when(personas, directory, login):
    """「该留言刚刚被其他人处理过, 本页已更新为最新状态, 现在不能再执行该操作」: the officer read that
    something happened, not what; the page then had to be searched for it."""
    stale, said = answered_by_colleague(personas, directory)
    officer = login(personas["officer"])
    for action, data in [("reply", {"body": REPLY}), ("transfer", {"to_unit": directory["ecology"].pk,
                                                                    "reason": "属于生态环境局职责"})]:
        response = officer.post(reverse("board:case_action", args=[stale.public_id, action]),
                                {"version": stale.version, **data})
        assert response.status_code == 409 and said in response.content.decode(), action


def test_a_stale_page_says_where_the_case_was_transferred(personas, directory, login):
    m = dispatch(personas, directory, "加装电梯的留言")
    stale = m.version
    actions.do_transfer(personas["officer"], m, directory["housing"], directory["ecology"], "属于生态环境局职责")
    at = timezone.localtime(Message.objects.get(pk=m.pk).events.get(kind="transferred").at)
    response = login(personas["officer"]).post(reverse("board:case_action", args=[m.public_id, "sign"]),
                                               {"version": stale})
    page = response.content.decode()
    assert response.status_code == 409
    assert f"该留言已于 {at:%m-%d %H:%M} 由 {directory['housing'].name} 住建局张科长 转办至{directory['ecology'].name}" in page


def test_the_api_keeps_the_code_and_says_what_happened(personas, directory, as_persona):
    stale, said = answered_by_colleague(personas, directory)
    response = as_persona("officer").post(f"/api/v1/staff/cases/{stale.public_id}/reply/", {"body": REPLY},
                                          format="json")
    error = error_of(response)
    assert response.status_code == 409 and error["code"] == "illegal_move"
    assert error["message"] == f"{said}; 当前状态为「已答复」, 不能答复"
    # transferred away: 403 as before, saying where it went
    m = dispatch(personas, directory, "另一条加装电梯的留言")
    actions.do_transfer(personas["officer"], m, directory["housing"], directory["ecology"], "属于生态环境局职责")
    response = as_persona("officer").post(f"/api/v1/staff/cases/{m.public_id}/transfer/",
                                          {"to_unit": directory["transport"].pk, "reason": "属于交通运输局职责"}, format="json")
    assert response.status_code == 403
    assert f"转办至{directory['ecology'].name}" in error_of(response)["message"]


def test_a_refusal_of_a_case_not_moved_yet_names_its_status_once(personas, directory, login, as_persona):
    """撤销并单 of a message still 待审核 (nothing public happened to it yet) said 「该留言当前状态为「待审核」;
    当前状态为「待审核」, 不能撤销并单」: the status twice."""
    m = actions.do_submit(personas["citizen"], title="七里河区小区加装电梯", body="老旧小区没有电梯, 老人上下楼困难。" * 2,
                          kind="help", region=directory["qilihe"])
    response = as_persona("dispatcher").post(f"/api/v1/staff/cases/{m.public_id}/unmerge/", {"reason": "并错了留言"},
                                             format="json")
    assert response.status_code == 409
    assert error_of(response)["message"] == "当前状态为「待审核」, 不能撤销并单"
    response = login(personas["dispatcher"]).post(reverse("board:case_action", args=[m.public_id, "unmerge"]),
                                                  {"version": m.version, "reason": "并错了留言"})
    page = response.content.decode()
    assert response.status_code == 409 and page.count("当前状态为「待审核」") == 1, re.findall("[^>]*当前状态为[^<]*", page)


def test_a_note_from_a_stale_page_of_a_case_transferred_away_says_where_it_went(personas, directory, login, as_persona):
    """The lead unit's officer writes a 内部备注 on a page opened before a colleague transferred the case:
    refused (the unit no longer holds it), saying where it went, as the other refused actions of a stale
    page do — not 「只有主办单位的工作人员…」 to the officer of the unit that led it. The note is kept to copy."""
    from minsheng.board.models import Event

    m = dispatch(personas, directory, "加装电梯的留言")
    actions.do_transfer(personas["officer"], m, directory["housing"], directory["ecology"], "属于生态环境局职责")
    went = f"转办至{directory['ecology'].name}"
    response = login(personas["officer"]).post(reverse("board:case_action", args=[m.public_id, "note"]),
                                               {"version": m.version, "body": NOTE})
    page = response.content.decode()
    assert response.status_code == 403 and "该留言当前不在您单位办理" in page and went in page
    assert actions.NOTE_REFUSED not in page and NOTE in page  # under 「未提交的内容」
    response = as_persona("officer").post(f"/api/v1/staff/cases/{m.public_id}/note/", {"body": NOTE}, format="json")
    assert response.status_code == 403 and went in error_of(response)["message"]
    assert not Event.objects.filter(message=m, kind="note").exists()

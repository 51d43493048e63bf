"""The whole workflow through the HTTP client, with the personas of conftest.py:
every legal move on the staff pages, illegal moves refused with a clear message,
scoping, working-day deadlines across the 2026 Spring Festival, concurrent replies,
transfer, return, extensions, merge, supervision, automatic close and bad input."""

from __future__ import annotations

import datetime as dt
import re
import threading
from unittest import mock
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Event, Extension, Message, Notification, Reply
from minsheng.board.views import staff_hints
from minsheng.board.workflow import Status
from minsheng.insight import lookup
from minsheng.insight.suggest import Suggestion

from .conftest import make_user

SH = ZoneInfo("Asia/Shanghai")
CONFLICT = "该留言刚刚被其他人处理过"
REPLY_TEXT = "经现场核查, 该小区加装电梯工作已列入今年计划, 预计十月底前开工建设, 请您关注。"

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------

def post_message(personas, directory, *, title="七里河区老旧小区没有电梯", kind="complain", region="qilihe",
                 topic="topic_build", at=None) -> Message:
    return actions.do_submit(
        personas["citizen"], title=title, body="我们小区是上世纪九十年代的老楼, 老人上下楼非常困难, 希望尽快加装电梯。",
        kind=kind, region=directory[region], topic=directory[topic] if topic else None, at=at)


def fresh(message) -> Message:
    return Message.objects.get(pk=message.pk)


def case_url(m) -> str:
    return reverse("board:case", args=[m.public_id])


def act(client, m, action, version=None, **data):
    """POST one staff action with the message's current version (unless given)."""
    data["version"] = fresh(m).version if version is None else version
    return client.post(reverse("board:case_action", args=[m.public_id, action]), data)


def page_version(client, m) -> int:
    html = client.get(case_url(m)).content.decode()
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff(personas, directory, login):
    """Signed-in clients for the personas, plus a second officer of 住建局 and an
    officer of 交通运输局 (the transfer target)."""
    officer2 = make_user("officer2", role="officer", unit=directory["housing"], display_name="住建局李")
    transport_officer = make_user("transport_officer", role="officer", unit=directory["transport"])
    ecology_head = make_user("ecology_head", role="head", unit=directory["ecology"])
    names = ["citizen", "other_citizen", "officer", "other_officer", "dispatcher", "supervisor", "dx_dispatcher"]
    clients = {name: login(personas[name]) for name in names}
    clients.update(officer2=login(officer2), transport_officer=login(transport_officer),
                   ecology_head=login(ecology_head))
    return clients


@pytest.fixture
def dispatched(personas, directory, staff):
    """A complaint from 七里河区 dispatched by the dispatcher (through the page) to 住建局."""
    m = post_message(personas, directory)
    r = act(staff["dispatcher"], m, "dispatch", lead=directory["housing"].pk)
    assert r.status_code == 302, text(r)
    return fresh(m)


@pytest.fixture
def signed(dispatched, staff):
    r = act(staff["officer"], dispatched, "sign")
    assert r.status_code == 302
    return fresh(dispatched)


def kinds(m) -> list[str]:
    return list(Event.objects.filter(message=m).values_list("kind", flat=True))


# --- the legal path -------------------------------------------------------------------

def test_dispatcher_accepts_and_dispatches_with_the_responsible_unit_preselected(personas, directory, staff,
                                                                                django_capture_on_commit_callbacks):
    m = post_message(personas, directory)
    c = staff["dispatcher"]
    queue = text(c.get(reverse("board:triage")))
    assert m.title in queue

    page = text(c.get(case_url(m)))
    # 城乡建设 in 七里河区 falls back to 兰州市's row: 住建局 is preselected in the lead select
    lead_select = re.search(r'<select name="lead".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option value="{directory["housing"].pk}" selected>', lead_select)
    assert "建议主办单位" in page and directory["housing"].name in page

    assert act(c, m, "accept").status_code == 302
    assert fresh(m).status == Status.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        r = act(c, m, "dispatch", lead=directory["housing"].pk, assists=[directory["transport"].pk])
    assert r.status_code == 302
    m = fresh(m)
    assert m.status == Status.DISPATCHED and m.due_at is not None
    rows = {(a.unit_id, a.role) for a in m.assignments.all()}
    assert rows == {(directory["housing"].pk, "lead"), (directory["transport"].pk, "assist")}
    assert kinds(m) == ["submitted", "accepted", "dispatched"]
    assert Notification.objects.filter(user=personas["citizen"], message=m, kind="dispatched").exists()
    assert Notification.objects.filter(user=personas["officer"], message=m, kind="case_arrived").exists()


def test_the_lead_unit_chosen_among_the_assisting_ones_leaves_them(personas, directory, staff):
    """The dispatcher makes 主办 a unit the form had as 协办: it leads and no longer assists,
    the others still assist, and the history names the assisting units actually used."""
    m = post_message(personas, directory)
    housing, transport, ecology = (directory[k].pk for k in ("housing", "transport", "ecology"))
    r = act(staff["dispatcher"], m, "dispatch", lead=transport, assists=[transport, ecology])
    assert r.status_code == 302, text(r)
    m = fresh(m)
    assert m.status == Status.DISPATCHED
    assert {(a.unit_id, a.role) for a in m.assignments.all()} == {(transport, "lead"), (ecology, "assist")}
    event = Event.objects.get(message=m, kind="dispatched")
    assert event.data["lead"] == directory["transport"].name
    assert event.data["assists"] == [directory["ecology"].name]
    page = text(staff["dispatcher"].get(case_url(m)))
    assert f"协办: {directory['ecology'].name}" in page and f"协办: {directory['transport'].name}" not in page
    assert housing not in {a.unit_id for a in m.assignments.all()}


def test_county_override_preselects_the_district_government(personas, directory, staff):
    m = post_message(personas, directory, region="chengguan")
    page = text(staff["dispatcher"].get(case_url(m)))
    lead_select = re.search(r'<select name="lead".*?</select>', page, re.S).group(0)
    assert re.search(rf'<option value="{directory["cg_gov"].pk}" selected>', lead_select)


def test_officer_signs_previews_and_replies(personas, dispatched, staff, django_capture_on_commit_callbacks):
    c = staff["officer"]
    inbox = text(c.get(reverse("board:inbox")))
    assert dispatched.title in inbox and "待签收" in inbox

    page = text(c.get(case_url(dispatched)))
    assert "签收" in page and f'action="/staff/case/{dispatched.public_id}/reply/"' not in page

    assert act(c, dispatched, "sign").status_code == 302
    m = fresh(dispatched)
    assert m.status == Status.SIGNED
    assert m.assignments.get(role="lead").signed_at is not None

    preview = c.post(reverse("board:reply_preview", args=[m.public_id]), {"version": m.version, "body": REPLY_TEXT})
    assert preview.status_code == 200 and "答复预览" in text(preview) and REPLY_TEXT in text(preview)
    assert not Reply.objects.filter(message=m).exists() and fresh(m).status == Status.SIGNED
    fragment = c.post(reverse("board:reply_preview", args=[m.public_id]), {"version": m.version, "body": REPLY_TEXT},
                      HTTP_HX_REQUEST="true")
    assert REPLY_TEXT in text(fragment) and "<html" not in text(fragment)

    with django_capture_on_commit_callbacks(execute=True):
        r = act(c, m, "reply", body=REPLY_TEXT)
    assert r.status_code == 302
    m = fresh(m)
    assert m.status == Status.REPLIED and m.replied_at is not None
    reply = Reply.objects.get(message=m)
    assert reply.body == REPLY_TEXT and reply.author == personas["officer"]
    assert kinds(m)[-2:] == ["signed", "replied"]
    assert Notification.objects.filter(user=personas["citizen"], message=m, kind="replied").exists()
    # no longer waiting in the inbox
    assert m.title not in text(c.get(reverse("board:inbox")))


def test_assisting_unit_sees_the_case_on_its_own_tab_and_adds_a_note(personas, directory, staff):
    m = post_message(personas, directory)
    assert act(staff["dispatcher"], m, "dispatch", lead=directory["housing"].pk,
               assists=[directory["ecology"].pk]).status_code == 302
    c = staff["other_officer"]  # 生态环境局 assists here
    assert m.title not in text(c.get(reverse("board:inbox")))
    assert m.title in text(c.get(reverse("board:inbox") + "?tab=assist"))
    r = act(c, m, "assist", body="经核查, 该小区周边无环境违法问题。")
    assert r.status_code == 302
    note = Event.objects.get(message=m, kind=Event.Kind.ASSIST_NOTE)
    assert not note.public and note.unit == directory["ecology"]
    # the lead unit reads it in the private timeline
    assert "该小区周边无环境违法问题" in text(staff["officer"].get(case_url(m)))
    # an assisting unit cannot sign or reply for the lead unit
    assert act(c, m, "sign").status_code == 403
    assert fresh(m).status == Status.DISPATCHED


def test_dispatcher_rejects_with_a_reason(personas, directory, staff, django_capture_on_commit_callbacks):
    m = post_message(personas, directory)
    with django_capture_on_commit_callbacks(execute=True):
        r = act(staff["dispatcher"], m, "reject", reason="内容与政府职能无关")
    assert r.status_code == 302
    m = fresh(m)
    assert m.status == Status.REJECTED and m.reject_reason == "内容与政府职能无关"
    assert Notification.objects.filter(user=personas["citizen"], message=m, kind="rejected").exists()


def test_a_case_others_were_merged_into_cannot_end_unanswered(personas, directory, staff):
    """Its merged messages show its reply: withdrawing or rejecting it would leave them
    waiting for one that never comes."""
    main = post_message(personas, directory)
    actions.do_accept(personas["dispatcher"], main)
    again = actions.do_submit(personas["other_citizen"], title="同一个小区电梯还是坏的", kind="complain",
                              body="我们小区的老楼没有电梯, 老人上下楼非常困难, 希望尽快加装。",
                              region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_merge(personas["dispatcher"], again, main)
    r = act(staff["dispatcher"], main, "reject", reason="重复留言")
    assert r.status_code == 400 and "已有 1 条留言并入该留言一起办理" in text(r) and "请派单办理" in text(r)
    assert fresh(main).status == Status.ACCEPTED
    with pytest.raises(actions.Invalid, match="不能撤回"):
        actions.do_withdraw(personas["citizen"], fresh(main))
    assert fresh(main).status == Status.ACCEPTED and fresh(again).status == Status.MERGED
    lone = post_message(personas, directory, title="另一个问题无人并入")
    actions.do_withdraw(personas["citizen"], lone)  # without merged messages nothing changes
    assert fresh(lone).status == Status.WITHDRAWN


# --- illegal moves are refused with a clear message -----------------------------------

def test_reply_before_sign_is_refused(dispatched, staff):
    r = act(staff["officer"], dispatched, "reply", body=REPLY_TEXT)
    assert r.status_code == 409
    assert "不能答复" in text(r)
    assert fresh(dispatched).status == Status.DISPATCHED
    assert not Reply.objects.exists()


def test_sign_twice_is_refused(signed, staff):
    r = act(staff["officer"], signed, "sign")
    assert r.status_code == 409 and "不能签收" in text(r)
    assert kinds(signed).count("signed") == 1


def test_a_case_a_colleague_signed_from_a_stale_page_says_who_signed_it(dispatched, staff):
    """Two officers of 住建局 had the same unsigned case open; the second one's 签收 said 「该留言已于
    12-05 17:54 签收」 without a word of who had, so whose case it now was had to be asked round the office."""
    stale = fresh(dispatched).version
    assert act(staff["officer2"], dispatched, "sign").status_code == 302
    signed_at = timezone.localtime(Assignment.objects.get(message=dispatched).signed_at)
    r = act(staff["officer"], dispatched, "sign", version=stale)
    assert r.status_code == 409
    assert f"该留言已由住建局李于 {signed_at:%m-%d %H:%M} 签收, 本页已更新为最新状态, 可直接答复" in text(r)
    assert kinds(dispatched).count("signed") == 1


def test_citizen_cannot_use_staff_actions_or_pages(personas, directory, staff):
    m = post_message(personas, directory)
    c = staff["citizen"]
    r = act(c, m, "dispatch", lead=directory["housing"].pk)
    assert r.status_code == 403
    assert fresh(m).status == Status.SUBMITTED and not Assignment.objects.exists()
    for name in ("board:inbox", "board:triage", "board:supervision"):
        r = c.get(reverse(name))
        assert r.status_code == 403 and "仅限工作人员访问" in text(r)
    assert c.get(case_url(m)).status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, personas, directory):
    m = post_message(personas, directory)
    r = client.post(reverse("board:case_action", args=[m.public_id, "accept"]), {"version": m.version})
    assert r.status_code == 302 and reverse("accounts:login") in r["Location"]
    assert fresh(m).status == Status.SUBMITTED
    assert reverse("accounts:login") in client.get(reverse("board:inbox"))["Location"]


def test_other_units_officer_sees_nothing_and_cannot_sign(personas, dispatched, staff):
    c = staff["other_officer"]
    r = c.get(case_url(dispatched))
    assert r.status_code == 404 and "页面不存在" in text(r)
    assert dispatched.title not in text(r) and personas["citizen"].phone not in text(r)
    assert dispatched.title not in text(c.get(reverse("board:inbox")))
    r = act(c, dispatched, "sign")
    assert r.status_code == 404
    assert fresh(dispatched).status == Status.DISPATCHED
    r = c.get(reverse("board:triage"))
    assert r.status_code == 403 and "您不是派单员" in text(r)
    assert c.get(reverse("board:supervision")).status_code == 403


def test_dispatcher_of_another_region_cannot_see_or_dispatch(personas, directory, staff):
    m = post_message(personas, directory)
    c = staff["dx_dispatcher"]
    assert m.title not in text(c.get(reverse("board:triage")))
    assert c.get(case_url(m)).status_code == 404
    assert act(c, m, "dispatch", lead=directory["dx_housing"].pk).status_code == 404
    assert fresh(m).status == Status.SUBMITTED


def test_officer_cannot_dispatch_and_supervisor_cannot_sign(dispatched, directory, staff):
    r = act(staff["officer"], dispatched, "dispatch", lead=directory["transport"].pk)
    # the officer may read the case, but only the region's dispatcher dispatches
    assert r.status_code == 403 and "您不是该区划的派单员" in text(r)
    assert dispatched.assignments.get().unit == directory["housing"]
    r = act(staff["supervisor"], dispatched, "sign")
    assert r.status_code == 403 and "不在您单位办理" in text(r)
    assert fresh(dispatched).status == Status.DISPATCHED


def test_accepting_twice_and_dispatching_a_replied_case_are_refused(personas, directory, signed, staff):
    m = post_message(personas, directory, title="第二条留言标题")
    c = staff["dispatcher"]
    assert act(c, m, "accept").status_code == 302
    r = act(c, m, "accept")
    assert r.status_code == 409 and "不能审核通过" in text(r)
    assert act(staff["officer"], signed, "reply", body=REPLY_TEXT).status_code == 302
    r = act(c, signed, "dispatch", lead=directory["transport"].pk)
    assert r.status_code == 409 and "不能派单" in text(r)
    assert fresh(signed).assignments.count() == 1


def test_contact_details_only_for_staff_handling_the_case(personas, directory, dispatched, staff):
    phone = personas["citizen"].phone
    assert phone in text(staff["officer"].get(case_url(dispatched)))
    assert phone in text(staff["dispatcher"].get(case_url(dispatched)))
    assert phone in text(staff["supervisor"].get(case_url(dispatched)))
    # after a transfer away, 住建局 can still read its history but not the citizen's phone
    assert act(staff["officer"], dispatched, "transfer", to_unit=directory["transport"].pk,
               reason="属于道路交通问题").status_code == 302
    page = staff["officer"].get(case_url(dispatched))
    assert page.status_code == 200 and phone not in text(page)
    assert phone in text(staff["transport_officer"].get(case_url(dispatched)))


# --- deadlines across the 2026 Spring Festival -----------------------------------------------

def _dispatch_at(client, m, unit, moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        r = act(client, m, "dispatch", lead=unit.pk)
    assert r.status_code == 302, text(r)
    return fresh(m)


@pytest.mark.parametrize("kind, expected_due", [
    # Official 2026 schedule (国办发明电〔2025〕): Spring Festival off 2-15 (Sun) .. 2-23 (Mon);
    # make-up working days Sat 2-14 and Sat 2-28. Counting from Fri 2-13 (the start day never counts):
    # working days are 2-14, 2-24, 2-25, 2-26, 2-27 (5), 2-28, 3-02, 3-03, 3-04, 3-05 (10),
    # 3-06, 3-09, 3-10, 3-11, 3-12 (15).
    ("consult", dt.date(2026, 2, 27)),
    ("suggest", dt.date(2026, 3, 5)),
    ("complain", dt.date(2026, 3, 12)),
])
def test_reply_deadline_counts_spring_festival_and_make_up_days(personas, directory, staff, kind, expected_due):
    m = post_message(personas, directory, kind=kind, at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=SH))
    m = _dispatch_at(staff["dispatcher"], m, directory["housing"], dt.datetime(2026, 2, 13, 10, 0, tzinfo=SH))
    due = m.due_at.astimezone(SH)
    assert (due.date(), due.time()) == (expected_due, dt.time(23, 59, 59))
    lead = m.assignments.get(role="lead")
    assert lead.due_at == m.due_at
    # signing is due within one working day: the make-up Saturday 2-14, not after the holiday
    assert lead.sign_due_at.astimezone(SH).date() == dt.date(2026, 2, 14)
    assert expected_due.strftime("%Y-%m-%d") in text(staff["officer"].get(reverse("board:inbox")))


def test_dispatch_on_holiday_eve_friday_night_in_shanghai(personas, directory, staff):
    # 2026-02-13 20:30 in Shanghai is still 2-13 (12:30 UTC): the count starts from 2-13, not 2-12.
    m = post_message(personas, directory, kind="consult", at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=SH))
    m = _dispatch_at(staff["dispatcher"], m, directory["housing"], dt.datetime(2026, 2, 13, 12, 30, tzinfo=dt.UTC))
    assert m.due_at.astimezone(SH).date() == dt.date(2026, 2, 27)


def test_extension_approved_across_the_make_up_saturday(personas, directory, staff):
    m = post_message(personas, directory, kind="consult", at=dt.datetime(2026, 2, 12, 9, 0, tzinfo=SH))
    m = _dispatch_at(staff["dispatcher"], m, directory["housing"], dt.datetime(2026, 2, 13, 10, 0, tzinfo=SH))
    assert act(staff["officer"], m, "sign").status_code == 302
    assert act(staff["officer"], m, "extend", days=2, reason="需要联合住建、规划部门现场勘查").status_code == 302
    ext = Extension.objects.get()
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 302
    # due Fri 2-27; +2 working days: Sat 2-28 (make-up day) and Mon 3-02
    m = fresh(m)
    assert m.due_at.astimezone(SH).date() == dt.date(2026, 3, 2)
    assert m.assignments.get(role="lead").due_at == m.due_at


# --- concurrency -------------------------------------------------------------------

def test_two_staff_reply_at_once_only_one_wins(personas, directory, signed, staff, login):
    a, b = staff["officer"], staff["officer2"]
    va, vb = page_version(a, signed), page_version(b, signed)
    assert va == vb == signed.version
    first = act(a, signed, "reply", version=va, body=REPLY_TEXT)
    second = act(b, signed, "reply", version=vb, body="我们将尽快安排人员处理您反映的问题, 谢谢。")
    assert first.status_code == 302
    # what happened, not only that something did (since 2026-12-04: 「该留言刚刚被其他人处理过…」)
    assert second.status_code == 409 and " 答复, 无需再办理; 本页已更新为最新状态" in text(second)
    assert Reply.objects.filter(message=signed).count() == 1
    assert Reply.objects.get(message=signed).body == REPLY_TEXT
    assert kinds(signed).count("replied") == 1


def test_stale_form_is_refused_with_the_conflict_message(signed, directory, staff):
    stale = page_version(staff["officer2"], signed)
    assert act(staff["officer"], signed, "transfer", to_unit=directory["transport"].pk,
               reason="属于交通运输局职责").status_code == 302
    r = act(staff["officer2"], signed, "return", version=stale, reason="不属于本单位")
    assert r.status_code == 409 and f"转办至{directory['transport'].name}; 本页已更新为最新状态" in text(r)
    m = fresh(signed)
    assert m.status == Status.DISPATCHED
    assert m.assignments.get(state="active").unit == directory["transport"]


def test_a_reply_a_moment_after_a_colleagues_is_told_of_it_not_refused(signed, personas, directory):
    """The second of two replies read the case's assignment after the first had closed it:
    「该留言当前不在您单位办理」 (403) instead of the conflict message, under load."""
    stale = fresh(signed)
    actions.do_reply(personas["officer"], fresh(signed), directory["housing"], REPLY_TEXT)
    with pytest.raises(actions.Conflict):
        actions.do_reply(personas["officer"], stale, directory["housing"], f"{REPLY_TEXT} 第二次")
    assert Reply.objects.filter(message=signed).count() == 1


@pytest.mark.django_db(transaction=True)
def test_truly_concurrent_replies_on_postgresql(personas, directory, login):
    """Two requests pass the version check together; the conditional UPDATE lets one win."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    officer2 = make_user("officer2", role="officer", unit=directory["housing"])
    m = post_message(personas, directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    m = fresh(m)
    clients = [login(personas["officer"]), login(officer2)]
    barrier = threading.Barrier(2, timeout=10)
    results = [None, None]

    gated = []

    def gated_quality(message, body, **kwargs):  # runs after the version check, before do_reply
        gated.append(barrier.wait())
        return None

    def run(i):
        try:
            results[i] = act(clients[i], m, "reply", version=m.version, body=f"{REPLY_TEXT} 第{i}位")
        finally:
            connection.close()

    # quality_to_publish (staff_hints) scores the reply: the gate must be its quality_for, or nothing waits
    with mock.patch("minsheng.board.views.staff_hints.quality_for", gated_quality):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    codes = sorted(r.status_code for r in results)
    assert sorted(gated) == [0, 1]  # both requests met at the gate: truly at once
    assert codes == [302, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert " 答复, 无需再办理; 本页已更新为最新状态" in text(loser)  # who answered first, and when
    assert Reply.objects.filter(message=m).count() == 1


# --- transfer, return, extension, merge, supervision, close ------------------------------------

def test_transfer_moves_the_case_to_the_other_units_inbox(signed, directory, staff):
    r = act(staff["officer"], signed, "transfer", to_unit=directory["transport"].pk, reason="属于道路交通问题")
    assert r.status_code == 302
    m = fresh(signed)
    assert m.status == Status.DISPATCHED
    states = {(a.unit_id, a.state) for a in m.assignments.all()}
    assert states == {(directory["housing"].pk, "transferred"), (directory["transport"].pk, "active")}
    assert m.title in text(staff["transport_officer"].get(reverse("board:inbox")))
    assert m.title not in text(staff["officer"].get(reverse("board:inbox")))
    ev = Event.objects.get(message=m, kind=Event.Kind.TRANSFERRED)
    assert ev.data["reason"] == "属于道路交通问题" and ev.data["to"] == directory["transport"].name
    # the new unit signs again; the reply deadline stays
    assert act(staff["transport_officer"], m, "sign").status_code == 302
    assert fresh(m).due_at == signed.due_at


def test_transfer_to_own_unit_is_refused(signed, directory, staff):
    r = act(staff["officer"], signed, "transfer", to_unit=directory["housing"].pk, reason="转给自己")
    assert r.status_code == 400 and "不能转办给本单位" in text(r)
    assert fresh(signed).status == Status.SIGNED


def test_returned_case_comes_first_in_the_triage_queue(personas, directory, staff):
    older = post_message(personas, directory, title="更早提交的留言标题",
                         at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=SH))
    m = post_message(personas, directory, title="将被退回的留言标题")
    assert act(staff["dispatcher"], m, "dispatch", lead=directory["housing"].pk).status_code == 302
    r = act(staff["officer"], m, "return", reason="该问题属于物业管理范畴")
    assert r.status_code == 302
    m = fresh(m)
    assert m.status == Status.ACCEPTED
    assert m.assignments.get().state == Assignment.State.RETURNED
    queue = text(staff["dispatcher"].get(reverse("board:triage")))
    assert queue.index(m.title) < queue.index(older.title)
    assert "单位退回" in queue
    assert "该问题属于物业管理范畴" in text(staff["dispatcher"].get(case_url(m)))
    assert m.title not in text(staff["officer"].get(reverse("board:inbox")))
    # the dispatcher routes it again
    assert act(staff["dispatcher"], m, "dispatch", lead=directory["transport"].pk).status_code == 302
    assert fresh(m).status == Status.DISPATCHED


def test_extension_refused_keeps_the_deadline(signed, staff):
    due = signed.due_at
    assert act(staff["officer"], signed, "extend", days=5, reason="需要协调多个部门").status_code == 302
    r = act(staff["officer"], signed, "extend", days=3, reason="再次申请")
    assert r.status_code == 409 and "已有待审批的延期申请" in text(r)
    ext = Extension.objects.get()
    page = text(staff["supervisor"].get(reverse("board:supervision")))
    assert "需要协调多个部门" in page
    # an officer cannot decide
    r = staff["officer"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 403
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]),
                                 {"decision": "refuse", "note": "请按期办结"})
    assert r.status_code == 302
    ext.refresh_from_db()
    assert ext.state == Extension.State.REFUSED and ext.decision_note == "请按期办结"
    assert fresh(signed).due_at == due
    assert Event.objects.filter(message=signed, kind=Event.Kind.EXTENSION_REFUSED).exists()
    # deciding again is refused
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 409 and "该延期申请已由督办员于" in text(r) and "不同意, 答复期限不变" in text(r)
    assert fresh(signed).due_at == due


def test_a_decision_on_an_extension_another_supervisor_decided_says_how_and_keeps_the_note(
        personas, directory, signed, staff, login):
    """Two supervisors had the same request open: the second one's 不同意 with its 审批意见 came back
    as 「该延期申请已被处理」, the request gone from the list and the 审批意见 typed with it, not a word
    of who had decided it or how. Now it says who, when, how and the deadline now, and the note is
    shown again as 未提交的内容, on the list and on the case page alike."""
    province = make_user("gs_supervisor", role="supervisor", region=directory["province"],
                         display_name="省督办员")
    assert act(staff["officer"], signed, "extend", days=5, reason="需要协调多个部门").status_code == 302
    ext = Extension.objects.get()
    r = login(province).post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 302
    due = timezone.localtime(fresh(signed).due_at)
    for where in (reverse("board:supervision"), case_url(signed)):
        r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]),
                                     {"decision": "refuse", "note": "请先说明已做的工作再申请", "next": where})
        page = text(r)
        assert r.status_code == 409
        assert f"该延期申请已由省督办员于 {timezone.localtime(ext_decided(ext)):%m-%d %H:%M} 同意" in page, where
        assert f"答复期限已顺延至 {due:%Y-%m-%d}" in page
        assert "未提交的内容" in page and "请先说明已做的工作再申请" in page
    ext.refresh_from_db()
    assert ext.state == Extension.State.APPROVED and ext.decision_note == ""


def ext_decided(ext) -> dt.datetime:
    return Extension.objects.get(pk=ext.pk).decided_at


def test_extension_form_is_hidden_while_a_request_is_pending(signed, staff):
    """Submitting the form again could only give 409 「已有待审批的延期申请」."""
    extend_form = f'action="{reverse("board:case_action", args=[signed.public_id, "extend"])}"'
    assert extend_form in text(staff["officer"].get(case_url(signed)))
    assert act(staff["officer"], signed, "extend", days=3, reason="需要现场勘查").status_code == 302
    page = text(staff["officer"].get(case_url(signed)))
    assert extend_form not in page
    assert "已申请延期 3 个工作日" in page and "正在等待督办员审批" in page
    ext = Extension.objects.get()
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "refuse"})
    assert r.status_code == 302
    page = text(staff["officer"].get(case_url(signed)))
    assert extend_form in page and "正在等待督办员审批" not in page  # decided: a new request may follow


def test_extension_approved_moves_the_deadline(signed, staff):
    assert act(staff["officer"], signed, "extend", days=3, reason="需要现场勘查").status_code == 302
    ext = Extension.objects.get()
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    assert r.status_code == 302
    m = fresh(signed)
    assert m.due_at > signed.due_at
    assert m.due_at.astimezone(SH).time() == dt.time(23, 59, 59)
    assert Event.objects.filter(message=m, kind=Event.Kind.EXTENSION_APPROVED).exists()
    assert "已批准" in text(staff["officer"].get(case_url(m)))


def test_merge_lists_near_duplicates_and_shows_the_main_reply(personas, directory, staff, client):
    main = post_message(personas, directory, title="七里河区某小区电梯问题")
    dup = post_message(personas, directory, title="七里河区某小区电梯问题再反映")
    actions.do_accept(personas["dispatcher"], main)  # only an accepted (public) case can be a main case
    c = staff["dispatcher"]
    lookup.clear_cache()  # the lookup caches candidates per process; earlier tests' rows are gone
    page = text(c.get(case_url(dup)))
    assert f'name="pick" value="{main.public_id}"' in page  # offered as a near-duplicate
    assert "相似度" in page
    # post what the browser sends: every field of the merge form, the near-duplicate's radio checked
    form = re.search(r'<form[^>]*/merge/".*?</form>', page, re.S).group(0)
    fields = [(re.search(r'name="([^"]+)"', tag).group(1), (re.search(r'value="([^"]*)"', tag) or [None, ""])[1])
              for tag in re.findall(r"<input[^>]*>", form)]
    sent = [(name, value) for name, value in fields if name != "pick" or value in ("", main.public_id)]
    url = reverse("board:case_action", args=[dup.public_id, "merge"])
    r = c.post(url, urlencode(sent), content_type="application/x-www-form-urlencoded")
    assert r.status_code == 302
    dup = fresh(dup)
    assert dup.status == Status.MERGED and dup.duplicate_of == main
    assert act(c, main, "dispatch", lead=directory["housing"].pk).status_code == 302
    assert act(staff["officer"], main, "sign").status_code == 302
    assert act(staff["officer"], main, "reply", body=REPLY_TEXT).status_code == 302
    public = client.get(reverse("board:message", args=[dup.public_id]))
    assert public.status_code == 200 and REPLY_TEXT in text(public)


def _a_lift_case_in_hand(personas, directory) -> Message:
    """A new lift case signed by the housing bureau, its reply form beside the answered ones like it."""
    m = post_message(personas, directory, title="七里河区小区什么时候加装电梯")
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    lookup.clear_cache()
    return m


def test_reply_form_shows_similar_answers_and_the_preview_scores_the_draft(personas, directory, staff):
    old = post_message(personas, directory, title="七里河区小区加装电梯进展")
    actions.do_dispatch(personas["dispatcher"], old, directory["housing"])
    actions.do_sign(personas["officer"], fresh(old), directory["housing"])
    actions.do_reply(personas["officer"], fresh(old), directory["housing"], REPLY_TEXT)
    Message.objects.filter(pk=old.pk).update(body=old.body + " 我的电话13912345678")
    m = _a_lift_case_in_hand(personas, directory)
    page = text(staff["officer"].get(case_url(m)))
    similar = page[page.index("相似的已答复留言"):]
    assert old.title in similar and REPLY_TEXT in similar
    # a past case may be another unit's, anywhere in the province: its citizen's data stays hidden
    assert "139****5678" in similar and "13912345678" not in similar
    # its body is cut at 200 characters: the whole message is one click away (there was no link)
    assert f'href="{reverse("board:message", args=[old.public_id])}"' in similar.split("</details>")[0]

    r = staff["officer"].post(reverse("board:reply_preview", args=[m.public_id]),
                              {"version": fresh(m).version, "body": "收到, 谢谢您的留言。"})
    assert r.status_code == 200
    assert "答复质量评分" in text(r)
    assert "未提供联系电话或办理窗口" in text(r)  # one of the reasons for this thin draft
    # publishing stores the score with the reply
    assert act(staff["officer"], m, "reply", body="收到, 谢谢您的留言, 我们会尽快处理。").status_code == 302
    quality = Reply.objects.get(message=m).quality
    assert 0 <= quality["score"] <= 100 and quality["reasons"]


def test_a_similar_answer_beside_the_reply_form_hides_its_citizens_name_and_phone(personas, directory, staff):
    """A reply published before replies holding the citizen's data were refused greeted them by name and
    repeated their number: offered beside another case's reply form for reuse, both came whole, and a copy
    went past 发布答复 (it checks the new case's citizen only). Walk of 2026-12-05."""
    old = actions.do_submit(personas["other_citizen"], title="七里河区小区加装电梯进展", kind="complain",
                            region=directory["qilihe"], topic=directory["topic_build"],
                            body="我叫王小明, 电话13912345678。我们小区是老楼, 老人上下楼非常困难, 希望尽快加装电梯。")
    actions.do_dispatch(personas["dispatcher"], old, directory["housing"])
    actions.do_sign(personas["officer"], fresh(old), directory["housing"])
    actions.do_reply(personas["officer"], fresh(old), directory["housing"], REPLY_TEXT)
    Reply.objects.filter(message=old).update(body="王小明同志: 您好! 我们已致电13912345678与您沟通。" + REPLY_TEXT)
    m = _a_lift_case_in_hand(personas, directory)
    page = text(staff["officer"].get(case_url(m)))
    similar = page[page.index("相似的已答复留言"):]
    assert REPLY_TEXT in similar  # the reply is offered, its citizen's data hidden as on their message
    assert "13912345678" not in similar and "王小明" not in similar
    assert "王**同志: 您好" in similar and "139****5678" in similar
    # the API's list is the same
    found = staff["officer"].get(f"/api/v1/staff/cases/{m.public_id}/similar-answers/").json()
    assert [f["public_id"] for f in found] == [old.public_id]
    assert "13912345678" not in found[0]["reply"]["body"] and "王小明" not in found[0]["reply"]["body"]
    assert "王**同志" in found[0]["reply"]["body"]
    # the reply stored is unchanged (its own case page, and the admin that corrects it, read it whole)
    assert Reply.objects.get(message=old).body.startswith("王小明同志")


def test_a_similar_answer_also_hides_the_citizen_of_a_message_merged_into_its_case(personas, directory, staff):
    """One reply answers a main case and the messages merged into it, and may greet their citizens too: beside
    another case's reply form only the main case's citizen was hidden (review of 2026-12-05)."""
    old = actions.do_submit(personas["other_citizen"], title="七里河区小区加装电梯进展", kind="complain",
                            region=directory["qilihe"], topic=directory["topic_build"],
                            body="我们小区是老楼, 老人上下楼非常困难, 希望尽快加装电梯。")
    actions.do_dispatch(personas["dispatcher"], old, directory["housing"])
    dup = actions.do_submit(personas["citizen"], title="小区电梯加装又拖了", kind="complain",
                            region=directory["qilihe"], topic=directory["topic_build"],
                            body="我叫李建国, 电话13800001111, 电梯的事一直没有进展。")
    actions.do_merge(personas["dispatcher"], dup, fresh(old))
    actions.do_sign(personas["officer"], fresh(old), directory["housing"])
    actions.do_reply(personas["officer"], fresh(old), directory["housing"], REPLY_TEXT)
    Reply.objects.filter(message=old).update(body="李建国同志: 您好! 已致电13800001111。" + REPLY_TEXT)
    m = _a_lift_case_in_hand(personas, directory)
    found = staff["officer"].get(f"/api/v1/staff/cases/{m.public_id}/similar-answers/").json()
    assert [f["public_id"] for f in found] == [old.public_id]
    assert found[0]["reply"]["body"].startswith("李**同志: 您好! 已致电138****1111。")


def test_the_quality_panel_shows_every_part_the_score_is_made_of(personas, directory, signed, staff):
    """The score weighs four parts; the panel showed three, so 相关性, 完整性 and 可解释性
    never added up to the score beside them (及时性, a tenth of it, was missing); and
    「答复质量评分: 20」 did not say out of what; the parts read 0–1 beside a score of 0–100 (now %)."""
    # late: ten days past the case's deadline (timeliness counts from it)
    Message.objects.filter(pk=signed.pk).update(submitted_at=timezone.now() - dt.timedelta(days=30),
                                                due_at=timezone.now() - dt.timedelta(days=10))
    body = "经现场核查, 该小区电梯已由物业公司更换主板并恢复运行, 如有问题请致电 0931-8123456。"
    r = staff["officer"].post(reverse("board:reply_preview", args=[signed.public_id]),
                              {"version": fresh(signed).version, "body": body})
    q = lookup.score_for_reply(fresh(signed), body)
    panel = text(r)
    assert f"及时性 {round(q['timeliness'] * 100)}%" in panel and q["timeliness"] < 1  # parts in % of their best
    assert f"相关性 {round(q['relevance'] * 100)}%" in panel
    parts = 0.3 * (q["relevance"] + q["completeness"] + q["interpretability"]) + 0.1 * q["timeliness"]
    assert f"答复质量评分: {q['score']:g} 分 (满分 100)" in panel and abs(100 * parts - q["score"]) < 0.2


def test_the_case_page_shows_the_machines_reading_of_topic_and_type(personas, directory, staff):
    m = post_message(personas, directory)  # the citizen chose a topic; the machine read another
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_env"], topic_confidence=0.93,
                                           predicted_kind="suggest", kind_confidence=0.81)
    page = text(staff["dispatcher"].get(case_url(m)))
    reading = page[page.index("机器阅读:"):][:200]
    assert f"领域 {directory['topic_env'].name} (置信度 0.93)" in reading and "类型 建言 (置信度 0.81)" in reading


def test_a_confidence_below_one_never_reads_as_one(personas, directory, staff, monkeypatch):
    """A reading 0.9996 sure showed as 「置信度 1.00」 (two decimals, rounded): a guess read as certain.
    Every confidence on the case page is floored to two decimals now; only 1.0 reads 1.00. The stored
    value stays as it was."""
    m = post_message(personas, directory)
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_env"], topic_confidence=0.9996,
                                           predicted_kind="suggest", kind_confidence=1.0)
    Event.objects.create(message=m, kind=Event.Kind.CLASSIFIED, public=False,
                         data={"topic": directory["topic_env"].name, "topic_confidence": 0.9996,
                               "kind": "suggest", "kind_label": "suggest", "kind_confidence": 0.9951})
    monkeypatch.setattr(staff_hints, "suggest_for", lambda message: Suggestion(
        topic=directory["topic_traffic"], topic_confidence=0.2999, kind="", kind_confidence=None,
        region=directory["lanzhou"], lead=directory["transport"], reason="模型判断为交通运输",
        units_prefill=False, history=directory["housing"], history_confidence=0.9996))
    page = text(staff["dispatcher"].get(case_url(m)))
    env = directory["topic_env"].name
    reading = page[page.index("机器阅读:"):][:200]
    assert f"领域 {env} (置信度 0.99)" in reading and "类型 建言 (置信度 1.00)" in reading
    assert "领域置信度 0.29" in page and "(置信度 0.99)</span>" in page.split("历史派单参考")[1]
    assert f"领域 {env} (置信度\u00a00.99); 类型 建言 (置信度\u00a00.99)" in page.split("办理记录")[-1]
    assert fresh(m).topic_confidence == 0.9996


def _reply_preview(personas, directory, staff, **message_fields):
    """The officer's reply preview of a signed message with ``message_fields`` set."""
    m = post_message(personas, directory)
    Message.objects.filter(pk=m.pk).update(**message_fields)
    actions.do_dispatch(personas["dispatcher"], fresh(m), directory["housing"])
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])

    def preview(body):
        r = staff["officer"].post(reverse("board:reply_preview", args=[m.public_id]),
                                  {"version": fresh(m).version, "body": body})
        return text(r)

    return preview


def test_reply_preview_warns_before_publishing_the_citizens_phone_number(personas, directory, staff):
    preview = _reply_preview(personas, directory, staff, contact_phone="13912345678")
    leaking = preview("经核查, 已于昨日电话联系您 (13912345678), 电梯已修好, 咨询电话 0931-8451234。")
    assert "答复中含有留言人的个人信息 (手机号)" in leaking
    official = preview("经核查, 电梯已修好, 如有疑问请拨打咨询电话 0931-8451234 或 13800009999。")
    assert "留言人的个人信息" not in official  # the unit's own numbers are meant to be public


def test_a_reply_with_the_citizens_phone_number_is_refused_not_published(personas, directory, signed, staff):
    """The preview said 「请勿发布: 答复中含有留言人的个人信息 (手机号)」, but 发布答复 pressed without a
    preview (or after it) published the reply, the citizen's number on the public page. Now the form and
    the API refuse it with the preview's words, the draft kept, nothing published."""
    from rest_framework.test import APIClient

    Message.objects.filter(pk=signed.pk).update(contact_phone="13912345678")
    leaking = "经核查, 电梯已于昨日修好, 已电话告知您 (13912345678)。如有疑问请致电 0931-8451234。"
    r = act(staff["officer"], signed, "reply", body=leaking)
    assert r.status_code == 400
    page = text(r)
    assert "答复中含有留言人的个人信息 (手机号), 答复会公开发布, 请删去后再发布" in page
    assert "13912345678)。如有疑问" in page.split('name="body"')[1].split("</textarea>")[0]  # the draft, kept
    api = APIClient()
    api.force_authenticate(personas["officer"])
    r = api.post(f"/api/v1/staff/cases/{signed.public_id}/reply/", {"body": leaking}, format="json")
    assert r.status_code == 400 and "留言人的个人信息" in r.json()["error"]["fields"]["body"][0]
    assert not Reply.objects.exists() and fresh(signed).status == Status.SIGNED
    official = "经核查, 电梯已于昨日修好。如有疑问请拨打咨询电话 0931-8451234 或 13800009999。"
    assert act(staff["officer"], signed, "reply", body=official).status_code == 302  # the unit's own numbers


def test_the_citizens_phone_or_email_written_another_way_is_refused_too(personas, directory, signed, staff):
    """The refusal compared the text as written: the citizen's 13912345678 written 139-1234-5678,
    139 1234 5678, +86 13912345678 or in full-width digits, or their e-mail in capitals, was published."""
    Message.objects.filter(pk=signed.pk).update(contact_phone="13912345678", contact_email="li.si@example.com",
                                                body="电梯坏了一个月, 我家座机 0931-8123456。")
    for written in ("139-1234-5678", "139 1234 5678", "+86 13912345678", "１３９１２３４５６７８",
                    "LI.SI@EXAMPLE.COM", "0931 8123456"):
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 电梯已修好, 已电话告知您 ({written})。")
        assert r.status_code == 400 and "答复中含有留言人的个人信息" in text(r), written
    assert not Reply.objects.exists()


def test_a_greeting_by_a_two_character_name_the_open311_name_and_the_citizens_flat_are_refused(personas, directory,
                                                                                                 signed, staff):
    """Review of 2026-12-05: 「王伟您好!」 to a citizen who wrote 我叫王伟 was published (a two-character name counted only
    before punctuation, 同志, 先生 …, not 您好 / 你好), as were the full name an Open311 request gave (联系人 王小明, read by
    the case page) and the flat of the message's 地点 (3单元1203室): each published whole on the public page, and each
    offered whole beside other cases' reply forms."""
    tries = [
        ({"body": "我叫王伟, 电梯坏了一个月。"}, "王伟您好! 经核查, 电梯已于昨日修好。"),
        ({"body": "我叫王伟, 电梯坏了一个月。"}, "王伟你好, 经核查, 电梯已于昨日修好。"),
        ({"contact_name": "王小明"}, "王小明您好! 经核查, 电梯已于昨日修好。"),
        ({"address": "城关区张掖路12号3单元1203室"}, "经核查, 3单元1203室门前的电梯已于昨日修好。"),
    ]
    for fields, reply in tries:
        Message.objects.filter(pk=signed.pk).update(**fields)
        r = act(staff["officer"], fresh(signed), "reply", body=reply)
        assert r.status_code == 400 and "答复中含有留言人的个人信息" in text(r), reply
        shown = staff_hints.reply_shown_to_others(fresh(signed), reply)  # beside another case's reply form
        assert shown.startswith(("王*您好", "王*你好", "王**您好", "经核查, 3单元****室")), shown
    assert not Reply.objects.exists()
    Message.objects.filter(pk=signed.pk).update(body="我叫王伟, 电梯坏了一个月。", contact_name="王先生", address="")
    r = act(staff["officer"], fresh(signed), "reply", body="王先生您好! 经核查, 电梯已于昨日修好。")
    assert r.status_code == 302  # a surname and a title name no one


def test_a_landline_a_flat_and_a_given_name_written_other_ways_are_refused(personas, directory, signed, staff):
    """Review of 2026-12-05: the citizen's landline given back as 09318123456, (0931)8123456 or 8123456, their flat
    written 5号楼502 / 3-2-501 / 1102室, and a greeting by their given name (伟您好, 小伟你好 to 王伟) were published: the
    patterns knew only 0931-8123456, 3单元502室 and 王伟您好. The unit's own number, however written, is still published."""
    from rest_framework.test import APIClient

    Message.objects.filter(pk=signed.pk).update(body="我叫王伟, 电梯坏了一个月, 家里座机(0931)8123456, 住5号楼502。",
                                                address="幸福家园3-2-501")
    api = APIClient()
    api.force_authenticate(personas["officer"])
    for reply, label in (("已致电09318123456告知您", "固定电话"), ("已致电0931-8123456告知您", "固定电话"),
                         ("已致电（0931）8123456告知您", "固定电话"), ("已致电您家电话8123456", "固定电话"),
                         ("已到5号楼502室查看", "门牌号"), ("已到5号楼502查看", "门牌号"), ("已到3-2-501查看", "门牌号"),
                         ("伟您好! 电梯已修好", "姓名"), ("小伟你好, 电梯已修好", "姓名"), ("王伟同学你好, 电梯已修好", "姓名")):
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, {reply}。")
        assert r.status_code == 400 and f"答复中含有留言人的个人信息 ({label}), 答复会公开发布" in text(r), reply
        r = api.post(f"/api/v1/staff/cases/{signed.public_id}/reply/", {"body": f"经核查, {reply}。"}, format="json")
        assert r.status_code == 400 and f"({label})" in r.json()["error"]["fields"]["body"][0], reply
    assert not Reply.objects.exists()
    official = "您好! 经核查, 电梯已修好。如有疑问请拨打咨询电话 09318451234 或 (0931)8451235, 或到政务大厅1102室咨询。"
    assert act(staff["officer"], fresh(signed), "reply", body=official).status_code == 302  # the unit's own


def test_a_landline_without_a_dash_quoted_as_the_property_companys_is_published(personas, directory, signed, staff):
    """The organisation's phone rule (物业电话 0731-8123456 打不通) holds for a number written without a dash or in brackets
    too; the citizen's own number so written stays theirs."""
    _theirs_unless_dialled(signed, staff, "(0931)8123456", "固定电话", (
        "我的电话(0931)8123456", "我家座机09318123456", "我单位电话 8123456"),
        dialled="我多次拨打物业公司电话(0931)8123456无人接听")


def test_a_reply_citing_a_sixteen_digit_case_number_is_published(personas, directory, signed, staff):
    """Any run of 16–19 digits was refused as a 银行卡号: a reply citing the hotline's 工单号 2026120500001234
    could not be published. A bank card carries its check digit (Luhn), a case number does not; the
    citizen's own card number, from their message, is refused whatever its digits."""
    Message.objects.filter(pk=signed.pk).update(body="电梯坏了一个月, 维修基金退款请打到我的卡 6222 0212 3456 7890。")
    for card in ("6222021234567894", "6222 0212 3456 7890"):  # a card's check digit; the citizen's own
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 退款已打入您的银行卡 {card}。")
        assert r.status_code == 400 and "答复中含有留言人的个人信息 (银行卡号)" in text(r), card
    r = act(staff["officer"], fresh(signed), "reply",
            body="经核查, 电梯已修好, 12345热线工单号 2026120500001234 已办结。如有疑问请致电 0931-8451234。")
    assert r.status_code == 302 and Reply.objects.get().body.startswith("经核查, 电梯已修好")


def test_a_reply_giving_a_number_the_citizen_quoted_as_the_property_companys_is_published(personas, directory, signed,
                                                                                           staff):
    """「物业电话 0731-8123456 打不通」: every phone number of the message was read as the citizen's, so a reply giving the
    property company's public number was refused 「答复中含有留言人的个人信息 (固定电话)」. A number the message gives as an
    organisation's (物业, 公司, 热线, 单位 … and its phone word right before it) is no longer theirs; their own, one given as
    a person's (物业经理张某的手机), and one given as theirs anywhere in the message still are."""
    body = "电梯坏了一个月, 物业电话 0731-8123456 打不通, 物业经理张某的手机 13800001111 也不接。我的电话 0731-8765432。"
    Message.objects.filter(pk=signed.pk).update(contact_phone="13912345678", body=body)
    for own in ("13912345678", "0731-8765432", "13800001111"):
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 电梯已于昨日修好, 已电话告知您 ({own})。")
        assert r.status_code == 400 and "答复中含有留言人的个人信息" in text(r), own
    # given as theirs too, anywhere in the message: theirs (when unsure, refused)
    Message.objects.filter(pk=signed.pk).update(body=body + "白天可打我单位电话 0731-8123456 找我。")
    r = act(staff["officer"], fresh(signed), "reply", body="经核查, 电梯已修好。物业服务电话 0731-8123456 已恢复接听。")
    assert r.status_code == 400 and "答复中含有留言人的个人信息 (固定电话)" in text(r)
    Message.objects.filter(pk=signed.pk).update(body=body)
    r = act(staff["officer"], fresh(signed), "reply", body="经核查, 电梯已修好。物业服务电话 0731-8123456 已恢复接听。")
    assert r.status_code == 302 and "0731-8123456" in Reply.objects.get().body


def _theirs_unless_dialled(signed, staff, number: str, label: str, own: tuple[str, ...], dialled: str) -> None:
    """A reply giving ``number`` back is refused as the citizen's ``label`` after each words of ``own``, and published
    after ``dialled`` (the organisation's number the citizen rang)."""
    for words in own:
        Message.objects.filter(pk=signed.pk).update(body=f"电梯坏了一个月没人修。{words}, 白天可以找我。")
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 电梯已修好, 已电话 {number} 告知您。")
        assert r.status_code == 400 and f"答复中含有留言人的个人信息 ({label})" in text(r), words
    Message.objects.filter(pk=signed.pk).update(body=f"电梯坏了一个月, {dialled}。")
    r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 电梯已修好。物业服务电话 {number} 已恢复接听。")
    assert r.status_code == 302 and number in Reply.objects.get().body


def test_a_number_of_the_citizens_own_organisation_stays_theirs_however_it_is_named(personas, directory, signed,
                                                                                     staff):
    """Review of 2026-12-05: the organisation's phone rule let the writer's own organisation's number through when it was
    named other than 「我单位电话」 — 本单位电话, 我所在单位电话, 我爱人单位电话, 我公司客服电话 (the guard looked at the word before
    客服 alone), 我们物业公司电话 — and a reply giving it back was published beside their message."""
    _theirs_unless_dialled(signed, staff, "0931-8123456", "固定电话", (
        "本单位电话 0931-8123456", "我所在单位电话 0931-8123456", "我爱人单位电话 0931-8123456",
        "我公司客服电话 0931-8123456", "我们物业公司电话 0931-8123456", "咱单位电话 0931-8123456"),
        dialled="我多次拨打小区物业公司电话 0931-8123456 无人接听")


def test_the_number_a_citizen_left_with_an_organisation_stays_theirs(personas, directory, signed, staff):
    """Review of 2026-12-05: 「留给物业的电话 139…」, 「登记在物业的电话」, 「告诉开发商的电话」 name the citizen's own number, the
    one they gave the organisation; read as the organisation's (物业的电话), a reply giving it back was published."""
    _theirs_unless_dialled(signed, staff, "13800002222", "手机号", (
        "留给物业的电话 13800002222", "我登记在物业的电话是13800002222", "告诉开发商的电话13800002222",
        "提供给售楼部的联系电话 13800002222"), dialled="拨打物业的电话 13800002222 无人接听")


def test_a_reply_giving_a_service_line_or_a_public_room_the_citizen_named_is_published(personas, directory, signed,
                                                                                        staff):
    """Review of 2026-12-06: 「打电话95105588没人接」 read the service line as the citizen's landline and 「1号楼101是物业办公室」
    the office as their flat, so a reply giving either back was refused 「答复中含有留言人的个人信息」. Their own 8-digit
    landline (我的电话 82345678) and their flat are still refused."""
    body = "停电一天, 打电话95105588没人接, 1号楼101是物业办公室也没人。我住3号楼502, 我的电话 82345678。"
    Message.objects.filter(pk=signed.pk).update(body=body)
    for own, label in (("已拨打您的电话82345678告知", "固定电话"), ("已到3号楼502告知您", "门牌号")):
        r = act(staff["officer"], fresh(signed), "reply", body=f"经核查, 已恢复供电, {own}。")
        assert r.status_code == 400 and f"答复中含有留言人的个人信息 ({label})" in text(r), own
    reply = "经核查, 已恢复供电。供电服务电话95105588已恢复接听, 1号楼101物业办公室已安排专人值班。"
    r = act(staff["officer"], fresh(signed), "reply", body=reply)
    assert r.status_code == 302 and Reply.objects.get().body == reply


def test_a_reply_naming_a_citizen_who_wrote_anonymously_is_refused(personas, directory, signed, staff):
    """The public page hides an anonymous citizen's registered name wherever they wrote it (own_names);
    a reply opening 「赵建国同志: 您好」 was published, the name beside their message for all to read."""
    from minsheng.accounts.models import User

    User.objects.filter(pk=personas["citizen"].pk).update(display_name="赵建国")
    reply = "赵建国同志: 您好! 经核查, 电梯已于昨日修好。如有疑问请致电 0931-8451234。"
    r = act(staff["officer"], fresh(signed), "reply", body=reply)
    assert r.status_code == 400 and "答复中含有留言人的个人信息 (姓名)" in text(r)
    Message.objects.filter(pk=signed.pk).update(show_name=True)  # shown with their name: the reply may say it
    assert act(staff["officer"], fresh(signed), "reply", body=reply).status_code == 302


def test_reply_preview_warns_before_publishing_the_name_the_citizen_introduced(personas, directory, staff):
    preview = _reply_preview(personas, directory, staff, body="我叫王小明, 住在幸福家园3号楼, 电梯坏了一个月。")
    assert "答复中含有留言人的个人信息 (姓名)" in preview("王小明同志: 您好! 经核查, 电梯已于昨日修好。")
    assert "留言人的个人信息" not in preview("王先生: 您好! 经核查, 电梯已于昨日修好。")


def test_merge_into_unknown_or_itself_is_refused(personas, directory, staff):
    m = post_message(personas, directory)
    r = act(staff["dispatcher"], m, "merge", into="20990101999999")
    assert r.status_code == 400 and "找不到编号" in text(r)
    r = act(staff["dispatcher"], m, "merge", into=m.public_id)
    assert r.status_code == 400 and "不能合并到自身" in text(r)
    assert fresh(m).status == Status.SUBMITTED


def test_a_main_case_with_merged_messages_cannot_itself_be_merged(personas, directory, staff, client):
    """Merged into a third case, the main case left its own merged messages pointing at a
    case that would never be answered: their pages never showed the reply, and their
    authors and supporters were never told of it."""
    p, d = personas, directory
    main = post_message(p, d, title="七里河区小区加装电梯主留言")
    actions.do_dispatch(p["dispatcher"], main, d["housing"])
    dup = post_message(p, d, title="七里河区小区加装电梯重复留言")
    actions.do_merge(p["dispatcher"], dup, fresh(main))
    other = post_message(p, d, title="七里河区另一条加装电梯留言")
    actions.do_accept(p["dispatcher"], other)
    r = act(staff["dispatcher"], main, "merge", into=other.public_id)
    assert r.status_code == 400 and "已有其他留言并入" in text(r)
    assert fresh(main).status == Status.DISPATCHED and fresh(dup).duplicate_of_id == main.pk


def test_a_wrong_merge_is_undone_on_the_case_page(personas, directory, staff, client,
                                                 django_capture_on_commit_callbacks):
    """撤销并单: merged into the wrong case, the message goes back to the dispatcher's queue."""
    p, d, c = personas, directory, staff["dispatcher"]
    main = post_message(p, d, title="七里河区甲小区电梯停运")
    actions.do_accept(p["dispatcher"], main)
    m = post_message(p, d, title="七里河区乙小区楼道灯不亮")
    assert act(c, m, "dispatch", lead=d["housing"].pk).status_code == 302
    assert act(c, m, "merge", into=main.public_id).status_code == 302
    assert m.title in text(c.get(case_url(main)))  # 并入本件的留言
    page = text(c.get(case_url(m)))
    form = re.search(r'<form[^>]*/unmerge/".*?</form>', page, re.S).group(0)
    assert 'name="reason"' in form and "<button" in form and "撤销并单" in form
    # those who may not: a citizen, the unit that had it, a supervisor (403); another region's dispatcher sees nothing
    for name, status in (("citizen", 403), ("officer", 403), ("supervisor", 403), ("dx_dispatcher", 404)):
        r = act(staff[name], m, "unmerge", reason="并错了")
        assert r.status_code == status, name
        if status == 403 and name != "citizen":
            assert "不是该区划的派单员" in text(r) and "/unmerge/" not in text(r)
    r = act(c, m, "unmerge", reason="   ")
    assert r.status_code == 400 and "请填写理由" in text(r)
    r = act(c, m, "unmerge", version=fresh(m).version - 1, reason="并错了")  # a page read before the merge
    assert r.status_code == 409 and CONFLICT in text(r)
    r = act(c, main, "unmerge", reason="并错了")  # never merged itself
    assert r.status_code == 409 and "不能撤销并单" in text(r)
    assert fresh(m).status == Status.MERGED and not Event.objects.filter(kind=Event.Kind.UNMERGED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        r = act(c, m, "unmerge", reason="楼道灯与电梯不是同一问题")
    assert r.status_code == 302
    page = text(c.get(r.url))
    assert f"已撤销并单, 该留言不再并入 {main.public_id}" in page  # said once, after the action
    assert "待派单" in page and "楼道灯与电梯不是同一问题" in page
    assert f"已撤出原主件 {main.public_id}, 重新待派单" in page  # 办理记录, in words
    assert "/unmerge/" not in page and "/dispatch/" in page  # to be dispatched again, here
    assert m.title in text(c.get(reverse("board:triage")))
    main_page = text(c.get(case_url(main)))
    assert "并入本件的留言" not in main_page and f"撤出留言 {m.public_id}, 不再并入本件" in main_page
    public = text(client.get(reverse("board:message", args=[m.public_id])))
    assert "撤销并单" in public and "楼道灯与电梯不是同一问题" not in public  # the reason stays internal
    assert Notification.objects.filter(user=p["citizen"], message=m, kind="unmerged").count() == 1
    assert act(c, m, "dispatch", lead=d["transport"].pk).status_code == 302
    assert fresh(m).status == Status.DISPATCHED and fresh(m).due_at is not None


def test_supervision_flags_the_case_and_lists_overdue_ones(personas, directory, staff,
                                                          django_capture_on_commit_callbacks):
    late = post_message(personas, directory, title="超期未办的留言标题")
    actions.do_dispatch(personas["dispatcher"], late, directory["housing"],
                        at=dt.datetime(2025, 6, 2, 9, 0, tzinfo=SH))
    page = text(staff["supervisor"].get(reverse("board:supervision")))
    overdue_section = page[page.index('id="overdue"'):page.index('id="supervised"')]
    assert late.title in overdue_section and "已超期" in overdue_section
    with django_capture_on_commit_callbacks(execute=True):
        r = act(staff["supervisor"], late, "supervise", note="请三日内答复")
    assert r.status_code == 302
    late = fresh(late)
    assert late.supervised and late.supervision_note == "请三日内答复"
    assert Event.objects.filter(message=late, kind=Event.Kind.SUPERVISED).exists()
    assert Notification.objects.filter(user=personas["officer"], message=late, kind="supervised").exists()
    page = text(staff["supervisor"].get(reverse("board:supervision")))
    assert late.title in page[page.index('id="supervised"'):]
    # officers cannot supervise
    r = act(staff["officer"], late, "supervise", note="自己督办自己")
    assert r.status_code == 403
    inbox = text(staff["officer"].get(reverse("board:inbox")))
    assert "已超期" in inbox and "督办" in inbox


def test_replied_case_closes_automatically_after_seven_days(personas, directory, signed, staff, client, settings,
                                                           django_capture_on_commit_callbacks):
    replied_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    actions.do_reply(personas["officer"], signed, signed.assignments.get().unit, REPLY_TEXT, at=replied_at)
    recent = post_message(personas, directory, title="六天前答复的留言")
    actions.do_dispatch(personas["dispatcher"], recent, directory["housing"])
    actions.do_sign(personas["officer"], fresh(recent), directory["housing"])
    actions.do_reply(personas["officer"], fresh(recent), directory["housing"], REPLY_TEXT,
                     at=dt.datetime.now(dt.UTC) - dt.timedelta(days=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.close_stale() == 1
    m = fresh(signed)
    assert m.status == Status.CLOSED
    assert Event.objects.get(message=m, kind=Event.Kind.CLOSED).data["reason"] == "no_evaluation"
    assert fresh(recent).status == Status.REPLIED
    assert actions.close_stale() == 0  # idempotent
    assert Notification.objects.filter(user=personas["citizen"], message=m, kind="closed").exists()
    # the case page says why it closed in words, not the stored code
    case_page = text(staff["dispatcher"].get(case_url(m)))
    assert "答复后 7 天未评价, 自动办结" in case_page and "no_evaluation" not in case_page
    settings.MINSHENG_EVALUATION_DAYS = 10  # the period stated is the deployment's, on both timelines
    assert "答复后 10 天未评价, 自动办结" in text(staff["dispatcher"].get(case_url(m)))
    assert "答复后 10 天未评价, 自动办结" in text(client.get(f"/m/{m.public_id}/"))


# --- bad input on every staff form -----------------------------------------------------

BAD_INPUT = [
    ("reply", {"body": "好的"}, "至少 10 个字"),
    ("reply", {"body": ""}, "请填写答复内容"),
    ("reply", {"body": "We have received your message and will handle it soon."}, "答复内容没有中文"),
    ("reply", {"body": "0931-12345678, 12345"}, "答复内容没有中文"),
    ("reply", {"body": "经核查" * 34000}, "答复内容不能超过 10000 字"),
    ("transfer", {"reason": "不属于本单位"}, "请选择转办单位"),
    ("transfer", {"to_unit": "999999", "reason": "不属于本单位"}, "请选择有效的办理单位"),
    ("transfer", {"to_unit": "abc", "reason": "不属于本单位"}, "请选择有效的办理单位"),
    ("transfer", {"to_unit": "UNIT", "reason": "   "}, "请填写理由"),
    ("return", {"reason": ""}, "请填写理由"),
    ("return", {"reason": "长" * 301}, "理由不能超过 300 字"),
    ("extend", {"days": "0", "reason": "需要时间"}, "1 至 30 个工作日"),
    ("extend", {"days": "99", "reason": "需要时间"}, "1 至 30 个工作日"),
    ("extend", {"days": "三天", "reason": "需要时间"}, "延期天数应为整数"),
    ("extend", {"days": "3"}, "请填写延期理由"),
    ("sign", {"version": ""}, "表单已失效"),
    ("sign", {"version": "abc"}, "表单已失效"),
]


@pytest.mark.parametrize("action, data, error", BAD_INPUT)
def test_bad_input_on_unit_forms(signed, directory, staff, action, data, error):
    data = {k: (directory["transport"].pk if v == "UNIT" else v) for k, v in data.items()}
    before = fresh(signed)
    r = act(staff["officer"], signed, action, **data)
    assert r.status_code == 400
    assert error in text(r)
    after = fresh(signed)
    assert (after.status, after.version, after.due_at) == (before.status, before.version, before.due_at)
    assert not Reply.objects.exists() and not Extension.objects.exists()


DISPATCHER_BAD_INPUT = [
    ("dispatch", {}, "请选择主办单位"),
    ("dispatch", {"lead": "999999"}, "请选择有效的主办单位"),
    ("dispatch", {"lead": "HOUSING", "assists": ["x"]}, "请选择有效的协办单位"),
    ("dispatch", {"lead": "HOUSING", "kind": "spam"}, "请选择有效的留言类型"),
    ("dispatch", {"lead": "HOUSING", "topic": "999999"}, "请选择有效的领域"),
    ("dispatch", {"lead": "DX"}, "请选择有效的主办单位"),  # a unit outside the message's prefecture
    ("reject", {"reason": "  "}, "请填写理由"),
    ("reject", {"reason": "广告\x00信息"}, "含有无法识别的控制字符"),
    ("accept", {"version": "x"}, "表单已失效"),
    ("merge", {}, "请选择或填写要并入的留言编号"),
    ("merge", {"into": "x" * 25}, "不能超过 20 个字符"),
]


@pytest.mark.parametrize("action, data, error", DISPATCHER_BAD_INPUT)
def test_bad_input_on_dispatcher_forms(personas, directory, staff, action, data, error):
    ids = {"HOUSING": directory["housing"].pk, "DX": directory["dx_housing"].pk}

    def resolve(v):
        return [ids.get(x, x) for x in v] if isinstance(v, list) else ids.get(v, v)

    m = post_message(personas, directory)
    r = act(staff["dispatcher"], m, action, **{k: resolve(v) for k, v in data.items()})
    assert r.status_code == 400
    assert error in text(r)
    m = fresh(m)
    assert m.status == Status.SUBMITTED and m.version == 0
    assert not Assignment.objects.exists()


def test_bad_input_on_assist_supervise_and_decide_forms(personas, directory, staff):
    m = post_message(personas, directory)
    assert act(staff["dispatcher"], m, "dispatch", lead=directory["housing"].pk,
               assists=[directory["ecology"].pk]).status_code == 302
    r = act(staff["other_officer"], m, "assist", body="")
    assert r.status_code == 400 and "请填写协办意见" in text(r)
    r = act(staff["supervisor"], m, "supervise", note="")
    assert r.status_code == 400 and "请填写督办意见" in text(r)
    assert act(staff["officer"], m, "sign").status_code == 302
    assert act(staff["officer"], m, "extend", days=3, reason="需要时间").status_code == 302
    ext = Extension.objects.get()
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "maybe"})
    assert r.status_code == 400 and "请选择同意或不同意" in text(r)
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]),
                                 {"decision": "approve", "note": "长" * 301})
    assert r.status_code == 400 and "不能超过 300 字" in text(r)
    ext.refresh_from_db()
    assert ext.state == Extension.State.PENDING
    assert not fresh(m).supervised
    assert not Event.objects.filter(message=m, kind__in=["assist_note", "supervised"]).exists()
    assert staff["supervisor"].post(reverse("board:decide_extension", args=[987654]),
                                    {"decision": "approve"}).status_code == 404


def test_unknown_action_and_get_on_actions(signed, staff):
    assert act(staff["officer"], signed, "explode").status_code == 404
    # an action's address opened directly shows the case, and does nothing
    r = staff["officer"].get(reverse("board:case_action", args=[signed.public_id, "reply"]))
    assert r.status_code == 302 and r["Location"] == case_url(signed)
    assert fresh(signed).status == Status.SIGNED
    assert staff["officer"].get(reverse("board:case", args=["nope"])).status_code == 404


# --- the citizen's side of the workflow (pages by the citizen-pages work) ----------------------

def follow_text(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response["Location"]))


def test_citizen_withdraws_before_dispatch_but_not_after(personas, directory, staff):
    c = staff["citizen"]
    early = post_message(personas, directory, title="提交后马上撤回的留言")
    r = c.post(reverse("board:withdraw", args=[early.public_id]), {"confirm": "on"})
    assert r.status_code == 302 and fresh(early).status == Status.WITHDRAWN
    late = post_message(personas, directory)
    assert act(staff["dispatcher"], late, "dispatch", lead=directory["housing"].pk).status_code == 302
    r = c.post(reverse("board:withdraw", args=[late.public_id]), {"confirm": "on"})
    assert "不能撤回" in follow_text(c, r)
    assert fresh(late).status == Status.DISPATCHED
    # nobody else may withdraw a citizen's message
    other = post_message(personas, directory, title="别人不能撤回的留言")
    r = staff["other_citizen"].post(reverse("board:withdraw", args=[other.public_id]), {"confirm": "on"})
    assert r.status_code == 404 and fresh(other).status == Status.SUBMITTED


def rate(client, m, value, comment=""):
    return client.post(reverse("board:rate", args=[m.public_id]),
                       {"resolution": value, "attitude": value, "speed": value, "comment": comment})


def test_rating_reopen_once_and_reopening_twice_is_refused(personas, directory, signed, staff):
    c, officer = staff["citizen"], staff["officer"]
    assert rate(c, signed, "satisfied").status_code == 302  # not replied yet: refused
    assert fresh(signed).status == Status.SIGNED
    assert act(officer, signed, "reply", body=REPLY_TEXT).status_code == 302
    assert staff["other_citizen"].post(reverse("board:rate", args=[signed.public_id]),
                                       {"resolution": "satisfied"}).status_code == 404
    assert rate(c, signed, "unsatisfied", "电梯仍未开工").status_code == 302
    m = fresh(signed)
    assert m.status == Status.EVALUATED

    r = c.post(reverse("board:reopen", args=[m.public_id]), {"reason": "答复没有解决问题, 请重新办理"})
    assert r.status_code == 302
    m = fresh(m)
    assert m.status == Status.DISPATCHED and m.reopen_count == 1
    second = m.assignments.get(state="active")
    assert second.unit == directory["housing"] and second.round == 2
    assert m.title in text(officer.get(reverse("board:inbox")))
    r = c.post(reverse("board:reopen", args=[m.public_id]), {"reason": "再申请一次重办试试"})
    assert "重办一次" in follow_text(c, r)
    assert fresh(m).reopen_count == 1 and m.assignments.count() == 2

    # the same unit handles it again; an unsatisfied second rating closes the case
    assert act(officer, m, "sign").status_code == 302
    assert act(officer, m, "reply", body="已协调施工单位, 电梯将于下月开工, 联系电话 0931-1234567。").status_code == 302
    assert rate(c, m, "unsatisfied").status_code == 302
    m = fresh(m)
    assert m.status == Status.CLOSED
    r = c.post(reverse("board:reopen", args=[m.public_id]), {"reason": "还是没有解决, 再次申请"})
    assert "重办一次" in follow_text(c, r)
    m = fresh(m)
    assert m.status == Status.CLOSED and m.reopen_count == 1
    assert Assignment.objects.filter(message=m).count() == 2


def _selected(page, name):
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return [v for v in re.findall(r'<option value="([^"]*)" selected>', select) if v]


def test_confident_prediction_is_prefilled_and_routes_the_dispatch(personas, directory, staff):
    m = post_message(personas, directory, topic=None, kind="help")
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=0.92,
                                           predicted_kind="complain", kind_confidence=0.81)
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "topic") == [str(directory["topic_traffic"].pk)]
    assert _selected(page, "kind") == ["complain"]
    assert _selected(page, "lead") == [str(directory["transport"].pk)]  # 交通运输 in 兰州市


def test_a_sure_topic_does_not_prefill_an_unsure_type(personas, directory, staff):
    m = post_message(personas, directory, topic=None, kind="help")
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=0.92,
                                           predicted_kind="complain", kind_confidence=0.3,
                                           classified_at=dt.datetime.now(dt.UTC))
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "topic") == [str(directory["topic_traffic"].pk)]
    assert _selected(page, "kind") == []
    assert re.search(r'<select name="topic"[^>]*>\s*<option value="">\(未分类, 请选择\)</option>', page)


def test_unsure_prediction_is_not_prefilled(personas, directory, staff):
    m = post_message(personas, directory, topic=None, kind="help")
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=0.3,
                                           predicted_kind="complain", kind_confidence=0.2)
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "topic") == [] and _selected(page, "kind") == []
    # the citizen chose no topic: the units of the unsure guess are a labelled hint, not preselected
    assert _selected(page, "lead") == [] and _selected(page, "assists") == []
    assert "机器猜测 (置信度较低)</strong>, 未预选: 主办单位 <b>兰州市交通运输局</b>" in page
    assert "领域置信度 0.30" in page and "建议主办单位" not in page
    # the empty choices say what they keep: a bare 「(不变)」 read as if the message had a topic
    assert re.search(r'<select name="topic"[^>]*>\s*<option value="" selected>\(未分类, 请选择\)</option>', page)
    assert re.search(r'<select name="kind"[^>]*>\s*<option value="" selected>\(不变: 求助\)</option>', page)


def test_actions_return_to_a_local_next_page_only(dispatched, staff):
    sup = reverse("board:supervision")
    r = act(staff["supervisor"], dispatched, "supervise", note="请尽快签收", next=sup)
    assert r.status_code == 302 and r["Location"] == sup
    r = act(staff["officer"], dispatched, "sign", next="https://evil.example.com/")
    assert r.status_code == 302 and r["Location"] == case_url(dispatched)


def test_the_dispatch_form_gives_the_routing_reason_without_english(personas, directory, staff, client):
    """The form read 「建议主办单位: … (城乡建设 in 兰州市 → 兰州市住房和城乡建设局)」, an English
    word on a dispatcher's Chinese page; the API's reason keeps issue 3's form for integrators."""
    m = post_message(personas, directory)
    page = text(staff["dispatcher"].get(case_url(m)))
    suggestion = re.search(r'<p class="suggestion" id="dispatch-suggestion">(.*?)</p>', page, re.S).group(1)
    assert "权责清单: 兰州市 · 城乡建设 → 兰州市住房和城乡建设局" in suggestion
    assert not re.search(r"[A-Za-z]", re.sub(r"<[^>]+>", "", suggestion))
    api = staff["dispatcher"].get(f"/api/v1/staff/cases/{m.public_id}/suggestion/").json()
    assert api["reason"].startswith("城乡建设 in 兰州市 → 兰州市住房和城乡建设局")


@pytest.mark.parametrize("prefill", [True, False])
def test_insight_suggestion_drives_the_dispatch_form(personas, directory, staff, monkeypatch, prefill):
    """The machine's suggestion: its unit is preselected, its reason shown, and its
    topic/type prefilled only when it is confident enough."""
    m = post_message(personas, directory, topic=None, kind="help")
    suggestion = Suggestion(topic=directory["topic_env"], topic_confidence=0.87, kind="complain",
                            kind_confidence=0.9 if prefill else 0.3,
                            region=directory["lanzhou"], lead=directory["ecology"], assists=[directory["housing"]],
                            reason="模型判断为环境保护 (置信度 0.87)", prefill=prefill)
    monkeypatch.setattr(staff_hints, "suggest_for", lambda message: suggestion)
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "lead") == [str(directory["ecology"].pk)]
    assert _selected(page, "assists") == [str(directory["housing"].pk)]
    assert "模型判断为环境保护" in page
    assert "建议主办单位: <b>兰州市生态环境局</b>, 协办: 兰州市住房和城乡建设局" in page
    assert _selected(page, "topic") == ([str(directory["topic_env"].pk)] if prefill else [])
    assert _selected(page, "kind") == (["complain"] if prefill else [])


def test_a_failing_suggestion_falls_back_to_the_responsibility_table(personas, directory, staff, monkeypatch):
    m = post_message(personas, directory)

    def broken(message):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(staff_hints, "suggest_for", broken)
    r = staff["dispatcher"].get(case_url(m))
    assert r.status_code == 200
    assert _selected(text(r), "lead") == [str(directory["housing"].pk)]


def test_the_fallback_does_not_preselect_units_of_an_unsure_guess_either(personas, directory, staff, monkeypatch):
    m = post_message(personas, directory, topic=None)
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=0.07)

    def broken(message):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(staff_hints, "suggest_for", broken)
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "lead") == [] and "机器猜测 (置信度较低)" in page and "兰州市交通运输局" in page


@pytest.mark.parametrize("confidence, topic, lead", [(0.95, "topic_traffic", "transport"), (0.2, "topic_build", "housing")])
def test_lead_follows_the_topic_the_form_shows(personas, directory, staff, confidence, topic, lead):
    """The citizen chose 城乡建设; the machine reads 交通运输. A confident reading is
    prefilled and routes the case; an unsure one leaves the citizen's topic and its unit."""
    m = post_message(personas, directory, topic="topic_build")
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=confidence,
                                           classified_at=dt.datetime.now(dt.UTC))
    page = text(staff["dispatcher"].get(case_url(m)))
    assert _selected(page, "topic") == [str(directory[topic].pk)]
    assert _selected(page, "lead") == [str(directory[lead].pk)]


def test_reply_preview_says_which_question_is_left_unanswered_and_not_a_plea(personas, directory, staff):
    """The officer is told, in Chinese, which question the draft leaves out, quoting it. Before
    2026-12-03 a draft answering the one thing asked was also told that 「恳请各位领导责成有关部门依法
    履职。」 went unanswered, a plea naming only whom it asks and how."""
    preview = _reply_preview(personas, directory, staff, title="东湖花园垃圾站异味扰民",
                             body="小区楼下的垃圾收集站异味很重。请问垃圾收集站能否迁出小区? "
                                  "恳请各位领导责成有关部门依法履职。")
    answered = preview("经核查, 区城管局已选定小区东侧空地新建垃圾收集站, 原收集站将于8月底前迁出小区。"
                       "如有疑问请致电 0931-8451234。")
    assert "答复质量评分" in answered and "未回应" not in answered
    left_out = preview("经核查, 区城管局已对小区内的绿化带进行了修剪。如有疑问请致电 0931-8451234。")
    assert "留言提出的 2 个问题中有 2 个未回应, 如「请问垃圾收集站能否迁出小区?」" in left_out


def test_reply_preview_lists_the_when_a_date_of_receipt_leaves_and_no_rhetorical_question(personas, directory, staff):
    """An angry letter's 「这合理吗?」 and 「就没人管了吗?」 were listed under 「未回应的问题」 as questions
    the draft had to answer, while the one real question, when the lift is mended, was taken as
    answered by the date the letter was received (「您于5月6日反映的…」)."""
    preview = _reply_preview(personas, directory, staff, title="电梯停运",
                             body="我们单元的电梯停了一个多月, 八十岁的老人只能困在家里。这合理吗? "
                                  "这种事就没人管了吗? 请问停运的电梯究竟什么时候才能恢复运行?")
    page = preview("您于5月6日反映的电梯问题, 街道办已联系物业公司了解情况, 物业称维保单位正在联系厂家。"
                   "如有疑问请致电 0931-8451234。")
    assert "留言提出的 1 个问题中有 1 个未回应, 如「请问停运的电梯究竟什么时候才能恢复运行?」" in page
    assert "未回应的问题" not in page and "「这合理吗?」" not in page  # the letter itself is on the page
    dated = preview("经核查, 维保单位已订购主板, 预计5月20日前更换完毕并恢复运行。如有疑问请致电 0931-8451234。")
    assert "答复质量评分" in dated and "未回应" not in dated


def test_the_reply_preview_refuses_a_reply_without_chinese(signed, staff):
    """The preview scored an English reply 10 and showed it as the public would read it; it
    says what is wrong, as publishing does, and shows no refused reply as the public's."""
    page = text(staff["officer"].post(f"/staff/case/{signed.public_id}/reply/preview/",
                                      {"body": "We have received your message and will handle it soon.",
                                       "version": signed.version},
                                      HTTP_HX_REQUEST="true"))
    assert "答复内容没有中文, 请用中文答复群众" in page and "答复质量评分" not in page
    assert "答复预览" not in page and "We have received" not in page  # not shown as what the public reads
    too_long = text(staff["officer"].post(f"/staff/case/{signed.public_id}/reply/preview/",
                                          {"body": "经核查" * 34000, "version": signed.version},
                                          HTTP_HX_REQUEST="true"))
    assert "答复内容不能超过 10000 字" in too_long and len(too_long) < 2000  # the paste is not sent back


def test_a_long_reply_is_taken_by_the_form_as_by_the_api(signed, staff):
    """The form refused a reply over 5,000 characters that the REST API took (10,000); the
    reference board's longest replies run to 7,900. One limit now: actions.REPLY_MAX_CHARS."""
    long_reply = ("经核查, 该小区供暖管网老化, 热力公司已制定改造方案并分段施工。" * 240)[:7000] + "咨询电话 0931-8451234。"
    r = act(staff["officer"], signed, "reply", body=long_reply)
    assert r.status_code == 302
    assert fresh(signed).replies.get().body == long_reply


def test_reply_preview_explains_every_part_short_of_full_marks(personas, directory, staff):
    """A middling reply (相关性 about 60%, 可解释性 67%) came with no word on either: reasons were
    given only below a threshold. Each part short of full marks now says what it found and what
    is missing; the low-score warnings stay as they were."""
    title, body = "幸福家园小区电梯经常停运", ("我住在幸福家园小区5号楼, 电梯这个月已经停运三次, 老人上下楼很困难。"
                                             "物业公司收了维修基金却不更换老旧设备, 楼道里的垃圾也没人清理。"
                                             "请问电梯什么时候能修好?")
    preview = _reply_preview(personas, directory, staff, title=title, body=body)
    draft = "经核查, 街道办已督促物业公司清理楼道垃圾。"
    page = preview(draft)
    m = Message.objects.get(title=title)
    q = lookup.score_for_reply(m, draft)
    assert 0.4 <= q["relevance"] < 0.95 and q["interpretability"] < 1 and q["completeness"] < 1
    # explained only when asked (preview, publication): the seeded demo's 2,000+ stored scores spend no tagging on it
    assert "explained" not in q and lookup.score_for_reply(m, draft, explain=True)["explained"]
    assert "答复与留言内容关联不大" not in page  # no low-score warning for relevance: before, no word at all
    relevance = f"相关性 {round(q['relevance'] * 100)}%: 答复提到了留言中的「物业公司」、「楼道」、「垃圾」, 未提到"
    assert relevance in page and "「电梯」" in page.split(relevance)[1].split("</li>")[0]
    assert "可解释性 67%: 已说明核实的事实或政策依据和采取的措施, 未说明联系方式 (电话或办理窗口)" in page
    assert "完整性 0%: 留言提出 1 个问题或诉求, 已回应 0 个, 未回应「请问电梯什么时候能修好?」" in page
    assert "及时性" not in page.split("答复质量评分")[1].split("<ul")[1]  # on time: full marks, nothing to say
    assert "未提供联系电话或办理窗口, 群众无法进一步咨询" in page  # the warning is kept
    # a reply with full marks in a part says nothing of it
    full = preview("经核查, 幸福家园小区5号楼电梯主板老化, 物业公司已更换主板, 电梯已恢复运行, 楼道垃圾已清理。"
                   "如有疑问请致电 0931-8451234。")
    assert "可解释性 100%" in full and "可解释性 100%:" not in full


def test_an_extension_decided_with_a_note_of_emoji_alone_is_refused_on_the_page_and_the_api(signed, staff, login,
                                                                                           personas):
    """审批意见 is optional, but one given of emoji or punctuation alone says nothing to the unit
    (「审批意见: 😀」 reached it), as a reason or 督办意见 of them is refused (actions._written)."""
    from rest_framework.test import APIClient

    assert act(staff["officer"], signed, "extend", days=5, reason="需要协调多个部门").status_code == 302
    ext = Extension.objects.get()
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "refuse", "note": "😀！"})
    assert r.status_code == 400 and actions.NO_WORDS_NOTE in text(r)
    api = APIClient()
    api.force_authenticate(personas["supervisor"])
    r = api.post(f"/api/v1/staff/cases/{signed.public_id}/extension-decision/", {"approve": False, "note": "……"},
                 format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["note"] == [actions.NO_WORDS_NOTE]
    ext.refresh_from_db()
    assert ext.state == Extension.State.PENDING
    # no note at all is still a decision
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "refuse", "note": ""})
    assert r.status_code == 302
    ext.refresh_from_db()
    assert ext.state == Extension.State.REFUSED


@pytest.mark.parametrize("page", ["supervision", "case"])
def test_a_decision_note_refused_as_too_long_stays_in_its_box(signed, staff, page):
    """A page without scripts takes 600 characters in 审批意见 (forms.max_chars_attrs, twice its
    300): one over 300 was refused, and the box came back empty, the note lost."""
    assert act(staff["officer"], signed, "extend", days=5, reason="需要协调多个部门").status_code == 302
    ext = Extension.objects.get()
    note = "请说明需协调的部门及预计完成时间" * 19  # 304 characters
    here = reverse("board:supervision") if page == "supervision" else reverse("board:case", args=[signed.public_id])
    r = staff["supervisor"].post(reverse("board:decide_extension", args=[ext.pk]),
                                 {"decision": "refuse", "note": note, "next": here})
    assert r.status_code == 400 and "审批意见不能超过 300 字" in text(r)
    assert re.search(r'<input type="text" name="note"[^>]*value="' + note + '"', r.content.decode())
    ext.refresh_from_db()
    assert ext.state == Extension.State.PENDING


def test_a_reply_to_a_thanks_is_not_charged_completeness(personas, directory, staff):
    """A 感谢 asks for nothing, but its 「希望这样的好作风继续保持, 点赞!」 read as a demand: the reply
    thanking the citizen back scored 完整性 0% and was told it left it 「未回应」 (walk, 2026-12-06).
    A thanks is charged no completeness: 100 %, and the form says why."""
    title, body = "感谢城管局及时解决垃圾清运", ("之前反映的垃圾清运问题, 城管局的工作人员多次打电话了解情况, 还上门回访, "
                                             "现在问题已经彻底解决。希望这样的好作风继续保持, 点赞!")
    preview = _reply_preview(personas, directory, staff, title=title, body=body, kind="thanks")
    draft = "感谢您对我们工作的认可和支持! 为群众办实事是我们的职责, 我们将继续努力, 把工作做得更好。"
    page = preview(draft)
    assert "完整性 100%: 感谢留言未提出问题或诉求, 不计完整性 (按满分计)" in page
    assert "未回应" not in page
    q = lookup.score_for_reply(Message.objects.get(title=title), draft)
    assert q["completeness"] == 1 and q["questions"] == 0 and q["missed"] == []
    # the same words filed as a 建言 still ask: the rule is the kind's
    Message.objects.filter(title=title).update(kind="suggest")
    assert "完整性 100%" not in preview(draft)


def test_a_reply_giving_a_private_persons_mobile_is_refused_unless_the_unit_gives_it_as_its_line(
        personas, directory, signed, staff, client):
    """A mobile in a reply that was not the citizen's (a property manager's, a grid worker's) was neither warned of nor
    refused (decided earlier on 2026-12-06): it went up on the public page. Since later that day it is refused as the
    citizen's is, unless the unit gives it as its own line (我局咨询电话, 值班电话, 服务热线 …); landlines stay allowed."""
    from rest_framework.test import APIClient

    for leaking in ("经核查, 已协调物业整改, 请联系物业经理李某, 手机13912345678。",
                    "经核查, 已转社区办理, 可联系网格员, 电话 139-1234-5678。"):
        r = act(staff["officer"], fresh(signed), "reply", body=leaking)
        assert r.status_code == 400 and "答复中含有他人的手机号" in text(r) and "答复会公开发布, 请删去" in text(r), leaking
    api = APIClient()
    api.force_authenticate(personas["officer"])
    r = api.post(f"/api/v1/staff/cases/{signed.public_id}/reply/", {"body": leaking}, format="json")
    assert r.status_code == 400 and "他人的手机号" in r.json()["error"]["fields"]["body"][0]
    preview = staff["officer"].post(reverse("board:reply_preview", args=[signed.public_id]),
                                    {"version": fresh(signed).version, "body": leaking})
    assert "答复中含有他人的手机号" in text(preview)
    assert not Reply.objects.exists() and fresh(signed).status == Status.SIGNED
    official = ("经核查, 已协调物业整改。物业公司电话 0931-8123456, 李经理办公电话 0931-8123457, "
                "我局咨询电话 13800009999 (工作日), 夜间值班电话 13800008888。")
    r = act(staff["officer"], fresh(signed), "reply", body=official)
    assert r.status_code == 302 and Reply.objects.get().body == official
    public = text(client.get(reverse("board:message", args=[signed.public_id])))
    assert "13800009999" in public and "0931-8123456" in public


def test_a_reply_giving_the_units_own_contact_phone_is_published_however_worded(
        personas, directory, signed, staff, client):
    """A unit that wrote its real number after a bare 联系电话 was refused (「含有他人的手机号」): only a wording like
    咨询电话 or 我局联系电话 made it the unit's. Since 2026-12-06 a number of the unit's 联系电话 (Unit.contact_phone)
    is its own wherever it stands; another unit's mobile or a private person's is still refused, and the preview
    names the number at fault."""
    from rest_framework.test import APIClient

    directory["housing"].contact_phone = "0931-8461234、13609311234"
    directory["housing"].save(update_fields=["contact_phone"])
    directory["ecology"].contact_phone = "13709315678"
    directory["ecology"].save(update_fields=["contact_phone"])
    for refused, number in (("经核查, 已协调物业整改。如有疑问请联系生态环境局, 联系电话 13709315678。", "13709315678"),
                            ("经核查, 已协调物业整改。如有疑问, 联系电话 139 1234 5678。", "139 1234 5678")):
        r = act(staff["officer"], fresh(signed), "reply", body=refused)
        assert r.status_code == 400 and f"答复中含有他人的手机号 {number}" in text(r), refused
        preview = staff["officer"].post(reverse("board:reply_preview", args=[signed.public_id]),
                                        {"version": fresh(signed).version, "body": refused})
        assert f"答复中含有他人的手机号 {number}" in text(preview)
    api = APIClient()
    api.force_authenticate(personas["officer"])
    r = api.post(f"/api/v1/staff/cases/{signed.public_id}/reply-preview/", {"body": refused}, format="json")
    assert r.status_code == 200 and "139 1234 5678" in r.json()["personal_data"]
    assert not Reply.objects.exists()
    own = "经核查, 已协调物业整改。如有疑问, 联系电话 136-0931-1234。"
    r = api.post(f"/api/v1/staff/cases/{signed.public_id}/reply/", {"body": own}, format="json")
    assert r.status_code in (200, 201), r.json()
    assert Reply.objects.get().body == own
    assert "136-0931-1234" in text(client.get(reverse("board:message", args=[signed.public_id])))


@pytest.mark.parametrize("closing", ["经办人：王丽，联系电话：13907311234。", "联系人：陈主任 联系电话：18907311234",
                                     "承办人张明, 手机 13907311234。", "市住建局联系电话13907311234。",
                                     "我们的联系电话是13907311234。"])
def test_the_units_handling_officer_or_its_own_number_closing_a_reply_is_published(
        personas, directory, signed, staff, client, closing):
    """The closing units write most, the handling officer and the number to call (经办人：王丽，联系电话：139…), or the
    unit's own number (市住建局联系电话… by 住建局, 我们的联系电话是…), was refused as a private person's mobile (review of
    2026-12-06): the officer could not publish an ordinary reply. The public reads it as written."""
    body = f"经核查, 该路段路灯已于本周修复。如有疑问请联系。{closing}"
    r = act(staff["officer"], fresh(signed), "reply", body=body)
    assert r.status_code == 302 and Reply.objects.get().body == body
    assert closing[-12:-1] in text(client.get(reverse("board:message", args=[signed.public_id])))


@pytest.mark.parametrize("line", ["供电所抢修电话 13812345670", "燃气公司客服电话：13812345670", "救助站求助电话13812345670",
                                  "维修电话 13812345670", "报名电话：13812345670"])
def test_a_unit_line_named_by_what_it_is_for_is_published(personas, directory, signed, staff, line):
    """抢修电话, 客服电话, 求助电话 … name a line by what it serves, as 咨询电话 and 值班电话 do, not a person: the reply
    giving one was refused as a private person's mobile (review of 2026-12-06)."""
    body = f"经核查, 停电系线路故障所致, 已于当日修复。如再遇类似情况, 可拨打{line}。"
    r = act(staff["officer"], fresh(signed), "reply", body=body)
    assert r.status_code == 302 and Reply.objects.get().body == body


@pytest.mark.parametrize("body, number, why", [
    # another unit named before 联系电话: its name alone makes no line of the unit's (privacy review of 2026-12-06)
    ("经核查, 该问题属生态环境部门职责, 可咨询生态环境局联系电话13712345678。", "13712345678", "生态环境局"),
    ("经核查, 已转辖区处理, 请联系城关区政府联系电话13712345678。", "13712345678", "城关区政府"),
    ("经核查, 已转辖区处理, 可联系城关区住建局联系电话13712345678。", "13712345678", "城关区住建局"),
    # only a generic tail of the unit's name in common (建设局 of 兰州市住房和城乡建设局, review1 of 2026-12-06: published)
    ("经核查, 该工程由水利建设局负责, 可咨询水利建设局联系电话13712345678。", "13712345678", "水利建设局"),
    ("经核查, 该问题属交通部门职责, 可咨询交通工程建设局联系电话13712345678。", "13712345678", "交通工程建设局"),
    # a person's title before the phone word: a person's mobile
    ("经核查, 已协调社区整改, 可联系社区书记电话13912345678。", "13912345678", "个人的称呼「书记」, 这是个人的手机号"),
    ("经核查, 已协调物业整改, 物业张经理的值班电话13912345678。", "13912345678", "个人的称呼「经理」, 这是个人的手机号"),
    # a mobile after 或 with no phone word of its own: whose it is the wording does not say
    ("经核查, 已转相关部门办理。请拨打12345市民热线或13812345678咨询。", "13812345678", "未写明"),
    # another administration's name before a service line's wording (咨询电话, 值班电话, 热线 …): as before 联系电话, the name
    # says whose line it would be, and it is not the replying unit's (session 37 of 2026-12-06: published)
    ("经核查, 该问题属生态环境部门职责, 可咨询生态环境局咨询电话13712345678。", "13712345678", "「生态环境局」不是本单位"),
    ("经核查, 已转辖区处理, 请拨打城关区政府值班电话13712345678。", "13712345678", "「城关区政府」不是本单位"),
    ("经核查, 已转辖区处理, 可拨打城关区住建局服务热线：13712345678。", "13712345678", "「城关区住建局」不是本单位"),
    ("经核查, 该路段由交通部门管理, 请联系市交通运输局办公电话 137 1234 5678。", "137 1234 5678", "「市交通运输局」不是本单位"),
])
def test_a_mobile_not_given_as_the_replying_units_line_is_refused_and_the_warning_says_why(
        personas, directory, signed, staff, body, number, why):
    """A mobile right after another unit's name and 联系电话 (生态环境局联系电话137…) was published as the replying unit's own
    line; now only the replying unit's name (市住建局联系电话 by 住建局), its own 联系电话 or a service line's wording (咨询电话,
    值班电话, 热线 …) makes a mobile a line. The warning says why each mobile is refused: it names a person (社区书记电话), a
    unit whose line it is not shown to be, or nothing at all."""
    r = act(staff["officer"], fresh(signed), "reply", body=body)
    assert r.status_code == 400 and f"答复中含有他人的手机号 {number}" in text(r), body
    warning = text(r).split("答复中含有他人的手机号", 1)[1].split("答复会公开发布", 1)[0]
    assert why in warning, warning
    assert not Reply.objects.exists()


@pytest.mark.parametrize("line", ["住建局联系电话13712345678", "兰州市住房和城乡建设局联系电话：13712345678",
                                  "住建局咨询电话13712345678", "市住建局24小时值班电话：13712345678", "咨询电话13712345678",
                                  "我局物业科咨询电话13712345678", "本局值班电话13712345678", "生态环境局咨询电话0931-8451234",
                                  "12345市民服务热线"])
def test_the_replying_units_name_or_a_service_lines_wording_before_a_mobile_publishes_it(
        personas, directory, signed, staff, line):
    """The replying unit (住建局) named before 联系电话 or 咨询电话 gives its own line, and so does a service line's wording
    with no other administration's name before it; another's landline or a 12345 line is published as before."""
    body = f"经核查, 已协调物业整改。如有疑问, 请拨打{line}。"
    r = act(staff["officer"], fresh(signed), "reply", body=body)
    assert r.status_code == 302 and Reply.objects.get().body == body

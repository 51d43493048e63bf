"""What a QA walk of the staff workbench found, as the personas met it: an officer's
overdue filter and assisting rows, a dispatcher's stale dispatch form, a supervisor who
must see which district is late, extension requests that can no longer be decided, and
the 老大难 list."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Assignment, Extension, Message
from minsheng.directory.models import Region
from minsheng.insight.models import Hotspot

SH = ZoneInfo("Asia/Shanghai")
LONG_AGO = dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH)
pytestmark = pytest.mark.django_db


def submit(personas, directory, title, region="qilihe"):
    return actions.do_submit(personas["citizen"], title=title, body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                             kind="help", region=directory[region], topic=directory["topic_build"])


def dispatch(personas, directory, title, *, region="qilihe", at=None, assists=()):
    m = submit(personas, directory, title, region)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=assists, at=at)
    return Message.objects.get(pk=m.pk)


def fresh(m) -> Message:
    return Message.objects.get(pk=m.pk)


def act(client, m, action, version=None, **data):
    data["version"] = fresh(m).version if version is None else version
    return client.post(reverse("board:case_action", args=[m.public_id, action]), data)


def row_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/case/\d+/(?:\?[^"]*)?">([^<]+)</a>', html)


def text(response) -> str:
    return response.content.decode()


# --- the officer's inbox ------------------------------------------------------------

def test_the_overdue_count_opens_a_list_of_the_overdue_cases(personas, directory, login):
    late = [dispatch(personas, directory, f"超期的留言{n}", at=LONG_AGO) for n in range(2)]
    dispatch(personas, directory, "刚派来的留言")
    client = login(personas["officer"])
    inbox = text(client.get(reverse("board:inbox")))
    assert 'href="?tab=overdue">已超期 <b class="late-count">2</b> 件</a>' in inbox
    assert "已超期 (2)" in inbox
    page = text(client.get(reverse("board:inbox") + "?tab=overdue"))
    assert set(row_titles(page)) == {m.title for m in late}


def test_an_assisting_unit_is_not_asked_to_sign(personas, directory, login):
    """Only the lead unit signs (its sign-for signs the assisting units too)."""
    m = dispatch(personas, directory, "协办的留言", at=LONG_AGO, assists=[directory["ecology"]])
    page = text(login(personas["other_officer"]).get(reverse("board:inbox") + "?tab=assist"))
    row = next(r for r in re.findall(r"<tr.*?</tr>", page, re.S) if m.title in r)
    assert "主办单位待签收" in row
    assert '<span class="badge new">待签收</span>' not in row and "签收超期" not in row


def test_a_dispatcher_opening_the_workbench_lands_on_the_queue(personas, login):
    response = login(personas["dispatcher"]).get(reverse("board:inbox"))
    assert response.status_code == 302 and response["Location"] == reverse("board:triage")
    response = login(personas["supervisor"]).get(reverse("board:inbox"))
    assert response.status_code == 302 and response["Location"] == reverse("board:supervision")


# --- the dispatcher's stale form ---------------------------------------------------------

def test_a_refused_stale_dispatch_keeps_every_assisting_unit_chosen(personas, directory, login):
    m = submit(personas, directory, "需要多个部门的留言")
    stale = fresh(m).version
    actions.do_accept(personas["dispatcher"], m)  # a colleague reviewed it meanwhile
    client = login(personas["dispatcher"])
    r = act(client, m, "dispatch", version=stale, lead=directory["housing"].pk,
            assists=[directory["ecology"].pk, directory["transport"].pk])
    assert r.status_code == 409 and "该留言刚刚被其他人处理过" in text(r)
    select = re.search(r'<select name="assists".*?</select>', text(r), re.S).group(0)
    chosen = set(re.findall(r'<option value="(\d+)" selected>', select))
    assert chosen == {str(directory["ecology"].pk), str(directory["transport"].pk)}
    # sending the form again as shown dispatches with both
    r = act(client, m, "dispatch", lead=directory["housing"].pk, assists=sorted(chosen))
    assert r.status_code == 302
    assert fresh(m).assignments.filter(role=Assignment.Role.ASSIST).count() == 2


# --- the supervisor -------------------------------------------------------------------------

def test_the_supervisor_sees_which_district_is_late_and_filters_by_it(personas, directory, login):
    for n in range(3):
        dispatch(personas, directory, f"七里河区超期{n}", region="qilihe", at=LONG_AGO)
    dispatch(personas, directory, "城关区超期", region="chengguan", at=LONG_AGO)
    dispatch(personas, directory, "城关区未超期", region="chengguan")
    client = login(personas["supervisor"])
    page = text(client.get(reverse("board:supervision")))
    districts = page[page.index('class="tabs districts"'):page.index("</nav>", page.index('class="tabs districts"'))]
    assert re.findall(r'district=(\d+)"[^>]*>(\S+) <b class="late-count">(\d+)</b>', districts) == [
        ("620103", "七里河区", "3"), ("620102", "城关区", "1")]
    page = text(client.get(reverse("board:supervision") + "?district=620102"))
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    assert "超期未答复 · 城关区 (1)" in overdue
    assert row_titles(overdue) == ["城关区超期"]


def test_the_platform_admin_sees_which_city_is_late_too(personas, directory, login):
    """An admin's 督办 page counted its districts by province: with one province in the directory it had one
    tab, so none was shown, and 71 late cases came in one list with no 「哪个市」 — while the dashboard beside
    it lists them by city. It counts them below the directory's home region now, as the dashboard does."""
    from .conftest import make_user

    for n in range(2):
        dispatch(personas, directory, f"七里河区超期{n}", region="qilihe", at=LONG_AGO)
    actions.do_dispatch(personas["dx_dispatcher"], submit(personas, directory, "定西市超期", "dingxi"),
                        directory["dx_housing"], at=LONG_AGO)
    client = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    page = text(client.get(reverse("board:supervision")))
    assert 'class="tabs districts"' in page
    districts = page[page.index('class="tabs districts"'):page.index("</nav>", page.index('class="tabs districts"'))]
    assert re.findall(r'district=(\d+)"[^>]*>(\S+) <b class="late-count">(\d+)</b>', districts) == [
        ("620100", "兰州市", "2"), ("621100", "定西市", "1")]
    page = text(client.get(reverse("board:supervision") + "?district=621100"))
    assert row_titles(page[page.index('id="overdue"'):page.index('id="due-soon"')]) == ["定西市超期"]


def test_a_district_with_nothing_late_is_shown_empty_not_all_districts(personas, directory, login):
    """?district= of a district with no overdue case (a link kept from yesterday, its last case answered)
    quietly listed every district's cases under 「全部区划」, as if they were the district's."""
    dispatch(personas, directory, "七里河区超期", region="qilihe", at=LONG_AGO)
    client = login(personas["supervisor"])
    page = text(client.get(reverse("board:supervision") + "?district=620102"))
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    assert "超期未答复 · 城关区 (0)" in overdue and row_titles(overdue) == []
    assert '城关区目前没有超期未答复的留言。 <a href="?#overdue">查看全部区划 →</a>' in overdue
    # the supervisor's own city, 本级, is a district of the page too
    assert "兰州市本级目前没有超期未答复的留言。" in text(client.get(reverse("board:supervision") + "?district=620100"))
    # no such region: 404; one outside the supervisor's city (another city, the whole province): 403
    assert client.get(reverse("board:supervision") + "?district=999999").status_code == 404
    assert client.get(reverse("board:supervision") + "?district=621100").status_code == 403
    assert client.get(reverse("board:supervision") + "?district=620000").status_code == 403


def test_every_supervision_section_follows_the_district_tab(personas, directory, login):
    """Under 「城关区」 only 超期未答复 was the district's: 即将到期, 督办过的留言 and the extension requests
    still listed the whole city's cases (七里河区's among them) beneath the tab (supervisor walk, 2026-12-06)."""
    from django.utils import timezone

    soon = timezone.now() + dt.timedelta(hours=3)
    made = {}
    for region, name in (("chengguan", "城关区"), ("qilihe", "七里河区")):
        late = dispatch(personas, directory, f"{name}超期", region=region, at=LONG_AGO)
        actions.do_supervise(personas["supervisor"], late, "请尽快答复")
        due = dispatch(personas, directory, f"{name}即将到期", region=region)
        Assignment.objects.filter(message=due).update(due_at=soon)
        Message.objects.filter(pk=due.pk).update(due_at=soon)
        asking = dispatch(personas, directory, f"{name}申请延期", region=region)
        actions.do_sign(personas["officer"], asking, directory["housing"])
        actions.do_request_extension(personas["officer"], fresh(asking), directory["housing"], 5, "需要协调多个部门")
        made[name] = (late, due, asking)
    client = login(personas["supervisor"])
    page = text(client.get(reverse("board:supervision") + "?district=620102"))
    sections = {name: page[page.index(f'id="{name}"'):] for name in ("extensions", "due-soon", "supervised")}
    sections["extensions"] = sections["extensions"][:sections["extensions"].index('id="overdue"')]
    sections["due-soon"] = sections["due-soon"][:sections["due-soon"].index('id="supervised"')]
    assert row_titles(sections["extensions"]) == ["城关区申请延期"]
    assert "待审批的延期申请 · 城关区 (1)" in sections["extensions"]
    assert row_titles(sections["due-soon"]) == ["城关区即将到期"]
    assert "即将到期 · 城关区 (1)" in sections["due-soon"]
    assert row_titles(sections["supervised"]) == ["城关区超期"]
    assert "督办过的留言 · 城关区 (1)" in sections["supervised"]
    # the tabs stand above every section; 全部区划 lists the whole city, as before
    assert page.index('class="tabs districts"') < page.index('id="extensions"')
    assert "下面各栏都只列所选区划的留言; 区划旁的数字是该区划超期未答复的件数。" in page
    whole = text(client.get(reverse("board:supervision")))
    assert "即将到期 (2)" in whole and "督办过的留言 (2)" in whole and "待审批的延期申请 (2)" in whole


def test_a_district_with_nothing_late_but_work_in_other_sections_has_its_tab(personas, directory, login):
    """Every section follows the tab, but the tabs were the districts with a case late: 七里河区, with a case due
    soon and an extension to decide and none late, could be reached only by typing ?district= (review of
    2026-12-06). It has its tab, with 0 late, after the districts that are late."""
    from django.utils import timezone

    dispatch(personas, directory, "城关区超期", region="chengguan", at=LONG_AGO)
    due = dispatch(personas, directory, "七里河区即将到期", region="qilihe")
    soon = timezone.now() + dt.timedelta(hours=3)
    Assignment.objects.filter(message=due).update(due_at=soon)
    Message.objects.filter(pk=due.pk).update(due_at=soon)
    client = login(personas["supervisor"])
    page = client.get(reverse("board:supervision")).content.decode()
    tabs = page[page.index('class="tabs districts"'):page.index("</nav>", page.index('class="tabs districts"'))]
    assert tabs.index("城关区") < tabs.index("七里河区")
    assert re.search(r'district=620103"[^>]*>七里河区 <b class="late-count">0</b>', tabs), tabs
    chosen = text(client.get(reverse("board:supervision") + "?district=620103"))
    assert "即将到期 · 七里河区 (1)" in chosen and "超期未答复 · 七里河区 (0)" in chosen


def test_paging_one_supervision_section_keeps_the_others_page(personas, directory, login):
    for n in range(21):
        dispatch(personas, directory, f"超期留言{n:02d}", at=LONG_AGO)
    page = text(login(personas["supervisor"]).get(reverse("board:supervision") + "?ep=1&op=2"))
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    assert 'href="?ep=1&amp;op=1"' in overdue


def _extension(personas, directory, login, title="申请延期的留言"):
    m = dispatch(personas, directory, title)
    actions.do_sign(personas["officer"], m, directory["housing"])
    ext = actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 5, "需要现场勘查")
    return fresh(m), ext


def test_an_extension_of_a_replied_case_leaves_the_supervisors_list(personas, directory, login):
    m, ext = _extension(personas, directory, login)
    actions.do_reply(personas["officer"], m, directory["housing"], "经现场核查, 该问题已经解决, 感谢您的监督。")
    page = text(login(personas["supervisor"]).get(reverse("board:supervision")))
    assert "待审批的延期申请 (0)" in page and m.title not in page


def test_an_extension_of_a_transferred_case_cannot_move_the_new_units_deadline(personas, directory, login):
    m, ext = _extension(personas, directory, login, "转办前申请延期的留言")
    actions.do_transfer(personas["officer"], m, directory["housing"], directory["transport"], "属于交通部门职责")
    due = fresh(m).due_at
    supervisor = login(personas["supervisor"])
    page = text(supervisor.get(reverse("board:supervision")))
    assert "待审批的延期申请 (0)" in page
    case_page = text(supervisor.get(reverse("board:case", args=[m.public_id])))
    assert reverse("board:decide_extension", args=[ext.pk]) not in case_page
    r = supervisor.post(reverse("board:decide_extension", args=[ext.pk]),
                        {"decision": "approve", "next": reverse("board:case", args=[m.public_id])})
    assert r.status_code == 409 and "该延期申请已失效" in text(r)
    assert fresh(m).due_at == due
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.VOID  # ended with the transfer
    # the error shows on the case page the supervisor came from
    assert "<h1>" + m.title + "</h1>" in text(r)


# --- 老大难 -------------------------------------------------------------------------------

def test_the_chronic_list_shows_its_duration_in_days_within_the_workbench(personas, directory, login):
    now = dt.datetime.now(dt.UTC)
    Hotspot.objects.create(title="七里河区某小区加装电梯两年无进展", region=Region.objects.get(code="620103"),
                           first_at=now - dt.timedelta(days=303), last_at=now, chronic=True, message_count=5,
                           unresolved_count=3)
    client = login(personas["supervisor"])
    page = text(client.get(reverse("insight:chronic")))
    assert "已 303 天" in page and "10 月" not in page
    assert 'nav class="workbench"' in page
    assert f'href="{reverse("insight:chronic")}"' in text(client.get(reverse("board:supervision")))


def test_an_assisting_note_is_not_stale_because_the_lead_signed_meanwhile(personas, directory, login):
    m = dispatch(personas, directory, "需要协办的留言", assists=[directory["ecology"]])
    page_version = fresh(m).version
    actions.do_sign(personas["officer"], m, directory["housing"])  # while the assisting officer writes
    client = login(personas["other_officer"])
    response = act(client, m, "assist", version=page_version, body="经核查, 该处排水设施属我局管理, 已安排清淤。")
    assert response.status_code == 302
    assert "已安排清淤" in text(client.get(reverse("board:case", args=[m.public_id])))


# --- a second QA walk: odd form values, merges, transfers and districts ------------------

def test_a_dispatch_naming_an_assisting_unit_by_a_huge_number_is_refused_in_words(personas, directory, login):
    """A tampered form (or a stray paste) must not reach the database as a number it cannot hold."""
    m = submit(personas, directory, "协办单位编号过大的留言")
    r = act(login(personas["dispatcher"]), m, "dispatch", lead=directory["housing"].pk,
            assists=[directory["ecology"].pk, 10**30])
    assert r.status_code == 400 and "请选择有效的协办单位" in text(r)
    assert fresh(m).status == "submitted"


def test_merging_a_case_ends_its_units_pending_extension_request(personas, directory, login):
    """The merged case is answered through the main case: its unit's request for more days is
    void, not 待审批 forever on a page no supervisor's list shows any more. Asked before 2026-12-05,
    when a case not yet signed (the only kind a dispatcher merges) could ask for one
    (actions.SIGN_BEFORE_EXTENSION): made as it was stored then."""
    m = dispatch(personas, directory, "申请延期后被并单的留言")
    ext = Extension.objects.create(assignment=actions.active_assignment(m, directory["housing"]),
                                   requested_by=personas["officer"], days=5, reason="需要现场勘查")
    main = dispatch(personas, directory, "同一问题的主留言")
    assert act(login(personas["dispatcher"]), m, "merge", into=main.public_id).status_code == 302
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.VOID
    page = text(login(personas["officer"]).get(reverse("board:case", args=[m.public_id])))
    assert "需要现场勘查 — <b>已失效</b>" in page and "待审批" not in page


def test_a_case_transferred_to_its_assisting_unit_is_led_by_it_and_no_longer_assisted(personas, directory, login):
    m = dispatch(personas, directory, "转给协办单位主办的留言", assists=[directory["ecology"]])
    r = act(login(personas["officer"]), m, "transfer", to_unit=directory["ecology"].pk, reason="排水设施属生态环境局管理")
    assert r.status_code == 302
    active = set(fresh(m).assignments.filter(state=Assignment.State.ACTIVE).values_list("unit__name", "role"))
    assert active == {("兰州市生态环境局", "lead")}
    ecology = login(personas["other_officer"])
    inbox = text(ecology.get(reverse("board:inbox")))
    assert "待签收 (1)" in inbox and "协办 (0)" in inbox
    assert row_titles(text(ecology.get(reverse("board:inbox") + "?tab=assist"))) == []
    page = text(ecology.get(reverse("board:case", args=[m.public_id])))
    assert "<h2>签收</h2>" in page and "<h2>协办意见</h2>" not in page


def test_the_cases_filed_at_the_supervisors_own_city_are_its_own_level_not_the_whole_city(personas, directory, login):
    """A 兰州市 tab beside 城关区 read as the whole city (as a province supervisor's 兰州市 tab is),
    counting fewer than the heading's total for 兰州市; the dashboard calls these 兰州市本级."""
    for n in range(2):
        dispatch(personas, directory, f"市本级超期{n}", region="lanzhou", at=LONG_AGO)
    dispatch(personas, directory, "城关区超期", region="chengguan", at=LONG_AGO)
    client = login(personas["supervisor"])
    page = text(client.get(reverse("board:supervision")))
    assert re.findall(r'district=(\d+)"[^>]*>(\S+) <b class="late-count">(\d+)</b>', page) == [
        ("620100", "兰州市本级", "2"), ("620102", "城关区", "1")]
    page = text(client.get(reverse("board:supervision") + "?district=620100"))
    assert "超期未答复 · 兰州市本级 (2)" in page


def test_the_address_of_a_preview_or_an_extension_decision_opened_again_shows_the_case(personas, directory, login):
    """Both pages come from a POST (a preview without htmx, a refused decision); their address,
    reopened or sent to a colleague, was an empty 405 that the browser shows as its own
    English error page."""
    m, ext = _extension(personas, directory, login)
    case_url = reverse("board:case", args=[m.public_id])
    r = login(personas["officer"]).get(reverse("board:reply_preview", args=[m.public_id]))
    assert r.status_code == 302 and r["Location"] == case_url
    r = login(personas["supervisor"]).get(reverse("board:decide_extension", args=[ext.pk]))
    assert r.status_code == 302 and r["Location"] == case_url
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.PENDING
    # as before: nobody outside the case learns where it is
    assert login(personas["other_officer"]).get(reverse("board:reply_preview", args=[m.public_id])).status_code == 302
    assert login(personas["other_officer"]).get(case_url).status_code == 404
    assert login(personas["dx_dispatcher"]).get(reverse("board:decide_extension", args=[ext.pk])).status_code == 404


def test_a_refused_stale_reply_says_the_page_is_already_the_latest_not_to_reload_it(personas, directory, login):
    """Reloading the refused page sends the stale form again and is refused again: the officer
    who followed 「请刷新页面」 went round in circles (or left the page and lost the reply)."""
    m = dispatch(personas, directory, "督办时正在答复的留言")
    actions.do_sign(personas["officer"], m, directory["housing"])
    stale = fresh(m).version
    actions.do_supervise(personas["supervisor"], fresh(m), "请尽快答复")  # while the officer writes
    client = login(personas["officer"])
    body = "经现场核查, 电梯已由物业公司维修, 现已恢复运行。"
    r = act(client, m, "reply", version=stale, body=body)
    assert r.status_code == 409
    assert "本页已更新为最新状态, 请核对后再提交; 您填写的内容已保留" in text(r) and "请刷新页面" not in text(r)
    assert body in text(r) and f'name="version" value="{fresh(m).version}"' in text(r)
    # a colleague answered first: nothing left to send
    actions.do_reply(personas["officer"], fresh(m), directory["housing"], "经现场核查, 问题已经解决, 感谢监督。")
    r = act(client, m, "reply", version=stale, body=body)
    assert r.status_code == 409 and "现在不能再执行该操作" in text(r)
    # a form with nothing typed in it does not claim to keep anything
    s = dispatch(personas, directory, "签收前被督办的留言")
    stale = fresh(s).version
    actions.do_supervise(personas["supervisor"], s, "请尽快签收")
    r = act(client, s, "sign", version=stale)
    assert r.status_code == 409 and "本页已更新为最新状态, 请核对后再提交</p>" in text(r)


# --- the dispatcher's queue: finding one case among two hundred --------------------------

def test_the_dispatcher_finds_a_case_in_the_queue_by_its_number_or_words(personas, directory, login):
    parking = [submit(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(21)]
    lift = submit(personas, directory, "敦煌路小区加装电梯进展缓慢")
    actions.do_accept(personas["dispatcher"], parking[0])
    client = login(personas["dispatcher"])
    triage = reverse("board:triage")
    page = text(client.get(triage, {"tab": "all", "q": "停车"}))
    assert "全部 (21)" in page and "待审核 (20)" in page and "待派单 (1)" in page
    assert lift.title not in page and len(row_titles(page)) == 20
    # the other tabs and the next page keep the search
    assert 'href="?tab=accepted&amp;q=%E5%81%9C%E8%BD%A6"' in page
    assert 'href="?tab=all&amp;q=%E5%81%9C%E8%BD%A6&amp;page=2"' in page
    assert len(row_titles(text(client.get(triage, {"tab": "all", "q": "停车", "page": 2})))) == 1
    page = text(client.get(triage, {"q": lift.public_id}))
    assert row_titles(page) == [lift.title] and "全部 (1)" in page
    page = text(client.get(triage, {"q": "学校"}))
    assert "队列中没有与「学校」相符的留言。" in page


def test_the_officer_finds_a_case_in_the_units_inbox_by_its_number_or_words(personas, directory, login):
    """200 cases in the inbox and a citizen on the phone with the 编号: there was no search."""
    parking = [dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(21)]
    lift = dispatch(personas, directory, "敦煌路小区加装电梯进展缓慢")
    actions.do_sign(personas["officer"], parking[0], directory["housing"])
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    page = text(client.get(inbox, {"q": "停车"}))
    assert "待办(主办) (21)" in page and "待签收 (20)" in page and "办理中 (1)" in page
    assert lift.title not in page and len(row_titles(page)) == 20
    assert 'href="?tab=handling&amp;q=%E5%81%9C%E8%BD%A6"' in page  # tabs and pages keep the search
    assert 'href="?q=%E5%81%9C%E8%BD%A6&amp;page=2"' in page
    assert len(row_titles(text(client.get(inbox, {"tab": "todo", "q": "停车", "page": 2})))) == 1
    assert row_titles(text(client.get(inbox, {"q": lift.public_id}))) == [lift.title]
    assert "待办中没有与「学校」相符的留言。" in text(client.get(inbox, {"q": "学校"}))
    # another unit's case is not found by its number
    other = submit(personas, directory, "别的单位的留言")
    actions.do_dispatch(personas["dispatcher"], other, directory["ecology"])
    assert row_titles(text(client.get(inbox, {"q": other.public_id}))) == []


def test_a_rejection_reason_longer_than_the_citizen_can_be_shown_is_refused_not_cut(personas, directory, login):
    """The form took 300 characters and stored the first 200: the citizen read a reason cut off
    mid-sentence, and the dispatcher was not told."""
    m = submit(personas, directory, "不予受理理由很长的留言")
    client = login(personas["dispatcher"])
    page = text(client.get(reverse("board:case", args=[m.public_id])))
    assert re.search(r'<textarea name="reason"[^>]*data-max-chars="200"', page[page.index("<h2>不予受理</h2>"):])
    reason = "该留言反映的是商业合同纠纷, 属于民事争议, 不属于行政机关职责范围, 请通过法律途径解决。" * 6
    r = act(client, m, "reject", reason=reason)
    assert r.status_code == 400 and "不予受理的理由不能超过 200 字" in text(r)
    assert fresh(m).status == "submitted" and reason in text(r)  # kept for shortening
    assert act(client, m, "reject", reason=reason[:200]).status_code == 302
    assert fresh(m).reject_reason == reason[:200]


def test_a_case_accepted_a_moment_ago_is_offered_at_once_to_merge_its_duplicate(personas, directory, login):
    """Duplicates arrive together: the dispatcher accepts the first and opens the next. The
    candidates were cached for a minute, so the case just accepted was not among them and the
    duplicate went out as a second case."""
    from minsheng.insight import lookup

    lookup.clear_cache()
    body = "七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。"
    first, second = (actions.do_submit(personas["citizen"], title=title, body=body, kind="complain",
                                       region=directory["qilihe"])
                     for title in ("幸福家园小区3号楼电梯坏了三个月", "幸福家园小区3号楼电梯三个月没人修"))
    client = login(personas["dispatcher"])
    case = reverse("board:case", args=[second.public_id])
    assert first.public_id not in text(client.get(case))  # not public yet: no main case
    assert act(client, first, "accept").status_code == 302
    page = text(client.get(case))
    assert f'<input type="radio" name="pick" value="{first.public_id}">' in page
    lookup.clear_cache()


def test_approving_an_extension_says_the_new_deadline_and_whether_the_case_is_still_late(personas, directory, login):
    """The days run on from the old deadline: 「期限已顺延」 left a supervisor who granted 3 days
    on a case two months late believing it was no longer late."""
    m = dispatch(personas, directory, "超期很久才申请延期的留言", at=LONG_AGO)
    actions.do_sign(personas["officer"], m, directory["housing"], at=LONG_AGO)
    ext = actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 3, "需要现场勘查")
    client = login(personas["supervisor"])
    r = client.post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"}, follow=True)
    due = fresh(m).due_at.astimezone(SH)
    assert f"已同意延期, 答复期限顺延至 {due:%Y-%m-%d}; 该件仍已超期" in text(r)
    m, ext = _extension(personas, directory, login, "按时申请延期的留言")
    r = client.post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"}, follow=True)
    assert f"答复期限顺延至 {fresh(m).due_at.astimezone(SH):%Y-%m-%d}</" in text(r)


def test_the_supervisors_list_says_the_deadline_an_extension_would_give_before_it_is_granted(personas, directory,
                                                                                             login):
    """Only after 同意延期 did the supervisor learn that 3 days from a deadline two months past left the case
    late: the list of requests showed the current deadline alone. Each request now shows the deadline
    同意延期 would give (the one it then gives) and 仍超期 when that is past too."""
    late = dispatch(personas, directory, "超期很久才申请延期的留言", at=LONG_AGO)
    actions.do_sign(personas["officer"], late, directory["housing"], at=LONG_AGO)
    late_ext = actions.do_request_extension(personas["officer"], fresh(late), directory["housing"], 3, "需要现场勘查")
    m, ext = _extension(personas, directory, login, "按时申请延期的留言")
    client = login(personas["supervisor"])
    card = text(client.get(reverse("board:supervision")))
    card = card[card.index('id="extensions"'):card.index('id="overdue"')]
    rows = {r: row for row in re.findall(r"<tr>.*?</tr>", card, re.S) for r in (late.title, m.title) if r in row}
    shown = {title: re.search(r'<td data-label="同意后期限"[^>]*>(.*?)</td>', row, re.S).group(1)
             for title, row in rows.items()}
    assert "仍超期" in shown[late.title] and "仍超期" not in shown[m.title]
    assert '<span class="overdue">已超期</span>' in rows[late.title]
    for e, msg in ((late_ext, late), (ext, m)):
        client.post(reverse("board:decide_extension", args=[e.pk]), {"decision": "approve"})
        assert shown[msg.title].startswith(f"{fresh(msg).due_at.astimezone(SH):%Y-%m-%d}")


def test_a_returned_case_is_not_preselected_back_to_the_unit_that_returned_it(personas, directory, login):
    """The responsibility table still names the unit that said 「不属于本单位职责」: the form chose
    it again, and one click on 派单 sent the case back to be returned a second time."""
    m = dispatch(personas, directory, "住建局退回的留言")  # 城乡建设 in 七里河区 → 兰州市住建局
    actions.do_return(personas["officer"], m, directory["housing"], "属于物业纠纷, 不属于本单位职责")
    page = text(login(personas["dispatcher"]).get(reverse("board:case", args=[m.public_id])))
    form = page[page.index('id="dispatch-form"'):]
    assert "建议主办单位: <b>兰州市住房和城乡建设局</b> (<strong class=\"guess\">该单位已退回本件, 未预选</strong>)" in form
    lead = re.search(r'<select name="lead".*?</select>', form, re.S).group(0)
    assert re.findall(r"<option value=\"(\d*)\" selected>", lead) == [""]


def test_a_supervised_case_answered_still_names_its_unit_in_the_supervisors_list(personas, directory, login):
    """Listed until closed, an answered case showed 「主办单位: —」: the supervisor could not see
    who had answered it."""
    m = dispatch(personas, directory, "督办后已答复的留言")
    actions.do_supervise(personas["supervisor"], fresh(m), "请尽快答复")
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    actions.do_reply(personas["officer"], fresh(m), directory["housing"], "经现场核查, 问题已经解决, 感谢监督。")
    page = text(login(personas["supervisor"]).get(reverse("board:supervision")))
    supervised = page[page.index('id="supervised"'):]
    row = next(r for r in re.findall(r"<tr.*?</tr>", supervised, re.S) if m.title in r)
    assert '<td data-label="主办单位" class="keep">兰州市住房和城乡建设局</td>' in row and "已答复" in row


def test_the_unit_hears_whether_its_extension_was_granted(personas, directory, login,
                                                          django_capture_on_commit_callbacks):
    """A refused request was written on the case page only: the unit, waiting for more days,
    learnt nothing until its case was overdue."""
    from minsheng.board.models import Notification

    m, ext = _extension(personas, directory, login, "申请延期后等待审批的留言")
    due = fresh(m).due_at.astimezone(SH)
    client = login(personas["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "refuse", "note": "请按期答复"})
    note = Notification.objects.get(user=personas["officer"], kind="extension_decided")
    assert note.text == f"留言「{m.title}」的延期申请未获批准, 请在原期限 {due:%Y-%m-%d} 前答复。审批意见: 请按期答复"
    officer = login(personas["officer"])
    assert officer.get(reverse("board:notification_open", args=[note.pk]))["Location"] == reverse(
        "board:case", args=[m.public_id])
    ext = actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 5, "仍需现场勘查")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("board:decide_extension", args=[ext.pk]), {"decision": "approve"})
    note = Notification.objects.filter(user=personas["officer"], kind="extension_decided").first()
    assert note.text == f"留言「{m.title}」的延期申请已批准, 答复期限顺延至 {fresh(m).due_at.astimezone(SH):%Y-%m-%d}"


def test_a_staff_email_links_to_the_case_page_where_the_work_is_done(personas, directory,
                                                                      django_capture_on_commit_callbacks):
    """The site inbox opened the case page, the email the public page: no sign, no reply there."""
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        m = dispatch(personas, directory, "新派给住建局的留言")
    sent = next(e for e in mail.outbox if e.to == [personas["officer"].email])
    assert reverse("board:case", args=[m.public_id]) in sent.body
    assert reverse("board:message", args=[m.public_id]) not in sent.body
    # a link a mail program opens: the site's address (MINSHENG_SITE_URL), not a bare path
    assert sent.body.endswith("\n\nhttp://127.0.0.1:8000" + reverse("board:case", args=[m.public_id]))


def test_the_merge_field_reads_on_its_own_when_no_duplicate_is_listed(personas, directory, login):
    """「或填写并入的留言编号」: an 'or' with nothing before it when no duplicate was found."""
    m = submit(personas, directory, "没有相似留言的留言")
    page = text(login(personas["dispatcher"]).get(reverse("board:case", args=[m.public_id])))
    merge = page[page.index("<h2>并单</h2>"):]
    assert "疑似重复的留言" not in merge and ">并入的留言编号</label>" in merge and "或填写" not in merge


def test_a_supervisor_cannot_read_another_regions_unpublished_hotspot_by_its_number(personas, directory, login):
    """Its title quotes a message nobody has reviewed yet: the 老大难 list is scoped to the
    supervisor's regions, the hotspot page took any number."""
    now = dt.datetime.now(dt.UTC)
    other = Hotspot.objects.create(title="定西市某幼儿园课后服务收费问题", region=directory["dingxi"], first_at=now,
                                   last_at=now, message_count=1, public_count=0)
    own = Hotspot.objects.create(title="七里河区某小区加装电梯问题", region=directory["qilihe"], first_at=now,
                                 last_at=now, message_count=1, public_count=0)
    client = login(personas["supervisor"])
    assert client.get(reverse("insight:hotspot", args=[other.pk])).status_code == 404
    assert client.get(reverse("insight:hotspot", args=[own.pk])).status_code == 200
    other.message_count, other.public_count = 2, 1  # public: everybody reads it
    other.save()
    assert client.get(reverse("insight:hotspot", args=[other.pk])).status_code == 200


def test_a_refused_staff_page_leads_back_to_the_workbench(personas, login):
    """A unit officer sent to 督办 by a colleague's link got only 返回首页 (the public board)."""
    page = login(personas["officer"]).get(reverse("board:supervision"))
    assert page.status_code == 403 and f'href="{reverse("board:inbox")}">返回工作台</a>' in text(page)
    page = login(personas["citizen"]).get(reverse("board:supervision"))
    assert page.status_code == 403 and "返回工作台" not in text(page)


# --- a third QA walk: the supervisor's list keeps a refused 督办 -----------------------------

def test_a_supervision_refused_from_the_list_comes_back_on_the_list(personas, directory, login):
    """督办 with an empty note, sent from the second page of a district's overdue cases: the
    error on that same list and page, the row's form open with what was typed; from the case
    page it stays on the case page."""
    for n in range(21):
        dispatch(personas, directory, f"超期留言{n:02d}", at=LONG_AGO)
    client = login(personas["supervisor"])
    listed = reverse("board:supervision") + "?district=620103&op=2"
    page = text(client.get(listed))
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    (public_id,) = re.findall(r'<a href="/staff/case/(\d+)/">', overdue)  # 21 cases: one on page 2
    m = Message.objects.get(public_id=public_id)
    r = client.post(reverse("board:case_action", args=[public_id, "supervise"]),
                    {"version": m.version, "note": "   ", "next": listed})
    assert r.status_code == 400
    page = text(r)
    assert "请填写督办意见" in page and "<h1>督办</h1>" in page
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    assert "超期未答复 · 七里河区 (21)" in overdue and "第 2 / 2 页" in overdue
    assert row_titles(overdue) == [m.title]
    assert re.search(r'<details open><summary>督办</summary>.*?placeholder="督办意见">   </textarea>', overdue, re.S)
    # its links and forms lead to the list, not to the action's address
    assert 'href="/staff/supervision/?district=620103&amp;op=1"' in overdue
    assert f'name="next" value="{listed.replace("&", "&amp;")}#overdue-{public_id}"' in overdue
    assert not fresh(m).supervised
    # the same refused from the case page: the case page
    r = client.post(reverse("board:case_action", args=[public_id, "supervise"]),
                    {"version": m.version, "note": ""})
    assert r.status_code == 400 and "请填写督办意见" in text(r) and "<h1>督办</h1>" not in text(r)
    # sent again with a note, from the list: done, back at the list's page
    r = client.post(reverse("board:case_action", args=[public_id, "supervise"]),
                    {"version": m.version, "note": "请尽快答复", "next": listed})
    assert r.status_code == 302 and r["Location"] == listed
    assert fresh(m).supervised


# --- QA walk 2026-12-06: 督办 from the list comes back to the case's row ---------------------------

def test_a_supervision_from_the_list_comes_back_to_its_row(personas, directory, login):
    """督办 of a late case on /staff/supervision/ came back to the top of the page: past the pending
    extensions (ten on the province's demo) a supervisor on a phone scrolled down again to find the
    row and the next late case. It comes back to the row, marked 已督办, on the same district's page."""
    for n in range(3):
        dispatch(personas, directory, f"超期留言{n:02d}", at=LONG_AGO)
    client = login(personas["supervisor"])
    listed = reverse("board:supervision") + "?district=620103"
    page = text(client.get(listed))
    overdue = page[page.index('id="overdue"'):page.index('id="due-soon"')]
    public_id = re.findall(r'<a href="/staff/case/(\d+)/">', overdue)[1]
    form = re.search(rf'action="/staff/case/{public_id}/supervise/">.*?</form>', overdue, re.S).group(0)
    sent = dict(re.findall(r'<input type="hidden" name="(version|next)" value="([^"]*)"', form))
    r = client.post(reverse("board:case_action", args=[public_id, "supervise"]),
                    {**sent, "next": sent["next"].replace("&amp;", "&"), "note": "请尽快答复"})
    assert r.status_code == 302 and r["Location"] == f"{listed}#overdue-{public_id}"
    back = text(client.get(listed))
    row = re.search(rf'<tr class="late" id="overdue-{public_id}">.*?</tr>', back, re.S).group(0)
    assert "已督办" in row
    # and the page's message names the case (it said 「已督办」 alone, above a list of many)
    assert f"已督办留言 {public_id}" in back

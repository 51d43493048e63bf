"""An officer with 200 cases and their unit head (QA walk of 2026-12-07): what they could not tell or reach
from the inbox without opening case after case."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Extension, Message
from minsheng.board.views import staff

from .conftest import make_user
from .test_staff_pages import due_at, jointly_led
from .test_staff_qa import LONG_AGO, dispatch, fresh, row_titles, text

pytestmark = pytest.mark.django_db


def _row(html: str, title: str) -> str:
    return next(row for row in re.findall(r"<tr[ >].*?</tr>", html, re.S) if title in row)


def test_the_inbox_row_says_an_extension_waits_for_the_supervisor(personas, directory, login):
    """The officer asked for 延期 on a few of their 70 overdue cases: the inbox showed them as overdue as the
    rest, and which were already asked for (and still waiting) was found by opening each case. The row (and the
    export, for the unit's meeting) says 「延期待审批」 until the supervisor decides."""
    asked = dispatch(personas, directory, "加装电梯审批进展缓慢", at=LONG_AGO)
    other = dispatch(personas, directory, "小区路灯不亮", at=LONG_AGO)
    officer = personas["officer"]
    for m in (asked, other):
        actions.do_sign(officer, fresh(m), directory["housing"])
    actions.do_request_extension(officer, fresh(asked), directory["housing"], 5, "需要协调施工单位")
    client = login(officer)
    inbox = text(client.get(reverse("board:inbox"), {"tab": "overdue"}))
    assert "延期待审批" in _row(inbox, asked.title)
    assert "延期待审批" not in _row(inbox, other.title)
    export = client.get(reverse("board:inbox_export", args=["csv"]), {"tab": "overdue"})
    rows = {r[1]: r for r in csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))}
    state = staff.INBOX_EXPORT_HEADER.index("状态")
    assert "延期待审批" in rows[asked.title][state] and "延期待审批" not in rows[other.title][state]
    # decided (here refused): the row no longer says it waits
    extension = Extension.objects.get(assignment__message=asked)
    actions.do_decide_extension(personas["supervisor"], extension, approve=False, note="请按期办理")
    inbox = text(client.get(reverse("board:inbox"), {"tab": "overdue"}))
    assert "延期待审批" not in _row(inbox, asked.title)


def _pager(html: str) -> str:
    return html[html.index('class="pagination"') :].split("</nav>")[0]


def test_the_inbox_pager_reaches_the_last_page_and_any_page_in_one_click(
    personas, directory, login, monkeypatch
):
    """200 cases are 10 pages: the pager offered 上一页 and 下一页 alone, so the officer reached the oldest
    cases on the last page (or page 7, where they stopped yesterday) by clicking 下一页 page after page. It links
    the first and last page and the pages around the one shown, keeping the tab, sort and search."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    for n in range(19):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    client = login(personas["officer"])
    first = _pager(text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted"})))
    assert "第 1 / 10 页, 共 19 件" in first
    assert '<a href="?tab=new&amp;sort=submitted&amp;page=10"' in first  # the last page, in one click
    assert '<a href="?tab=new&amp;sort=submitted&amp;page=2"' in first
    assert "上一页" not in first
    middle = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 6}))
    pager = _pager(middle)
    for n in (1, 5, 7, 10):
        assert f'<a href="?tab=new&amp;sort=submitted&amp;page={n}"' in pager, n
    assert (
        'aria-current="page"><span class="visually-hidden">第 </span>6<' in pager
    )  # the page shown is said, not linked
    assert "page=6" not in pager
    # the last page, by submission the newest: its one row
    last = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 10}))
    assert row_titles(last) == ["七里河区小区停车难问题18"]
    assert "下一页" not in _pager(last)


def _asked(personas, directory, title):
    """A case of the officer's unit, signed, past its deadline, with a 延期 request waiting."""
    m = dispatch(personas, directory, title, at=LONG_AGO)
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 5, "需要协调施工单位")
    return fresh(m)


def test_a_decided_or_voided_extension_no_longer_says_it_waits(personas, directory, login):
    """延期待审批 lasts as long as the request waits: approved, or voided by the unit's own 转办, 退单 or 答复
    (the case back in the unit's inbox by a new dispatch or 重办), the row no longer says it."""
    officer, housing = personas["officer"], directory["housing"]
    approved = _asked(personas, directory, "加装电梯审批进展缓慢")
    transferred = _asked(personas, directory, "污水井盖破损")
    returned = _asked(personas, directory, "小区路灯不亮")
    replied = _asked(personas, directory, "楼道堆放杂物")
    client = login(officer)
    inbox = text(client.get(reverse("board:inbox")))
    for m in (approved, transferred, returned, replied):
        assert "延期待审批" in _row(inbox, m.title), m.title
    actions.do_decide_extension(
        personas["supervisor"], Extension.objects.get(assignment__message=approved), approve=True, note="同意"
    )
    actions.do_transfer(officer, fresh(transferred), housing, directory["ecology"], "属于生态环境局职责")
    actions.do_return(officer, fresh(returned), housing, "不属于本单位职责")
    actions.do_dispatch(personas["dispatcher"], fresh(returned), housing)
    actions.do_reply(officer, fresh(replied), housing, "已经安排物业清理楼道杂物。")
    actions.do_evaluate(
        personas["citizen"], fresh(replied), resolution="unsatisfied", attitude="basic", speed="unsatisfied"
    )
    actions.do_reopen(personas["citizen"], fresh(replied), "杂物还在")
    inbox = text(client.get(reverse("board:inbox")))
    for m in (approved, returned, replied):
        assert "延期待审批" not in _row(inbox, m.title), m.title
    assert transferred.title not in inbox
    theirs = text(login(personas["other_officer"]).get(reverse("board:inbox")))
    assert "延期待审批" not in _row(theirs, transferred.title)


def test_a_joint_lead_units_row_says_its_partners_extension_waits(personas, directory, login):
    """联合办理: the other lead unit's deadline moves too when the request is approved, yet its row never said
    the partner asked. Every lead unit's row says 延期待审批 (and its export); an assisting unit's does not."""
    transport_officer = make_user(
        "transport_officer", role="officer", unit=directory["transport"], display_name="交通局王"
    )
    m = dispatch(personas, directory, "搅拌站夜间施工扰民", at=LONG_AGO, assists=[directory["transport"]])
    jointly_led(m, directory["ecology"], fresh(m).due_at)
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 5, "需要两个单位协调")
    partner = login(personas["other_officer"])
    assert "延期待审批" in _row(text(partner.get(reverse("board:inbox"))), m.title)
    export = partner.get(reverse("board:inbox_export", args=["csv"]))
    rows = {r[1]: r for r in csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))}
    assert "延期待审批" in rows[m.title][staff.INBOX_EXPORT_HEADER.index("状态")]
    assisting = text(login(transport_officer).get(reverse("board:inbox"), {"tab": "assist"}))
    assert "延期待审批" not in _row(assisting, m.title)


def _links(pager: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)"', pager)


def test_the_pager_links_what_django_elides_on_either_side(personas, directory, login, monkeypatch):
    """Two pages: 1 and 2, nothing elided; page 5 of 10: 2 is one page skipped, linked by its number, and 「…」
    before 10; page 6 of 10: 「…」 after 1, and 9 linked, not elided."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    for n in range(4):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    client = login(personas["officer"])
    two = _pager(text(client.get(reverse("board:inbox"), {"tab": "new"})))
    assert _links(two) == ["?tab=new&amp;page=2", "?tab=new&amp;page=2"]  # 2, then 下一页
    assert "…" not in two
    for n in range(4, 19):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    fifth = _pager(text(client.get(reverse("board:inbox"), {"tab": "new", "page": 5})))
    numbers = [int(href.rsplit("=", 1)[1]) for href in _links(fifth)]
    assert numbers == [4, 1, 2, 3, 4, 6, 7, 10, 6]  # 上一页, the pages, 下一页
    assert fifth.count("…") == 1
    sixth = _pager(text(client.get(reverse("board:inbox"), {"tab": "new", "page": 6})))
    numbers = [int(href.rsplit("=", 1)[1]) for href in _links(sixth)]
    assert numbers == [5, 1, 4, 5, 7, 8, 9, 10, 7]
    assert sixth.count("…") == 1


def test_the_current_page_is_named_as_the_links_are(personas, directory, login, monkeypatch):
    """A screen reader heard the links as 「第 5 页」 and the page shown as a bare 「6」: it says 「第 6 页」 too."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    for n in range(5):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    pager = _pager(text(login(personas["officer"]).get(reverse("board:inbox"), {"tab": "new", "page": 2})))
    current = re.search(r'<span class="current" aria-current="page">(.*?)</span>\s*<a', pager, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", current).split() == ["第", "2", "页"]
    assert 'aria-label="第 1 页"' in pager


def test_the_other_staff_lists_pagers_keep_their_own_parameters(personas, directory, login, monkeypatch):
    """派单队列 (its search), 领导来信 (its 待审核) and 督办's four lists, each paged by its own parameter (ep, op,
    dp, sp) keeping the others' pages, also shown again at an action's address (the list's own address then)."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    from .test_staff_qa import submit

    for n in range(5):
        submit(personas, directory, f"七里河区停车难{n}")
    queue = _pager(
        text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "停车难", "page": 2}))
    )
    assert 'href="?q=%E5%81%9C%E8%BD%A6%E9%9A%BE&amp;page=3"' in queue and 'aria-label="第 1 页"' in queue
    for n in range(3):
        m = _asked(personas, directory, f"超期留言{n}")
        actions.do_supervise(personas["supervisor"], fresh(m), "请尽快办理")
        due_at(personas, directory, 100 + n, f"即将到期{n}", timezone.now() + dt.timedelta(hours=2))
    supervisor = login(personas["supervisor"])
    page = text(supervisor.get(reverse("board:supervision"), {"ep": 2, "op": 2, "dp": 2, "sp": 2}))
    pagers = re.findall(r'<nav class="pagination".*?</nav>', page, re.S)
    assert len(pagers) == 4
    # four navs named alike (「分页」) were four landmarks a screen reader could not tell apart: each its list's
    names = [re.search(r'aria-label="([^"]+)"', pager).group(1) for pager in pagers]
    assert names == ["延期申请分页", "超期件分页", "即将到期分页", "督办中留言分页"]
    for pager, param in zip(pagers, ("ep", "op", "dp", "sp"), strict=True):
        others = "&amp;".join(f"{p}=2" for p in ("ep", "op", "dp", "sp") if p != param)
        assert f'href="?{others}&amp;{param}=1"' in pager, param
    # a decision on a request decided meanwhile: the list again at the action's address, its links the list's
    extension = Extension.objects.filter(state=Extension.State.PENDING).first()
    actions.do_decide_extension(personas["supervisor"], extension, approve=False, note="请按期办理")
    refused = text(
        supervisor.post(
            reverse("board:decide_extension", args=[extension.pk]),
            {"decision": "approve", "note": "同意", "next": "/staff/supervision/?op=2"},
        )
    )
    pagers = re.findall(r'<nav class="pagination".*?</nav>', refused, re.S)
    assert pagers and all('href="/staff/supervision/?' in pager for pager in pagers)


def test_the_leader_board_pager_keeps_its_filter(personas, directory, login, monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    from .test_public_pages import submit

    office = make_user(
        "mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人"
    )
    for n in range(3):
        submit(personas["citizen"], directory, title=f"写给市长的留言{n}", addressee=directory["mayor"])
    pager = _pager(text(login(office).get(reverse("board:leader_office"), {"show": "pending"})))
    assert 'show=pending&amp;page=2" aria-label="第 2 页"' in pager


def test_an_action_emptying_the_last_page_lands_on_the_page_before_without_saying_it_is_missing(
    personas, directory, login, monkeypatch
):
    """签收所选 of the last page's one row: back on 待签收, page 3 no longer existed, and 「已签收 1 件」 stood beside
    「第 3 页不存在, 已显示第 2 页」, which read as if the action had failed. The page before, the success alone; a
    page typed past the end still says it is missing."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    for n in range(5):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    client = login(personas["officer"])
    last = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 3}))
    [title] = row_titles(last)
    m = Message.objects.get(title=title)
    page = text(
        client.post(
            reverse("board:inbox_sign"),
            {"case": [m.public_id], "next": "/staff/?tab=new&sort=submitted&page=3"},
            follow=True,
        )
    )
    assert "已签收 1 件" in page
    assert "不存在" not in page
    assert row_titles(page) == ["七里河区小区停车难问题02", "七里河区小区停车难问题03"]
    typed = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 9}))
    assert "第 9 页不存在, 已显示第 2 页" in typed


def test_the_handler_filter_counts_its_cases_as_the_tabs_do(personas, directory, login):
    """The tabs say 「待签收 (3)」, but 「指派给我」 said no number: how many of the unit's cases were the
    officer's own took a click to find. 全部, 指派给我 (and a head's 未指派) count the tab's cases, whichever is
    chosen."""
    cases = [dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(3)]
    Assignment.objects.filter(message=cases[0]).update(handler=personas["officer"])
    client = login(personas["officer"])
    for handler in ("", "me"):
        page = text(client.get(reverse("board:inbox"), {"tab": "new", "handler": handler}))
        nav = page[page.index('aria-label="按承办人筛选"') :].split("</nav>")[0]
        assert re.search(r">全部 \(3\)</a>", nav) and re.search(r">指派给我 \(1\)</a>", nav), handler


def test_the_api_says_an_extension_waits_for_the_supervisor(personas, directory):
    """The inbox said 延期待审批 and the API's box=unit did not: an integrator's list could not tell which overdue
    cases were already asked for. Each item and the case say `extension_pending` until the supervisor decides."""
    from .test_api_support import token_client

    asked = _asked(personas, directory, "加装电梯审批进展缓慢")
    other = dispatch(personas, directory, "小区路灯不亮", at=LONG_AGO)
    client = token_client(personas["officer"])
    items = client.get("/api/v1/staff/inbox/", {"box": "unit"}).json()["results"]
    assert {i["public_id"]: i["extension_pending"] for i in items} == {
        asked.public_id: True,
        other.public_id: False,
    }
    assert client.get(f"/api/v1/staff/cases/{asked.public_id}/").json()["extension_pending"] is True
    assert client.get(f"/api/v1/staff/cases/{other.public_id}/").json()["extension_pending"] is False
    extension = Extension.objects.get(assignment__message=asked)
    actions.do_decide_extension(personas["supervisor"], extension, approve=True, note="同意")
    items = client.get("/api/v1/staff/inbox/", {"box": "unit"}).json()["results"]
    assert not any(i["extension_pending"] for i in items)
    assert client.get(f"/api/v1/staff/cases/{asked.public_id}/").json()["extension_pending"] is False


def test_an_assisting_units_api_item_says_no_extension_waits_as_its_row_does(personas, directory, login):
    """The inbox row says 延期待审批 for a lead unit alone (an assisting unit asks for no 延期, and its deadline is
    not the one that moves); the API said it to the assisting unit too, its item and its page at odds. Each unit's
    item and case read what its own row shows; a supervisor (no unit of the case) reads that a lead's request waits."""
    from .test_api_support import token_client

    transport_officer = make_user(
        "transport_officer", role="officer", unit=directory["transport"], display_name="交通局王"
    )
    m = dispatch(personas, directory, "搅拌站夜间施工扰民", at=LONG_AGO, assists=[directory["transport"]])
    actions.do_sign(personas["officer"], fresh(m), directory["housing"])
    actions.do_request_extension(personas["officer"], fresh(m), directory["housing"], 5, "需要协调施工单位")
    for user, pending in ((personas["officer"], True), (transport_officer, False)):
        tab = "todo" if pending else "assist"
        page = text(login(user).get(reverse("board:inbox"), {"tab": tab}))
        assert ("延期待审批" in _row(page, m.title)) is pending
        client = token_client(user)
        items = client.get("/api/v1/staff/inbox/", {"box": "unit"}).json()["results"]
        assert {i["public_id"]: i["extension_pending"] for i in items}[m.public_id] is pending, user
        assert client.get(f"/api/v1/staff/cases/{m.public_id}/").json()["extension_pending"] is pending, user
    supervisor = token_client(personas["supervisor"])
    assert supervisor.get(f"/api/v1/staff/cases/{m.public_id}/").json()["extension_pending"] is True
    items = supervisor.get("/api/v1/staff/inbox/", {"box": "supervise"}).json()["results"]
    assert {i["public_id"]: i["extension_pending"] for i in items}[m.public_id] is True

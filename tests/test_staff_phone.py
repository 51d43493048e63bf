"""The staff workbench on a phone (390×844) in the system Chromium: a dispatcher, an officer
and a supervisor read cases whose text holds a pasted link or a long number, and no page
scrolls sideways."""

from __future__ import annotations

import pytest

from minsheng.board import actions

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)
from .test_hotspot_pages import chronic_hotspot, fresh_index  # noqa: F401 (fixtures)
from .test_mobile_layout import PHONE, overflow, two_cases

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

LINK = "https://mp.weixin.qq.com/s?__biz=MzA3NjQ2NTUwMQ==&mid=2651234567&idx=1&sn=0123456789abcdef0123456789abcdef"
BODY = f"小区电梯坏了三个月, 物业说等维修基金, 详见业主群转发的通知 {LINK} , 维修单号 20261101000123456789012345。"
REPLY = f"经核查, 电梯维修资金已于本周拨付, 物业公司将在十日内修复, 办理进度可查询 {LINK} 。"


@pytest.mark.django_db(transaction=True)
def test_a_pasted_link_does_not_widen_the_workbench_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    p, d = personas, directory
    waiting = actions.do_submit(p["citizen"], title="小区电梯坏了三个月没人修", body=BODY, kind="complain",
                                region=d["qilihe"])
    answered = actions.do_submit(p["citizen"], title="七里河区小区电梯维修资金迟迟不到位", body=BODY,
                                 kind="complain", region=d["qilihe"], topic=d["topic_build"])
    actions.do_dispatch(p["dispatcher"], answered, d["housing"])
    actions.do_sign(p["officer"], answered, d["housing"])
    actions.do_supervise(p["supervisor"], answered, f"群众反映多次, 见 {LINK}")
    actions.do_reply(p["officer"], answered, d["housing"], REPLY)
    for username, urls in (("dispatcher", ["/staff/triage/", f"/staff/case/{waiting.public_id}/"]),
                           ("officer", ["/staff/", f"/staff/case/{answered.public_id}/"]),
                           ("supervisor", ["/staff/supervision/", f"/staff/case/{answered.public_id}/"])):
        page = signed_in_page(browser, live_server, username, **PHONE)
        for url in urls:
            assert page.goto(live_server.url + url).status == 200, url
            assert overflow(page) <= 0, f"{username} {url} scrolls sideways by {overflow(page)}px at 390px"
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_chronic_list_is_a_card_per_hotspot_on_a_phone(browser, live_server, chronic_hotspot):  # noqa: F811
    """/chronic/ kept its seven columns on a phone: 兰州市 stood one character a line in a column
    narrower than a word (城关区 likewise), the dates and units wrapped into slivers. Now each hotspot is a card."""
    assert chronic_hotspot.chronic
    page = signed_in_page(browser, live_server, "supervisor", **PHONE)
    assert page.goto(live_server.url + "/chronic/").status == 200
    cells = page.locator("main table tbody tr").first.locator("td")
    title, region = cells.nth(0), cells.nth(1)
    assert region.inner_text().strip() == chronic_hotspot.region.name  # 城关区
    line = page.evaluate("parseFloat(getComputedStyle(document.body).lineHeight) || 24")
    assert region.bounding_box()["height"] < 2 * line, "the region's name wraps a character a line"
    assert title.bounding_box()["width"] > 300
    assert overflow(page) <= 0
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_leaders_dashboard_fits_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """领导驾驶舱's unit tables keep their cells on one line: 谁在拖延's row of a long unit name beside
    「65.0% (13/20 件)」 pushed the page 36px past a 390px screen (the demo's 兰州市住房和城乡建设局).
    Its tables now scroll inside their cards, as /stats/'s do, the unit's name wrapping."""
    from datetime import timedelta

    from django.utils import timezone

    from minsheng.directory.models import Unit

    p, d = personas, directory
    pensions = Unit.objects.create(name="兰州市城乡居民社会养老保险服务中心", short_name="社保中心", region=d["lanzhou"])
    month_ago = timezone.now() - timedelta(days=30)
    for i in range(2):
        late = actions.do_submit(p["citizen"], title=f"城关区退休人员养老金迟迟未发放{i + 1}",
                                 body="我父亲今年退休, 养老金申请提交三个月了还没有发放, 请帮忙核实办理进度。",
                                 kind="help", region=d["chengguan"], at=month_ago)
        actions.do_dispatch(p["dispatcher"], late, pensions, at=month_ago)
    page = signed_in_page(browser, live_server, "supervisor", **PHONE)
    assert page.goto(live_server.url + "/stats/dashboard/").status == 200
    assert page.get_by_text(pensions.name).count() >= 1
    assert overflow(page) <= 0, f"/stats/dashboard/ scrolls sideways by {overflow(page)}px at 390px"
    page.context.close()


SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 780}}  # the narrowest common handset


def centre(box) -> float:
    return box["y"] + box["height"] / 2


@pytest.mark.django_db(transaction=True)
def test_the_queues_search_button_sits_beside_its_box_on_a_small_phone(browser, live_server, personas, directory):  # noqa: F811
    """At 360px 查找 dropped under its box, on a line of its own (2026-12-06: the label, the box and the
    button shared one row, and the box's 14rem left no room). The label now stands above; the box and
    查找 share the row, each whole on the screen."""
    two_cases(personas, directory)
    for username, url in (("officer", "/staff/"), ("dispatcher", "/staff/triage/")):
        page = signed_in_page(browser, live_server, username, **SMALL_PHONE)
        assert page.goto(live_server.url + url).status == 200
        form = page.locator("form.queue-search")
        box, button = form.locator("input[type=search]").bounding_box(), form.get_by_role("button", name="查找").bounding_box()
        assert button["x"] >= box["x"] + box["width"], f"{username} {url}: 查找 is not beside the box: {box} {button}"
        assert abs(centre(button) - centre(box)) < 2, f"{username} {url}: 查找 is not on the box's line: {box} {button}"
        assert box["x"] >= 0 and button["x"] + button["width"] <= 360 and box["width"] >= 150
        assert overflow(page) <= 0
        # what was looked for, and 清除 after 查找 on that row: a 40px target too (it was 26px)
        page.goto(live_server.url + url + "?q=七里河")
        clear = form.get_by_role("link", name="清除").bounding_box()
        assert clear["height"] >= 40 and clear["x"] + clear["width"] <= 360
        assert abs(centre(clear) - centre(form.get_by_role("button", name="查找").bounding_box())) < 2
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_cards_box_sits_beside_its_title_on_a_small_phone(browser, live_server, personas, directory):  # noqa: F811
    """The box that picks a card (派单队列's 按建议派单, 本单位待办's 签收所选) stood on a line of its own, the
    title under it (2026-12-06: the title's link was a block of its own for its 40px height). It now sits
    at the start of the title's line, still a 40px target, and the title wraps beside it."""
    p, d = personas, directory
    cases = two_cases(p, d)
    for username, url, prefix in (("dispatcher", "/staff/triage/", "dispatch"), ("officer", "/staff/", "sign")):
        if username == "officer":  # the same two cases, now in 住建局's inbox to sign for
            for case in cases:
                actions.do_dispatch(p["dispatcher"], case, d["housing"])
        page = signed_in_page(browser, live_server, username, **SMALL_PHONE)
        assert page.goto(live_server.url + url).status == 200
        for case in cases:
            row = page.locator(f"tr:has(#{prefix}-{case.public_id})")
            pick = row.locator("label.pick").bounding_box()
            title = row.get_by_role("link", name=case.title).bounding_box()
            assert pick["width"] >= 40 and pick["height"] >= 40
            assert title["x"] >= pick["x"] + pick["width"], f"{username}: the title is not beside the box: {pick} {title}"
            assert title["y"] <= centre(pick) <= title["y"] + title["height"], \
                f"{username}: the box is not on the title's line: {pick} {title}"
            assert title["x"] + title["width"] <= 360
        assert overflow(page) <= 0
        page.context.close()


# Each 「·」 of 本单位待办's sort links, as (the link, how far the centre of its 「·」 stands below the link's centre).
SORT_DOTS_JS = r"""() => [...document.querySelectorAll("table.cases.sortable thead .sep")].filter(s => s.checkVisibility()).map(s => {
  const dot = getComputedStyle(s, "::before"), box = s.getBoundingClientRect(), link = s.querySelector("a").getBoundingClientRect();
  return [s.querySelector("a").textContent.trim(), box.top + parseFloat(dot.top) + parseFloat(dot.height) / 2 - (link.top + link.height / 2)];
})"""


@pytest.mark.django_db(transaction=True)
def test_the_sort_links_dots_sit_on_their_line_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """本单位待办's sort links on a phone (「留言 · 提交时间」, 「区划 · 领域」, 「期限 · 剩余/超期」): each link a 40px
    target, the 「·」 before it stood at the top of the 40px, raised over the words like a mark above them
    (8px above their middle, 2026-12-06, workbench walk). It sits on their line."""
    two_cases(personas, directory, lead=directory["housing"])
    page = signed_in_page(browser, live_server, "officer", **SMALL_PHONE)
    assert page.goto(live_server.url + "/staff/").status == 200
    dots = page.evaluate(SORT_DOTS_JS)
    assert len(dots) == 3
    for link, below in dots:
        assert abs(below) <= 2, f"the 「·」 before {link} stands {-below:.0f}px above the words' middle"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_an_extensions_two_answers_share_a_row_on_a_small_phone(browser, live_server, personas, directory):  # noqa: F811
    """督办's 待审批的延期申请 at 360px: the note's box and 同意延期 filled a row, 不同意 dropped under them on a
    line of its own, two answers to one question on two lines (2026-12-06, workbench walk). The note takes its
    row, 同意延期 and 不同意 share the next, each 44px high."""
    p, d = personas, directory
    case = two_cases(p, d, lead=d["housing"])[0]
    actions.do_sign(p["officer"], case, d["housing"])
    actions.do_request_extension(p["officer"], case, d["housing"], 5, "需要现场勘察, 协调物业和街道")
    for url in ("/staff/supervision/", f"/staff/case/{case.public_id}/"):
        page = signed_in_page(browser, live_server, "supervisor", **SMALL_PHONE)
        assert page.goto(live_server.url + url).status == 200
        form = page.locator("form.decide").first
        note = form.locator("input[name=note]").bounding_box()
        yes, no = (form.get_by_role("button", name=name).bounding_box() for name in ("同意延期", "不同意"))
        assert abs(yes["y"] - no["y"]) < 1 and no["x"] > yes["x"], f"{url}: 不同意 is not beside 同意延期: {yes} {no}"
        assert yes["y"] >= note["y"] + note["height"] and note["width"] >= 250
        assert yes["height"] >= 44 and no["x"] + no["width"] <= 360
        assert overflow(page) <= 0
        page.context.close()


# Each line of a case page's history entry (the one holding ``words``), as how far short of the entry's right edge it ends.
LINE_ENDS_JS = r"""words => {
  const detail = [...document.querySelectorAll(".timeline .detail")].find(d => d.textContent.includes(words));
  const range = document.createRange(); range.selectNodeContents(detail);
  const right = detail.getBoundingClientRect().right, ends = new Map();
  for (const r of range.getClientRects()) if (r.width > 0) { const top = Math.round(r.top); ends.set(top, Math.max(ends.get(top) || 0, r.right)); }
  return [...ends.values()].map(end => right - end);
}"""


@pytest.mark.django_db(transaction=True)
def test_what_someone_wrote_in_the_history_fills_its_lines_on_a_small_phone(browser, live_server, personas, directory):  # noqa: F811
    """办理记录's 申请延期 at 360px: 「5 个工作日; 理由:」 ended its line half way, the reason under it broken only at its
    commas, 「需要现场勘察并协调物业和街道,」 then 「申请延期五个工作日」 (2026-12-06, officer's walk): the entry kept
    each run of Chinese whole (word-break: keep-all, for a unit's or a topic's name) and so the whole reason too.
    What someone wrote wraps as text does; the lines but the last reach the entry's edge."""
    p, d = personas, directory
    case = two_cases(p, d, lead=d["housing"])[0]
    actions.do_sign(p["officer"], case, d["housing"])
    reason = "需要现场勘察并协调物业和街道, 申请延期五个工作日, 勘察结果出来后立即组织施工单位进场维修"
    actions.do_request_extension(p["officer"], case, d["housing"], 5, reason)
    page = signed_in_page(browser, live_server, "officer", **SMALL_PHONE)
    assert page.goto(f"{live_server.url}/staff/case/{case.public_id}/").status == 200
    short = page.evaluate(LINE_ENDS_JS, reason[:6])
    assert len(short) >= 3, short
    assert all(gap < 32 for gap in short[:-1]), f"lines of the 申请延期 entry end short of its edge by {short}px"
    assert overflow(page) <= 0
    page.context.close()

"""A citizen's phone in the system Chromium, upright (360×740) and held sideways (740×360), as the QA walk
of 2026-12-07 met the site on demo data: the boxes a phone zooms into, and the targets of a phone held
sideways."""

from __future__ import annotations

import itertools

import pytest

from minsheng.board import actions

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)
from .test_citizen_pages import replied, submit
from .test_mobile_layout import two_cases
from .test_touch_targets import ACTION, LINK, TARGET, TARGETS_JS, sizes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}

# every box shown that a finger types or picks in, as 「name: font size」
BOX_SIZES_JS = r"""() => [...document.querySelectorAll(
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), select, textarea")]
  .filter(e => e.checkVisibility())
  .map(e => `${e.name}: ${parseFloat(getComputedStyle(e).fontSize)}`)"""


@pytest.mark.django_db(transaction=True)
def test_no_box_on_a_phone_is_set_under_16px(browser, live_server, personas, directory):  # noqa: F811
    """iOS zooms the page into a box whose type is under 16px when it is tapped, and leaves it zoomed: the
    public statistics' filters (查找区划, 区划, 领域, 类型, the dates) took their labels' .9rem, 14.4px, and a
    督办员's 审批意见 in a table cell its .92rem. Every box is 16px on a phone."""
    p, d = personas, directory
    case = two_cases(p, d, lead=d["housing"])[0]
    actions.do_sign(p["officer"], case, d["housing"])
    actions.do_request_extension(p["officer"], case, d["housing"], 5, "需要现场勘察, 协调物业和街道")
    visitor = browser.new_context(**PHONE).new_page()
    supervisor = signed_in_page(browser, live_server, personas["supervisor"].username, **PHONE)
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    small, seen = [], 0
    for page, url in (
        (visitor, "/stats/"),
        (visitor, "/browse/"),
        (visitor, "/accounts/register/"),
        (citizen, "/post/"),
        (supervisor, "/staff/supervision/"),
        (supervisor, "/stats/overdue/"),
    ):
        page.goto(live_server.url + url)
        boxes = page.evaluate(BOX_SIZES_JS)
        seen += len(boxes)
        small += [f"{url} {box}" for box in boxes if float(box.rsplit(": ", 1)[1]) < 16]
    assert seen > 20, seen
    assert not small, "boxes under 16px on a phone:\n" + "\n".join(small)


SIDEWAYS = {**PHONE, "viewport": {"width": 740, "height": 360}}


@pytest.mark.django_db(transaction=True)
def test_a_phone_held_sideways_keeps_the_phones_targets(browser, live_server, personas, directory):  # noqa: F811
    """Turned sideways a phone is 740px wide, past the phone layout's 640px, and took the desk's sizes though it is
    tapped with a finger as upright: the menu's links were 26px high, the crumbs 20px, a listed message's place
    23px, the figures' 「超期 8 件」 an 8×20px 「8」, the error list's links and the header's 退出 24-26px. A
    touch screen keeps the house sizes of a phone (a link that stands apart 40px high, a button 44px), and its
    layout (the menu on one line)."""
    p, d = personas, directory
    message = submit(p["citizen"], d)
    replied(p, d, message)
    visitor = browser.new_context(**SIDEWAYS).new_page()
    citizen = signed_in_page(browser, live_server, p["citizen"].phone, **SIDEWAYS)
    low, seen = [], 0
    for page, url in (
        (visitor, "/"),
        (visitor, "/browse/"),
        (visitor, f"/m/{message.public_id}/"),
        (visitor, "/region/620100/"),
        (visitor, "/stats/"),
        (citizen, "/me/messages/"),
        (citizen, "/me/notifications/"),
        (citizen, f"/m/{message.public_id}/"),
        (citizen, "/accounts/me/"),
    ):
        assert page.goto(live_server.url + url).status == 200
        for t in page.evaluate(TARGETS_JS):
            if not (t["control"] or t["link"]):
                continue
            seen += 1
            least = ACTION if t["control"] else LINK
            if t["h"] < least or t["w"] < TARGET:
                low.append(f"{url}: 「{t['text']}」 {t['w']}×{t['h']}, {least}px high wanted ({t['where']})")
    assert seen > 60, seen
    assert not low, "under the house sizes at 740×360:\n" + "\n".join(low)
    menu = visitor.locator("header.site nav")
    assert menu.bounding_box()["height"] < 50  # one line: a sideways phone has 360px of height


# Each visible 「·」 inside ``selector`` that is not on one line with the words before and after it, as
# 「before · after」: the glyphs of every text node in order, a 「·」 held against its neighbours'.
DOT_AT_A_LINE_END_JS = r"""(selector) => {
  const glyphs = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let t; (t = walker.nextNode());) {
      for (let i = 0; i < t.data.length; i++) {
        if (/\s/.test(t.data[i])) continue;
        const range = document.createRange();
        range.setStart(t, i);
        range.setEnd(t, i + 1);
        const r = range.getBoundingClientRect();
        if (r.width > 0) glyphs.push({c: t.data[i], top: Math.round(r.top), bottom: Math.round(r.bottom)});
      }
    }
  }
  const apart = (a, b) => !a || !b || b.top >= a.bottom - 2 || a.top >= b.bottom - 2;
  return glyphs.flatMap((g, i) => g.c === "·" && (apart(glyphs[i - 1], g) || apart(g, glyphs[i + 1]))
    ? [`${glyphs[i - 1]?.c} · ${glyphs[i + 1]?.c}`] : []);
}"""


@pytest.mark.django_db(transaction=True)
def test_the_footer_never_ends_a_line_with_a_dot_on_a_small_phone(browser, live_server, personas, directory):  # noqa: F811
    """At 320px the footer of every page read 「民声 · 群众留言, 政府回应, 数据公开 ·」 over 「隐私政策」: its last 「·」
    ended the line, parted from the link it leads to. On a phone each 「·」 stands between its words, on their line."""
    page = browser.new_context(**PHONE).new_page()
    for width in (320, 360, 412):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.goto(live_server.url + "/privacy/").status == 200
        assert page.locator("footer.site a", has_text="隐私政策").is_visible()
        assert page.evaluate(DOT_AT_A_LINE_END_JS, "footer.site") == [], f"at {width}px"


@pytest.mark.django_db(transaction=True)
def test_the_statistics_periods_never_end_a_line_with_a_dot_on_a_phone(browser, live_server, directory):  # noqa: F811
    """公开统计's 「时间: 近 7 天 · 近 30 天 · 本月 · 上月 · 全部时间」 at 360px: the line ended 「上月 ·」 over 全部时间. No
    「·」 stands at the end or the start of a line, and each period stays a link a finger can hit apart from the next."""
    page = browser.new_context(**PHONE).new_page()
    for width in (320, 360, 412):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.goto(live_server.url + "/stats/").status == 200
        assert page.evaluate(DOT_AT_A_LINE_END_JS, "nav.periods") == [], f"at {width}px"
        links = page.locator("nav.periods a").all()
        assert [a.inner_text() for a in links] == ["近 7 天", "近 30 天", "本月", "上月", "全部时间"]
        boxes = [a.bounding_box() for a in links]
        for a, b in itertools.pairwise(boxes):
            assert b["y"] > a["y"] + 1 or b["x"] >= a["x"] + a["width"] + 8, f"at {width}px: {a} {b}"


@pytest.mark.django_db(transaction=True)
def test_the_support_count_reads_whole_beside_取消我也遇到_on_a_phone(
    browser,  # noqa: F811
    live_server,
    personas,
    directory,
):
    """A message the citizen said 我也遇到 on: 「您已点“我也遇到” [取消我也遇到] 1 人」 over 「也遇到这个问题」 at 320px, the
    count parted from what it counts. The count's words go to the next line whole."""
    message = submit(personas["other_citizen"], directory)
    replied(personas, directory, message)
    actions.do_support(personas["citizen"], message)
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.goto(f"{live_server.url}/m/{message.public_id}/").status == 200
        count = page.locator("form.support .muted")
        assert count.inner_text() == "1 人也遇到这个问题"
        assert (
            count.evaluate("e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size") == 1
        ), width


# a phone held sideways as the staff's QA walk met it (2026-12-07): an iPhone's 844×390
STAFF_SIDEWAYS = {**PHONE, "viewport": {"width": 844, "height": 390}}


@pytest.mark.django_db(transaction=True)
def test_the_staff_pages_keep_a_phones_targets_held_sideways(browser, live_server, personas, directory):  # noqa: F811
    """The officer's, the dispatcher's and the supervisor's pages on a phone held sideways (844×390, touch): past
    640px they took the desk's sizes only, by width, though tapped with a finger. A touch screen keeps a phone's
    targets as upright (tests/test_touch_targets.py): none under 24×24px, every button 44px high, every link of
    the menus (the site's header, the workbench's menu, the tabs) 40px high; the desk's layout stays (the lists
    are tables, not a phone's cards). At 1280px without touch the desk's sizes are kept."""
    p, d = personas, directory
    waiting, signed = two_cases(p, d)
    actions.do_dispatch(p["dispatcher"], signed, d["housing"])
    actions.do_sign(p["officer"], signed, d["housing"])  # its page has the reply form
    actions.do_request_extension(p["officer"], signed, d["housing"], 5, "需要现场勘察, 协调物业和街道")
    officer = signed_in_page(browser, live_server, p["officer"].username, **STAFF_SIDEWAYS)
    dispatcher = signed_in_page(browser, live_server, p["dispatcher"].username, **STAFF_SIDEWAYS)
    supervisor = signed_in_page(browser, live_server, p["supervisor"].username, **STAFF_SIDEWAYS)
    low, seen = [], 0
    for page, url in (
        (officer, "/staff/"),
        (officer, "/staff/?tab=overdue"),
        (officer, f"/staff/case/{signed.public_id}/"),
        (officer, "/stats/"),
        (officer, "/hotspots/"),
        (dispatcher, "/staff/triage/"),
        (dispatcher, f"/staff/case/{waiting.public_id}/"),
        (supervisor, "/staff/supervision/"),
        (supervisor, "/stats/overdue/"),
        (supervisor, "/chronic/"),
    ):
        assert page.goto(live_server.url + url).status == 200, url
        for t in page.evaluate(TARGETS_JS):
            seen += 1
            least = ACTION if t["control"] else LINK if t["link"] else TARGET
            if t["h"] < least or t["w"] < TARGET:
                low.append(f"{url}: 「{t['text']}」 {t['w']}×{t['h']}, {least}px high wanted ({t['where']})")
    assert seen > 150, seen
    assert not low, "under a phone's sizes at 844×390:\n" + "\n".join(low)
    officer.goto(f"{live_server.url}/staff/")
    assert officer.locator("table.cases thead").first.is_visible()  # the desk's table, not a phone's cards
    desk = signed_in_page(browser, live_server, p["officer"].username, viewport={"width": 1280, "height": 900})
    desk.goto(f"{live_server.url}/staff/")
    menu = sizes(desk, "nav.workbench a") + sizes(desk, "table.cases td[data-label='留言'] > a")
    assert menu and all(t["h"] < 30 for t in menu), menu  # the desk's lines, not 40px rows

"""A supervisor's and an officer's pages on a phone (390×844 and 360×740) in the system Chromium,
from the walk of 2026-12-06: the statistics' message lists read without a sideways swipe, the
queues' search box shows its whole hint, and the workbench's controls are big enough to tap."""

from __future__ import annotations

import pytest

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)
from .test_mobile_layout import CUT_JS, PHONE, overflow

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 740}}
PHONES = pytest.mark.parametrize("phone", [PHONE, SMALL_PHONE], ids=["390", "360"])

# The first row's cells, each with its words and where it stands, and whether any box around the
# table scrolls sideways (the table's card did: 区划, 状态 and the times lay past its right edge).
ROW_JS = r"""() => {
  const row = document.querySelector("table.message-list tbody tr");
  const cells = [...row.cells].map(c => { const r = c.getBoundingClientRect();
    return {text: c.innerText.trim(), left: r.left, right: r.right, width: r.width, shown: c.checkVisibility()}; });
  const scrolls = [...document.querySelectorAll("main *")].filter(e => e.scrollWidth > e.clientWidth + 1
    && ["auto", "scroll"].includes(getComputedStyle(e).overflowX)).map(e => e.className);
  return {cells, scrolls, width: window.innerWidth};
}"""


@pytest.mark.django_db(transaction=True)
@PHONES
def test_the_statistics_message_list_reads_on_a_phone_without_a_sideways_swipe(browser, live_server,  # noqa: F811
                                                                               cases, phone):
    """/stats/list/ at 390px showed 编号 and the title; 区划, 领域, 状态 and the dates lay to the right
    in the table's own scrolling box, to be swiped to a row at a time. Now each message is a card: its
    title, then its 编号, 区划, 领域, 状态 and dates, each named."""
    page = signed_in_page(browser, live_server, "supervisor", **phone)
    assert page.goto(f"{live_server.url}/stats/list/?measure=received&region=620100").status == 200
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    seen = page.evaluate(ROW_JS)
    assert seen["scrolls"] == [], f"{seen['scrolls']} scroll sideways"
    for cell in seen["cells"]:
        if cell["text"]:
            assert cell["shown"] and cell["left"] >= 0 and cell["right"] <= seen["width"], cell
    status = page.locator("table.message-list tbody tr").first.locator("td").nth(4)
    assert status.is_visible() and status.inner_text().strip()
    assert status.evaluate("e => getComputedStyle(e, '::before').content") == '"状态: "'  # named, as in the heading
    title = page.locator("table.message-list tbody tr").first.locator("td a").first
    assert title.bounding_box()["y"] < status.bounding_box()["y"], "the title heads its card"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_statistics_message_list_is_still_a_table_on_a_desk(browser, live_server, cases):  # noqa: F811
    page = signed_in_page(browser, live_server, "supervisor", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/stats/list/?measure=received&region=620100")
    assert page.locator("table.message-list thead").is_visible()
    heads = page.locator("table.message-list thead th").all_inner_texts()
    assert heads[:6] == ["编号", "标题", "区划", "领域", "状态", "提交时间"]
    cells = page.locator("table.message-list tbody tr").first.locator("td")
    tops = {round(cells.nth(n).bounding_box()["y"]) for n in range(cells.count())}
    assert len(tops) == 1, "a row's cells stand side by side"
    assert cells.nth(4).evaluate("e => getComputedStyle(e, '::before').content") == "none"  # the heading names it
    page.context.close()


@pytest.mark.django_db(transaction=True)
@PHONES
@pytest.mark.parametrize("who, url", [("officer", "/staff/"), ("dispatcher", "/staff/triage/")])
def test_the_queue_search_box_shows_its_whole_hint_on_a_phone(browser, live_server, personas, phone,  # noqa: F811
                                                              who, url):
    """在待办中查找 at 390px: the box's 「留言编号、留言人手机号或标题、内容中的词」 was cut to
    「留言编号、留言人手机号或标题、内」 (349px of words in a 266px box); the queue's alike."""
    page = signed_in_page(browser, live_server, who, **phone)
    assert page.goto(live_server.url + url).status == 200
    assert page.evaluate(CUT_JS) == []
    # what the box finds is still said, under it, and read with it
    hint = page.locator("#queue-q-hint")
    assert hint.is_visible() and "联系电话" in hint.inner_text() and "内容" in hint.inner_text()
    assert page.get_attribute("#queue-q", "aria-describedby") == "queue-q-hint"
    assert overflow(page) <= 0
    page.context.close()


# The words of the page under 14px (test_mobile_layout's SMALL_TEXT_JS), and the labels a phone's card
# writes before its cells (「区划: 」, 「排序:」), which are no text nodes.
SMALL_LABELS_JS = r"""() => {
  const small = new Set();
  for (const e of document.querySelectorAll("main *")) {
    const before = getComputedStyle(e, "::before");
    if (!before.content.startsWith('"') || !/[\p{L}\p{N}]/u.test(before.content) || !e.checkVisibility()) continue;
    if (parseFloat(before.fontSize) < 14) small.add(`${e.tagName.toLowerCase()}::before ${before.fontSize} ${before.content}`);
  }
  return [...small];
}"""


@pytest.mark.django_db(transaction=True)
def test_the_workbench_has_no_words_under_14px_on_a_phone(browser, live_server, cases):  # noqa: F811
    """The public pages keep their words at 14px or more on a phone (minsheng.css); the workbench's own
    staff.css set them back to 13.6px: each card's 编号 and dates, 「已超期 33 个工作日」, the labels
    「区划: 」 and 「排序:」, an answer's quality notes, 督办's 超期天数 note."""
    from .test_mobile_layout import SMALL_TEXT_JS

    small = []
    for who, urls in (("officer", ["/staff/", "/staff/?tab=overdue", f"/staff/case/{cases['reopened'].public_id}/"]),
                      ("dispatcher", ["/staff/triage/"]),
                      ("supervisor", ["/staff/supervision/", "/stats/overdue/"])):
        page = signed_in_page(browser, live_server, who, **PHONE)
        for url in urls:
            assert page.goto(live_server.url + url).status == 200, url
            small += [f"{who} {url}: {s}" for s in page.evaluate(SMALL_TEXT_JS) + page.evaluate(SMALL_LABELS_JS)]
        page.context.close()
    assert not small, "words under 14px at 390px:\n" + "\n".join(small)


@pytest.mark.django_db(transaction=True)
def test_the_leaders_dashboard_keeps_two_figures_a_row_and_whole_place_names_on_a_small_phone(
        browser, live_server, personas, directory):  # noqa: F811
    """领导驾驶舱 at 360px: its 13 headline figures stood one a row (two 10.5rem columns need 345px, the page
    has 344), a screen and a half of scrolling before 哪里在拖延; there 「兰州市本级」 broke as 「兰州市本」
    over 「级」, its column squeezed under five characters by the figures beside it."""
    from datetime import timedelta

    from django.utils import timezone

    from minsheng.board import actions

    p, d = personas, directory
    month_ago = timezone.now() - timedelta(days=30)
    late = actions.do_submit(p["citizen"], title="兰州市区退休人员养老金迟迟未发放",
                             body="我父亲今年退休, 养老金申请提交三个月了还没有发放, 请帮忙核实办理进度。",
                             kind="help", region=d["lanzhou"], topic=d["topic_build"], at=month_ago)
    actions.do_dispatch(p["dispatcher"], late, d["housing"], at=month_ago)
    page = signed_in_page(browser, live_server, "supervisor", **SMALL_PHONE)
    assert page.goto(live_server.url + "/stats/dashboard/").status == 200
    first, second = (page.locator(".figures > .figure").nth(n).bounding_box() for n in (0, 1))
    assert abs(first["y"] - second["y"]) < 2, "the first two figures share a row"
    own = page.locator("table.stats-table td", has_text="兰州市本级").first
    rows = own.evaluate("""e => { const range = document.createRange(); range.selectNodeContents(e);
        return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size; }""")
    assert rows == 1, "「兰州市本级」 on one line"
    assert overflow(page) <= 0
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_late_case_card_on_the_supervision_page_says_督办_once(browser, live_server, cases):  # noqa: F811
    """督办's overdue cards on a phone ended in a line 「督办:」 with nothing after it, then 「▶ 督办」 beneath:
    the cell's label over its own disclosure, a wasted line a card."""
    page = signed_in_page(browser, live_server, "supervisor", **PHONE)
    assert page.goto(live_server.url + "/staff/supervision/").status == 200
    cell = page.locator("#overdue table.cases tbody tr").first.locator("td[data-label=督办]")
    assert cell.locator("summary").inner_text().strip() == "督办"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == "none"
    page.context.close()

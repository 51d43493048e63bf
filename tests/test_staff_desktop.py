"""The staff workbench's lists at a desktop width (1366×900) in the system Chromium: a short
name (a region, a 承办人) stays on one line rather than breaking between its characters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user
from .test_api_understanding import answered  # noqa: F401 (a fixture)
from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
LINES = """label => [...document.querySelectorAll(`td[data-label="${label}"]`)].map(td => {
  const range = document.createRange(); range.selectNodeContents(td);
  return [td.innerText.trim(), new Set([...range.getClientRects()].map(r => Math.round(r.top))).size]; })"""


@pytest.mark.django_db(transaction=True)
def test_the_queues_region_is_not_broken_across_lines(browser, live_server, personas, directory):  # noqa: F811
    """The dispatcher's queue showed 「兰州」 over 「市」 in its 区划 column at 1366 px, where the other
    columns had room."""
    p, d = personas, directory
    # a case in hand the three repeat: their rows carry the badge 疑似重复, as in the demo's queue
    in_hand = actions.do_submit(p["citizen"], title="建议加快城关区幸福家园老旧楼加装电梯审批进度",
                                body="我们小区六层老楼没有电梯, 老人上下楼非常困难, 希望尽快审批加装电梯。" * 2,
                                kind="suggest", region=d["lanzhou"], topic=d["topic_build"])
    actions.do_dispatch(p["dispatcher"], in_hand, d["housing"])
    for i in range(3):
        actions.do_submit(p["citizen"], title=f"建议加快城关区幸福家园老旧楼加装电梯审批进度第{i}号楼",
                          body="我们小区六层老楼没有电梯, 老人上下楼非常困难, 希望尽快审批加装电梯。" * 2,
                          kind="suggest", region=d["lanzhou"], topic=d["topic_build"])
    page = signed_in_page(browser, live_server, "dispatcher", **DESKTOP)
    assert page.goto(live_server.url + "/staff/triage/").status == 200
    cells = page.evaluate(LINES, "区划")
    assert cells and all(lines == 1 for _, lines in cells), cells


@pytest.mark.django_db(transaction=True)
def test_the_officers_list_keeps_a_handlers_name_on_one_line(browser, live_server, personas, directory):  # noqa: F811
    """The officer's list (本单位待办) showed 「住建局张」 over 「科长」 in its 承办人 column at 1366 px,
    beside a status of 「已签收 已超期 督办」."""
    p, d = personas, directory
    head = make_user("head", role="head", unit=d["housing"], display_name="住建局王局长")
    long_ago = timezone.now() - dt.timedelta(days=60)
    for i in range(3):
        message = actions.do_submit(p["citizen"], title=f"建议加快城关区幸福家园老旧楼加装电梯审批进度第{i}号楼",
                                    body="我们小区六层老楼没有电梯, 老人上下楼非常困难, 希望尽快审批加装电梯。" * 2,
                                    kind="suggest", region=d["chengguan"], topic=d["topic_build"], at=long_ago)
        actions.do_dispatch(p["dispatcher"], message, d["housing"], at=long_ago)
        actions.do_sign(p["officer"], message, d["housing"], at=long_ago)
        actions.do_assign_handler(head, message, d["housing"], p["officer"])
        actions.do_supervise(p["supervisor"], message, "请加快办理")
    page = signed_in_page(browser, live_server, "officer", **DESKTOP)
    assert page.goto(live_server.url + "/staff/").status == 200
    cells = page.evaluate(LINES, "承办人")
    assert len(cells) == 3 and all(lines == 1 for _, lines in cells), cells


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1366])
def test_the_dashboards_late_units_show_whole_on_a_desk(browser, live_server, personas, directory, width):  # noqa: F811
    """QA walk 2026-12-06: the 领导驾驶舱's card 谁在拖延 sat in half the page at 1366 px and cut its
    last column, 及时签收率 (近 90 天), to 「及时」 and 「84.6」: the supervisor scrolled the card sideways
    to read which unit signs late. Each of its columns is in view without scrolling."""
    from .test_stats_cases import build_cases

    build_cases(directory, personas)
    page = signed_in_page(browser, live_server, personas["supervisor"].username,
                          viewport={"width": width, "height": 900})
    assert page.goto(live_server.url + "/stats/dashboard/").status == 200
    card = page.locator("section", has=page.locator("h2", has_text="谁在拖延"))
    assert "兰州市住房和城乡建设局" in card.inner_text()
    wrap = card.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    page.context.close()


def _missed_lately(p, d) -> None:
    """A case 住建局 has held past its reply deadline within the dashboard's 30 days: a miss, so 按时率 reads with its
    counts and its 误期 (since 2026-12-07), the widest its cell gets."""
    at = timezone.now() - dt.timedelta(days=25)
    late = actions.do_submit(p["citizen"], title="小区门口道路坑洼积水严重", body="小区门口的道路坑洼不平, 下雨后积水很深, 出行很不方便。",
                             kind="help", region=d["chengguan"], topic=d["topic_build"], at=at)
    actions.do_dispatch(p["dispatcher"], late, d["housing"], at=at)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1366])
def test_the_unit_league_shows_every_column_on_a_desk(browser, live_server, personas, directory, width):  # noqa: F811
    """QA walk 2026-12-06: 办理单位排行 at 1366 px was 1374 px of table in a 1068 px page; 重办率, 超期从未答复,
    待答复 and 超期未答复 (who is late) were off to the right. Every column is in view without scrolling."""
    from .test_stats_cases import build_cases

    build_cases(directory, personas)
    _missed_lately(personas, directory)
    page = signed_in_page(browser, live_server, personas["supervisor"].username,
                          viewport={"width": width, "height": 900})
    assert page.goto(live_server.url + "/stats/units/").status == 200
    wrap = page.locator(".table-wrap")
    assert "兰州市住房和城乡建设局" in wrap.inner_text() and " 件)" in wrap.inner_text()  # 按时率 with its counts
    for heading in ("重办率", "超期从未答复", "待答复", "超期未答复"):
        assert page.locator("th", has_text=heading).count() >= 1, heading
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 1366])
def test_the_dashboards_regions_show_whole_on_a_desk(browser, live_server, personas, directory, width):  # noqa: F811
    """QA walk 2026-12-06: the province supervisor's 领导驾驶舱 put 各地区 (近 30 天) in half the page at 1366 px,
    814 px of table in a 492 px card: 重办率 and 超期从未答复 were scrolled out of sight."""
    from .test_stats_cases import build_cases

    build_cases(directory, personas)
    _missed_lately(personas, directory)
    province = make_user("gs_sup", role="supervisor", region=directory["province"], display_name="省督办员")
    page = signed_in_page(browser, live_server, province.username, viewport={"width": width, "height": 900})
    assert page.goto(live_server.url + "/stats/dashboard/").status == 200
    card = page.locator("section", has=page.locator("h2", has_text="各地区 (近"))
    assert "兰州" in card.inner_text() and "误期 1 件" in card.inner_text()  # 按时率 with its counts and misses
    wrap = card.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_similar_answer_is_quoted_into_the_reply_box(browser, live_server, personas, directory, answered):  # noqa: F811
    """QA walk 2026-12-06: the case page's 「相似的已答复留言」 showed another answer to the same trouble and
    nothing to take it with: the officer selected it by hand and pasted it. 「引用此答复」, reached by the
    keyboard, puts the answer into the reply box."""
    old, new = answered
    actions.do_sign(personas["officer"], new, directory["housing"])
    page = signed_in_page(browser, live_server, "officer", **DESKTOP)
    assert page.goto(f"{live_server.url}/staff/case/{new.public_id}/").status == 200
    similar = page.locator(".similar details", has_text=old.public_title)
    similar.locator("summary").click()
    quote = similar.get_by_role("button", name="引用此答复")
    quote.focus()
    page.keyboard.press("Enter")
    box = page.locator("#reply-form textarea[name=body]")
    assert box.input_value() == "经查, 该电梯控制板老化, 已责令物业公司本周内更换并加强维保。"
    assert box.evaluate("b => b === document.activeElement")
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_bulk_buttons_stand_apart_from_the_list_on_a_desk(browser, live_server, personas, directory):  # noqa: F811
    """按建议派单所选 (派单队列) and 签收所选 (本单位待办) sat on the list's heading row at 1280px, the button's
    lower edge on the table's upper one (2026-12-06, workbench walk): they now stand apart from it."""
    from .test_mobile_layout import two_cases

    p, d = personas, directory
    cases = two_cases(p, d)
    for username, url, name in (("dispatcher", "/staff/triage/", "按建议派单所选"), ("officer", "/staff/", "签收所选")):
        if username == "officer":
            for case in cases:
                actions.do_dispatch(p["dispatcher"], case, d["housing"])
        page = signed_in_page(browser, live_server, username, viewport={"width": 1280, "height": 900})
        assert page.goto(live_server.url + url).status == 200
        button = page.get_by_role("button", name=name).bounding_box()
        table = page.locator("table.cases").bounding_box()
        assert table["y"] - (button["y"] + button["height"]) >= 8, f"{name}: {button} on the list {table}"
        page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_inbox_export_line_puts_no_dot_after_its_colon(browser, live_server, personas, directory):  # noqa: F811
    """本单位待办's 「导出本标签的全部 2 件: · 导出 CSV · 导出 Excel」: a 「·」 stood after the colon, as if the
    sentence were one more item of the list (2026-12-06, workbench walk). The colon leads to the links; the
    「·」 parts them."""
    from .test_mobile_layout import two_cases

    two_cases(personas, directory, lead=directory["housing"])
    page = signed_in_page(browser, live_server, "officer", viewport={"width": 1280, "height": 900})
    assert page.goto(live_server.url + "/staff/").status == 200
    line = page.locator("p.export")
    assert line.inner_text().startswith("导出本标签的全部 2 件:")
    drawn = [line.get_by_role("link", name=name).evaluate("a => getComputedStyle(a, '::before').content")
             for name in ("导出 CSV", "导出 Excel")]
    assert drawn == ["none", '"·"'], drawn
    page.context.close()


# Each line of a case title's link in the 留言 column, as (its left edge, the left edge of the box that picks it).
TITLE_LINES_JS = r"""title => {
  const link = [...document.querySelectorAll('table.cases td[data-label="留言"] > a')].find(a => a.textContent.trim() === title);
  const range = document.createRange(); range.selectNodeContents(link);
  const lines = new Map();
  for (const r of range.getClientRects()) if (r.width > 0 && !lines.has(Math.round(r.top))) lines.set(Math.round(r.top), r.left);
  const pick = link.parentElement.querySelector("label.pick").getBoundingClientRect();
  const box = link.parentElement.querySelector("input[type=checkbox]").getBoundingClientRect();
  const first = range.getClientRects()[0];
  return {lefts: [...lines.values()], pick: pick.right, off: box.top + box.height / 2 - (first.top + first.height / 2)};
}"""
LONG_TITLE = "七里河区西津西路多个老旧小区雨污管网混接, 雨天污水倒灌进地下室, 多年反映没有解决"  # 43 of the 50 characters a title holds


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 360])
def test_a_two_line_title_stays_in_its_column_beside_its_box(browser, live_server, personas, directory, width):  # noqa: F811
    """本单位待办 and 派单队列 at 1280px: a title of two lines ran its second line under the box that picks it,
    back to the cell's edge (2026-12-06), the box an indent of the first line alone. Each line now starts at
    the same left edge, right of the box; a phone (fixed before) keeps it so. The box stands on the first
    line: on a phone it stood 8px under it, between the two lines (2026-12-06, officer's walk)."""
    p, d = personas, directory
    for username, url in (("dispatcher", "/staff/triage/"), ("officer", "/staff/")):
        message = actions.do_submit(p["citizen"], title=LONG_TITLE + username[0], body="雨污管网混接, 雨天污水倒灌。" * 4,
                                    kind="complain", region=d["qilihe"], topic=d["topic_build"])
        if username == "officer":
            actions.do_dispatch(p["dispatcher"], message, d["housing"])
        page = signed_in_page(browser, live_server, username, viewport={"width": width, "height": 900})
        assert page.goto(live_server.url + url).status == 200
        title = page.evaluate(TITLE_LINES_JS, message.title)
        assert len(title["lefts"]) >= 2, f"{url}: the title is on one line at {width}px: {title}"
        first, *others = title["lefts"]
        assert first >= title["pick"], f"{url}: the title starts left of its box: {title}"
        assert all(abs(left - first) < 1 for left in others), f"{url}: a line of the title runs under its box: {title}"
        # the box on the title's first line, not between the first and the second (8px low on a phone)
        assert abs(title["off"]) <= 2, f"{url}: the box stands {title['off']:.1f}px off the first line: {title}"
        page.context.close()


# The font size of each piece of words the reply form's quality preview shows, and of the form's own words.
PREVIEW_SIZES_JS = r"""() => {
  const size = e => getComputedStyle(e).fontSize;
  const quality = document.querySelector("#reply-preview .quality");
  const parts = [...quality.querySelectorAll("li, p:not(.staff-error)")].map(e => [e.textContent.trim().slice(0, 12), size(e)]);
  return {form: size(document.querySelector("#reply-form label")), body: size(document.querySelector("#reply-preview .reply-body")), parts};
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 390])
def test_the_reply_previews_quality_lists_read_at_one_size(browser, live_server, personas, directory, width):  # noqa: F811
    """预览 of a weak reply listed what each part found (相关性 0%: …) and 未回应的问题 at 13.6px, the reasons between
    them (答复与留言内容关联不大 …) at 16px: two sizes in one box, the small one under the form's own 16px
    (2026-12-06, workbench walk). Each reads at the form's size."""
    p, d = personas, directory
    case = actions.do_submit(p["citizen"], title="咨询公租房申请条件和办理地点",
                             body="我想申请公租房。请告知公租房的申请条件? 请告知公租房的办理地点?",
                             kind="consult", region=d["qilihe"], topic=d["topic_build"])
    actions.do_dispatch(p["dispatcher"], case, d["housing"])
    actions.do_sign(p["officer"], case, d["housing"])
    page = signed_in_page(browser, live_server, "officer", viewport={"width": width, "height": 900})
    assert page.goto(f"{live_server.url}/staff/case/{case.public_id}/").status == 200
    page.fill("#reply-form textarea[name=body]", "您好, 已收到您的留言, 我们会尽快处理。")
    page.click("#reply-form button:has-text('预览')")
    page.wait_for_selector("#reply-preview >> text=未回应的问题")
    sizes = page.evaluate(PREVIEW_SIZES_JS)
    assert len(sizes["parts"]) >= 5, sizes  # the parts, the reasons, 未回应的问题 and its two questions
    assert {s for _, s in sizes["parts"]} == {sizes["form"]} == {sizes["body"]}, sizes
    assert "{#" not in page.locator("#reply-preview").inner_text()
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 360])
def test_a_pending_extensions_card_heads_like_the_other_actions(browser, live_server, personas, directory, width):  # noqa: F811
    """Once 提交延期申请 is sent, the case page's 申请延期 card (「已申请延期 5 个工作日 …」) had its heading at a
    page section's size (22px at 1280px), beside 内部备注, 转办 and 退单 at 17.6px, with a margin above it the
    others have not (2026-12-06, workbench walk). It heads like them."""
    from .test_mobile_layout import two_cases

    p, d = personas, directory
    case = two_cases(p, d, lead=d["housing"])[0]
    actions.do_sign(p["officer"], case, d["housing"])
    actions.do_request_extension(p["officer"], case, d["housing"], 5, "需要现场勘察, 协调物业和街道")
    page = signed_in_page(browser, live_server, "officer", viewport={"width": width, "height": 900})
    assert page.goto(f"{live_server.url}/staff/case/{case.public_id}/").status == 200
    heads = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll("#actions .action h2")].map(h => {
      const css = getComputedStyle(h), card = h.parentElement.getBoundingClientRect();
      return [h.textContent.trim(), [css.fontSize, Math.round(h.getBoundingClientRect().top - card.top)]]; }))""")
    assert "已申请延期 5 个工作日" in page.locator(".extension-pending").inner_text()
    assert heads["申请延期"] == heads["内部备注"], heads
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/stats/overdue/", "/stats/", "/stats/units/", "/hotspots/"])
def test_back_after_a_filter_shows_the_filter_of_the_list_shown(browser, live_server, personas, directory, path):  # noqa: F811
    """A supervisor's walk, 2026-12-07: on 超期清单 they chose 区划 七里河区, pressed 查看, then the back button: the
    list of the whole city came back with 七里河区 still chosen in its box (the browser put back what had been
    chosen), read as 七里河区's. After going back, each box says what the list shown is filtered by."""
    from .test_stats_cases import build_cases

    build_cases(directory, personas)
    page = signed_in_page(browser, live_server, personas["supervisor"].username, **DESKTOP)
    assert page.goto(live_server.url + path).status == 200
    select = "form:has(select[name=region]) select[name=region]"
    shown = page.locator(select).first.input_value()  # the list's own region (a supervisor's by default)
    other = page.locator(select).first.evaluate(
        "(s, shown) => [...s.options].map(o => o.value).find(v => v && v !== shown)", shown)
    page.locator(select).first.select_option(other)
    with page.expect_navigation():
        page.locator("form:has(select[name=region]) button[type=submit]").first.click()
    assert f"region={other}" in page.url
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert f"region={other}" not in page.url
    assert page.locator(select).first.input_value() == shown
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/browse/", "/stats/overdue/"])
def test_a_filter_page_back_from_the_cache_shows_the_filter_of_the_list_shown(browser, live_server, personas,  # noqa: F811
                                                                              directory, path):
    """The same walk in a browser that keeps the page whole (the back/forward cache, which autocomplete=off does
    not stop; this Chromium runs without it): the page shown again from the cache (a ``pageshow`` that is
    ``persisted``) puts each filter box back to what the list shown is filtered by (forms.js, 2026-12-07)."""
    page = signed_in_page(browser, live_server, personas["supervisor"].username, **DESKTOP)
    assert page.goto(live_server.url + path).status == 200
    select = page.locator("form:has(select[name=region]) select[name=region]").first
    shown = select.input_value()
    other = select.evaluate("(s, shown) => [...s.options].map(o => o.value).find(v => v && v !== shown)", shown)
    select.select_option(other)  # chosen, and left by the link or the button: the page kept as it was
    assert select.input_value() == other
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert select.input_value() == shown
    page.context.close()

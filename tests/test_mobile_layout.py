"""The citizen and public pages on a phone (390×844, the size of a common handset) in the
system Chromium: nothing wider than the screen, the header's links and the form's
choices big enough to tap, photos shown as photos, the hot-spot list readable, and a
leader's "给…留言" link arriving at the form with that leader chosen."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from minsheng.board import actions
from minsheng.board.models import Assignment, Message
from minsheng.board.photos import clean_photo
from minsheng.directory.models import Addressee, Region
from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot

from .conftest import make_user
from .test_browser import CHROMIUM, browser, sign_in  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
TAP = 40  # px: the smallest comfortable touch target
LIFT = [
    ("幸福家园小区3号楼电梯经常故障停运", "幸福家园小区3号楼电梯这个月已经坏了三次, 老人上下楼非常困难, 请尽快维修电梯。"),
    ("幸福家园小区电梯又停运了", "幸福家园小区3号楼的电梯又坏了, 物业一直不修, 住在高层的老人出不了门。"),
    ("反映幸福家园小区电梯故障问题", "我们幸福家园小区3号楼电梯频繁故障停运, 存在安全隐患, 希望督促物业维修更换电梯。"),
]
REPLY = "经核查, 已责成物业公司于本周内完成电梯维修, 并加强日常维护, 感谢您的监督。"


def phone_page(browser):  # noqa: F811
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    return context.new_page()


def photo(name, size):
    out = io.BytesIO()
    Image.new("RGB", size, (120, 160, 200)).save(out, "JPEG")
    return clean_photo(SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg"))


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def two_cases(personas, directory, lead=None) -> list[Message]:
    """小李's two cases of 七里河区 (a road, a wall) for the staff lists on a phone: waiting for 派单, or
    dispatched to ``lead``."""
    cases = [actions.do_submit(personas["citizen"], title=title, body=body, kind="help",
                               region=directory["qilihe"], topic=directory["topic_build"])
             for title, body in (("七里河区小区门口道路坑洼积水", "七里河区某小区门口的道路坑坑洼洼, 下雨天积水严重, 行人难以通行。"),
                                 ("七里河区老旧小区外墙脱落", "七里河区一个老旧小区的外墙瓷砖大块脱落, 楼下行人很危险。"))]
    if lead is not None:
        for m in cases:
            actions.do_dispatch(personas["dispatcher"], m, lead)
    return [Message.objects.get(pk=m.pk) for m in cases]


# The fields of the page whose words do not fit their box: a text box whose value (or, empty, its
# placeholder) is wider than the box, a select whose chosen option is wider than the room its arrow leaves.
CUT_JS = r"""() => {
  const shown = e => e.getBoundingClientRect().width > 0 && e.checkVisibility();
  const cut = [];
  for (const e of document.querySelectorAll("main input:is([type=text], [type=search], [type=email], [type=password])")) {
    const text = e.value || e.placeholder;
    if (!text || !shown(e)) continue;
    const value = e.value;
    e.value = text;
    if (e.scrollWidth > e.clientWidth) cut.push(`${e.name}: 「${text}」 ${e.scrollWidth} > ${e.clientWidth}px`);
    e.value = value;
  }
  const span = document.body.appendChild(document.createElement("span"));
  span.style.cssText = "position: absolute; visibility: hidden; white-space: pre";
  for (const e of document.querySelectorAll("main select")) {
    if (!shown(e) || e.selectedIndex < 0) continue;
    const css = getComputedStyle(e);
    span.style.font = css.font;
    span.textContent = e.options[e.selectedIndex].text;
    const room = e.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight) - 20;  // 20: the arrow
    const width = span.getBoundingClientRect().width;
    if (width > room) cut.push(`${e.name}: 「${span.textContent.trim()}」 ${Math.round(width)} > ${Math.round(room)}px`);
  }
  span.remove();
  return cut;
}"""

# The words on the page (text with a letter or a digit) set smaller than 14px, with where they stand.
SMALL_TEXT_JS = r"""() => {
  const small = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t; (t = walker.nextNode());) {
    const e = t.parentElement;
    if (!/[\p{L}\p{N}]/u.test(t.data) || !e.checkVisibility() || !e.getClientRects().length) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 14) small.add(`${e.tagName.toLowerCase()}.${[...e.classList].join(".")} ${size}px 「${t.data.trim().slice(0, 12)}」`);
  }
  return [...small];
}"""


@pytest.fixture
def answered_with_photos(personas, directory):
    """A public message with a landscape and a portrait photo, dispatched, signed and answered."""
    p, d = personas, directory
    message = actions.do_submit(p["citizen"], title="城关区幸福家园小区电梯坏了三个月没人修", body=LIFT[0][1] * 3,
                                kind="complain", region=d["chengguan"], topic=d["topic_build"],
                                photos=[photo("wide.jpg", (1200, 900)), photo("tall.jpg", (900, 1200))])
    actions.do_dispatch(p["dispatcher"], message, d["housing"])
    actions.do_sign(p["officer"], message, d["housing"])
    actions.do_reply(p["officer"], message, d["housing"], REPLY)
    return message


@pytest.fixture
def lift_hotspot(directory, personas):
    hotspots_service.reset_index()
    for i, (title, body) in enumerate(LIFT):
        author = make_user(f"1390000{i:04d}", phone=f"1390000{i:04d}")
        message = actions.do_submit(author, title=title, body=body, kind="complain", region=directory["chengguan"])
        actions.do_accept(personas["dispatcher"], message)
        hotspot = hotspots_service.place_message(message)
    yield hotspot
    hotspots_service.reset_index()


@pytest.mark.django_db(transaction=True)
def test_public_pages_fit_a_phone_and_their_links_can_be_tapped(browser, live_server, answered_with_photos,  # noqa: F811
                                                                lift_hotspot, directory):
    page = phone_page(browser)
    pages = ["/", "/browse/?q=电梯", f"/m/{answered_with_photos.public_id}/", "/leaders/",
             f"/region/{directory['lanzhou'].code}/", "/accounts/login/", "/accounts/register/",
             "/stats/", "/hotspots/", f"/hotspots/{lift_hotspot.pk}/"]
    for url in pages:
        assert page.goto(live_server.url + url).status == 200, url
        assert overflow(page) <= 0, f"{url} scrolls sideways by {overflow(page)}px at 390px"
        small = page.evaluate("""(tap) => [...document.querySelectorAll('header.site a, header.site button')]
            .map(a => [a.innerText.trim(), a.getBoundingClientRect().height]).filter(([, h]) => h < tap)""", TAP)
        assert not small, f"{url}: header links shorter than {TAP}px: {small}"

    # the home page's search button reads 搜索 on one line, not 搜/索 stacked
    page.goto(live_server.url + "/")
    search = page.locator("form.searchbar button").bounding_box()
    assert search["height"] <= 48 and search["width"] >= 56

    # photos keep their shape: two side by side, each about half the card wide
    page.goto(f"{live_server.url}/m/{answered_with_photos.public_id}/")
    boxes = [img.bounding_box() for img in page.locator(".photos img").all()]
    assert len(boxes) == 2
    for box in boxes:
        assert box["width"] >= 140 and box["width"] >= box["height"], boxes
    assert abs(boxes[0]["y"] - boxes[1]["y"]) < 1 and boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]

    # the hot-spot list: each problem's title gets the width of the screen, not a narrow column
    page.goto(live_server.url + "/hotspots/")
    title = page.locator("table.hotspots tbody tr").first.locator("td:has(a)").bounding_box()
    assert title["width"] >= 300, title


@pytest.mark.django_db(transaction=True)
def test_the_links_to_a_leaders_board_are_big_enough_to_tap(browser, live_server, personas, directory):  # noqa: F811
    """A message's 留言对象, a region page's 留言对象: list and 领导留言板's region headings stood
    alone, 24 to 26 px high, on pages where every other link of their kind was 40."""
    p, d = personas, directory
    message = actions.do_submit(p["citizen"], title="兰州市城关区路灯不亮", body=LIFT[0][1], kind="complain",
                                region=d["chengguan"], addressee=d["mayor"])
    actions.do_accept(p["dispatcher"], message)
    page = phone_page(browser)
    for url, selector in ((f"/m/{message.public_id}/", "dl.facts dd > a"), (f"/region/{d['lanzhou'].code}/", "p.dots > a"),
                          ("/leaders/", "section.card > h2 > a")):
        page.goto(live_server.url + url)
        links = page.locator(selector).all()
        assert links, f"{url}: no {selector}"
        for link in links:
            assert link.bounding_box()["height"] >= TAP, f"{url}: {link.inner_text()}"


@pytest.mark.django_db(transaction=True)
def test_the_error_pages_and_the_footer_links_are_big_enough_to_tap(browser, live_server, personas, directory):  # noqa: F811
    """页面不存在's 返回首页, the page for a GET of a button's address (我也遇到's /support/) and the
    footer's 隐私政策 stood alone 24px high, where every other link standing alone is 40 on a phone."""
    message = actions.do_submit(personas["citizen"], title="兰州市城关区路灯不亮", body=LIFT[0][1], kind="complain",
                                region=directory["chengguan"])
    actions.do_accept(personas["dispatcher"], message)
    page = phone_page(browser)
    for url, status in (("/no-such-page/", 404), (f"/m/{message.public_id}/support/", 405), ("/", 200)):
        assert page.goto(live_server.url + url).status == status, url
        links = page.locator("main a:has-text('返回首页'), footer.site a").all()
        assert len(links) == (1 if status == 200 else 2), url
        for link in links:
            assert link.bounding_box()["height"] >= TAP, f"{url}: 「{link.inner_text()}」 {link.bounding_box()['height']}px"
        assert overflow(page) <= 0, url


@pytest.mark.django_db(transaction=True)
def test_a_messages_link_to_its_hotspot_is_big_enough_to_tap(browser, live_server, lift_hotspot):  # noqa: F811
    """A message's 热点问题 (the way from a message to the others about the same problem) stood alone
    on its line, 26px high, beside 留言对象's 40."""
    message = lift_hotspot.members.order_by("pk").first().message
    type(lift_hotspot).objects.filter(pk=lift_hotspot.pk).update(title="幸福家园电梯故障")  # one line, as most are
    page = phone_page(browser)
    assert page.goto(f"{live_server.url}/m/{message.public_id}/").status == 200
    link = page.locator(f"dl.facts a[href='/hotspots/{lift_hotspot.pk}/']")
    assert link.bounding_box()["height"] >= TAP, link.bounding_box()


@pytest.mark.django_db(transaction=True)
def test_the_hotspot_list_keeps_its_headings_on_one_line_on_a_desk(browser, live_server, lift_hotspot):  # noqa: F811
    """A long problem took the table's width on a 1366px screen: 排名, 留言, 人数 and 我也遇到
    stood a character or two a line, the time range on two."""
    Hotspot.objects.filter(pk=lift_hotspot.pk).update(
        title="建议热力公司改造城关区幸福家园小区3号楼和5号楼老化供热管网并尽快更换电梯主板")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/hotspots/")
    lines = page.evaluate("""() => [...document.querySelectorAll('table.hotspots th, table.hotspots td.small')]
        .map(cell => { const r = document.createRange(); r.selectNodeContents(cell);
                       const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                       return [cell.innerText.trim(), tops.size]; })""")
    assert lines and all(n == 1 for _, n in lines), lines
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_chronic_list_keeps_its_headings_and_figures_on_one_line_on_a_desk(browser, live_server,  # noqa: F811
                                                                                lift_hotspot, personas):
    """/chronic/ on a 1366px screen: the problem and the units to bring together took the width, and
    兰州市 stood as 兰州/市, 留言 as 留/言, 未解决 as 未解/决 and 「已 262 天」 on two lines."""
    from .test_browser import signed_in_page

    Hotspot.objects.filter(pk=lift_hotspot.pk).update(
        title="建议热力公司改造城关区幸福家园小区3号楼和5号楼老化供热管网并尽快更换电梯主板",
        chronic=True, needs_coordination=True, unresolved_count=3,
        units=["兰州市住房和城乡建设局", "兰州市城市管理局", "城关区人民政府", "兰州市市场监督管理局"])
    page = signed_in_page(browser, live_server, personas["supervisor"].username,
                          viewport={"width": 1366, "height": 900})
    page.goto(live_server.url + "/chronic/")
    lines = page.evaluate("""() => [...document.querySelectorAll('table.cases th, table.cases td')]
        .filter(cell => !['问题描述', '涉及单位', '标记'].includes(cell.dataset.label || cell.innerText.trim()))
        .map(cell => { const r = document.createRange(); r.selectNodeContents(cell);
                       const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                       return [cell.innerText.trim(), tops.size]; })""")
    assert len(lines) == 4 + 4 and all(n == 1 for _, n in lines), lines
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_posting_on_a_phone_from_a_leaders_board(browser, live_server, personas, directory):  # noqa: F811
    mayor = Addressee.objects.get(title="兰州市市长")
    page = phone_page(browser)
    sign_in(page, live_server, personas["citizen"].phone)

    page.goto(f"{live_server.url}/leaders/{mayor.pk}/")
    page.click(f"text=给{mayor.title}留言")
    page.wait_for_selector("form.post-form")
    assert page.input_value("select[name=addressee]") == str(mayor.pk)  # the leader the citizen chose
    assert overflow(page) <= 0
    fields = page.evaluate("""() => [...document.querySelectorAll('form.post-form :is(input, select, textarea)')]
        .filter(e => e.type !== 'hidden').map(e => e.getBoundingClientRect().right)""")
    assert max(fields) <= 390, fields

    # the type's choices are big enough to tap, and tapping the word chooses it
    for label in page.locator("div#id_kind label").all():
        assert label.bounding_box()["height"] >= TAP, label.inner_text()
    page.locator("div#id_kind label", has_text="求助").tap()
    assert page.is_checked("input[name=kind][value=help]")

    # a refused form marks the fields to correct, not only the summary
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector(".errorsummary")
    colour = page.eval_on_selector("#id_title", "e => getComputedStyle(e).borderTopColor")
    assert colour == "rgb(176, 0, 32)", colour
    # and its summary's links, one under the other, are each a target a thumb hits (they were 24px)
    for link in page.locator(".errorsummary li a").all():
        assert link.bounding_box()["height"] >= TAP, link.inner_text()


@pytest.mark.django_db(transaction=True)
def test_a_web_address_in_a_title_or_address_wraps_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """Only the message body broke long words: a web address in a title, or a long address,
    widened the message page, the lists and 我的留言 by hundreds of pixels at 390px."""
    p, d = personas, directory
    message = actions.do_submit(
        p["citizen"], title="网站打不开https://zwfw.gansu.gov.cn/banshi/abcdefghij",
        body="办事网站打不开, 请尽快修复。", kind="consult", region=d["chengguan"],
        address="城关区东岗西路" + "A" * 60)
    actions.do_accept(p["dispatcher"], message)
    page = phone_page(browser)
    sign_in(page, live_server, p["citizen"].phone)
    for url in (f"/m/{message.public_id}/", "/browse/", "/me/messages/", f"/region/{d['chengguan'].code}/"):
        page.goto(live_server.url + url)
        assert overflow(page) <= 0, f"{url} scrolls sideways by {overflow(page)}px at 390px"


@pytest.mark.django_db(transaction=True)
def test_a_long_account_name_leaves_the_sign_out_button_whole(browser, live_server, directory):  # noqa: F811
    """An account registered by e-mail without a nickname is named by its address in the
    header: it took the row, and 退出 was squeezed into 退 above 出."""
    email = "zhangsan.longname.tester@example-mail-domain.com"
    make_user(email, email=email)
    page = phone_page(browser)
    sign_in(page, live_server, email)
    assert overflow(page) <= 0
    lines = page.evaluate("""() => { const r = document.createRange();
        r.selectNodeContents(document.querySelector('header.site .who button')); return r.getClientRects().length; }""")
    assert lines == 1, "退出 is broken over several lines"
    brand, who = (page.locator(f"header.site {s}").bounding_box() for s in (".brand", ".who"))
    assert abs(brand["y"] + brand["height"] / 2 - (who["y"] + who["height"] / 2)) < 8  # one row, as with a nickname
    assert who["x"] + who["width"] <= 390


@pytest.mark.django_db(transaction=True)
def test_latitude_and_longitude_stand_level_on_a_desk(browser, live_server, personas, directory):  # noqa: F811
    """On a desk the post form's 纬度 and 经度 share a row, and 经度 (label and box) sat .8rem
    lower than 纬度: the margin between stacked fields applied to the second of the pair."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_in(page, live_server, personas["citizen"].phone)
    page.goto(live_server.url + "/post/")
    page.click("summary:has-text('手动填写坐标')")  # folded there since 2026-12-06
    latitude, longitude = (page.locator(s).bounding_box() for s in ("#id_latitude", "#id_longitude"))
    assert longitude["x"] > latitude["x"] + latitude["width"]  # side by side
    assert abs(latitude["y"] - longitude["y"]) < 1, (latitude, longitude)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_dispatching_by_suggestion_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """按建议派单 at 390px: each row is a card with its 建议承办单位, its box a 40px target that ticks it,
    and 「按建议派单所选」 sends the ticked cases."""
    p, d = personas, directory
    cases = two_cases(p, d)
    page = phone_page(browser)
    sign_in(page, live_server, p["dispatcher"].username)
    page.goto(f"{live_server.url}/staff/triage/")
    assert overflow(page) <= 0
    cell = page.locator("td.suggested").first
    assert "兰州市住房和城乡建设局" in cell.inner_text()
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"  # a card, not a table row
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"建议承办单位: "'
    pick = page.locator(f"label.pick:has(#dispatch-{cases[0].public_id})")
    box = pick.bounding_box()
    assert box["width"] >= TAP and box["height"] >= TAP
    pick.tap()
    assert page.locator(f"#dispatch-{cases[0].public_id}").is_checked()
    button = page.get_by_role("button", name="按建议派单所选")
    assert button.bounding_box()["height"] >= TAP
    button.tap()
    page.wait_for_load_state("networkidle")
    assert f"已按建议派单 1 件: {cases[0].public_id} → 兰州市住房和城乡建设局" in page.locator("ul.flash").inner_text()
    assert Message.objects.get(pk=cases[0].pk).status == "dispatched"
    assert Message.objects.get(pk=cases[1].pk).status == "submitted"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_signing_ticked_cases_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """签收所选 at 390px: each unsigned row's box is a 40px target (it was the browser's 13px box) that ticks
    it, and 「签收所选」 signs the ticked case only."""
    p, d = personas, directory
    cases = two_cases(p, d, lead=d["housing"])
    page = phone_page(browser)
    sign_in(page, live_server, p["officer"].username)
    page.goto(f"{live_server.url}/staff/")
    assert overflow(page) <= 0
    pick = page.locator(f"label.pick:has(#sign-{cases[0].public_id})")
    box = pick.bounding_box()
    assert box["width"] >= TAP and box["height"] >= TAP
    pick.tap()
    assert page.locator(f"#sign-{cases[0].public_id}").is_checked()
    with page.expect_navigation():  # the post's answer, not the page it was sent from (a busy machine)
        page.get_by_role("button", name="签收所选").tap()
    assert Message.objects.get(pk=cases[0].pk).status == "signed"
    assert Message.objects.get(pk=cases[1].pk).status == "dispatched"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_head_assigns_ticked_cases_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """指派所选 at 390px: the officer list and its button fit the screen beside 签收所选 and are 40px targets;
    the ticked case goes to the officer picked, the other stays unassigned."""
    p, d = personas, directory
    head = make_user("head", role="head", unit=d["housing"], display_name="住建局王局长")
    cases = two_cases(p, d, lead=d["housing"])
    page = phone_page(browser)
    sign_in(page, live_server, head.username)
    page.goto(f"{live_server.url}/staff/")
    assert overflow(page) <= 0
    chooser, button = page.locator("#bulk-handler"), page.get_by_role("button", name="指派所选")
    for target in (chooser, button):
        box = target.bounding_box()
        assert box["height"] >= TAP and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.locator(f"label.pick:has(#sign-{cases[0].public_id})").tap()
    chooser.select_option(str(p["officer"].pk))
    with page.expect_navigation():
        button.tap()
    assert "已将 1 件指派给 住建局张科长 承办" in page.locator("ul.flash").inner_text()
    held = {a.message_id: a.handler_id for a in Assignment.objects.filter(message__in=cases)}
    assert held == {cases[0].pk: p["officer"].pk, cases[1].pk: None}
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_region_hint_keeps_the_full_name_of_the_place_on_one_line(browser, live_server, personas,  # noqa: F811
                                                                        directory):
    """「留言提到「七里河区」: 选为所在区划 甘肃省兰州市七里河区」 on a phone: the place the button
    chooses broke after 甘肃省, 兰州市七里河区 standing alone on the next line."""
    page = phone_page(browser)
    sign_in(page, live_server, personas["citizen"].phone)
    page.goto(f"{live_server.url}/post/")
    page.fill("#id_title", "西津西路路灯坏了一个多月")
    page.fill("#id_body", "七里河区西津西路的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。")
    page.wait_for_selector("#region-hint button")
    full = page.locator("#region-hint-full")
    assert full.inner_text() == "甘肃省兰州市七里河区"
    # read once the hint is laid out: the body's own hint may replace the title's in between (0 lines under load)
    lines = page.wait_for_function("""() => { const e = document.getElementById("region-hint-full");
        if (!e) return 0; const r = document.createRange(); r.selectNodeContents(e);
        return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }""").json_value()
    assert lines == 1, "the region's full name is split over lines"
    assert overflow(page) <= 0


@pytest.mark.django_db(transaction=True)
def test_public_figures_with_the_dates_the_wrong_way_round_keep_the_filters(browser, live_server, directory):  # noqa: F811
    """公开统计 filtered by 城关区 and 投诉 with 提交日期从 after 至: the page said 「无法显示 开始日期晚于结束日期」
    and nothing else, the filters chosen gone; 返回公开统计 started again from the whole province."""
    page = phone_page(browser)
    for path in ("/stats/", "/stats/units/"):
        page.goto(f"{live_server.url}{path}?region={directory['chengguan'].code}")
        page.select_option("select[name=kind]", "complain")
        page.fill("input[name=date_from]", "2026-11-20")
        page.fill("input[name=date_to]", "2026-11-01")
        page.click("form.stats-filters button[type=submit]")
        page.wait_for_load_state()
        assert "无法显示" not in page.inner_text("main"), path
        error = page.locator("#id_date_to_error")
        assert "开始日期晚于结束日期" in error.inner_text() and "未按结束日期筛选" in error.inner_text(), path
        assert page.get_attribute("input[name=date_to]", "aria-describedby") == "id_date_to_error"
        # what was chosen stays chosen
        assert page.input_value("select[name=kind]") == "complain"
        assert page.input_value("select[name=region]") == directory["chengguan"].code
        assert page.input_value("input[name=date_from]") == "2026-11-20"
        assert page.input_value("input[name=date_to]") == "2026-11-01"
        assert overflow(page) <= 0


@pytest.mark.django_db(transaction=True)
def test_a_message_not_accepted_is_sent_again_from_its_page_with_its_text(browser, live_server, personas,  # noqa: F811
                                                                            directory):
    """未受理原因 「…请补充后重新提交」 on the citizen's own message, and nothing to press: the citizen
    had to type the title, the body, the type, the region and the leader all over again."""
    p, d = personas, directory
    body = "城关区幸福家园小区门口的路灯坏了, 晚上出门很不安全, 希望有关部门尽快修好。"
    message = actions.do_submit(p["citizen"], title="幸福家园路灯坏了", body=body, kind="help",
                                region=d["chengguan"], addressee=d["mayor"], topic=d["topic_build"],
                                address="幸福家园北门")
    actions.do_reject(p["dispatcher"], message, "没有写明是哪一盏路灯, 请补充具体位置后重新提交")
    page = phone_page(browser)
    sign_in(page, live_server, p["citizen"].phone)
    page.goto(f"{live_server.url}/m/{message.public_id}/")
    again = page.locator(".actions-box a", has_text="修改后重新提交")
    assert again.bounding_box()["height"] >= TAP
    again.click()
    page.wait_for_selector("form.post-form")
    assert page.input_value("#id_title") == "幸福家园路灯坏了"
    assert page.input_value("#id_body") == body
    assert page.is_checked("input[name=kind][value=help]")
    assert page.input_value("input[name=region]") == "620102"
    assert page.input_value("#id_region_level_3") == "620102"
    assert page.input_value("#id_addressee") == str(d["mayor"].pk)
    assert page.input_value("#id_topic") == "urban"
    assert page.input_value("#id_address") == "幸福家园北门"
    assert "没有写明是哪一盏路灯" in page.inner_text("main")  # the reason, to correct it by
    page.fill("#id_body", body + " 是北门往东第三盏。")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector("text=留言已提交")
    assert Message.objects.filter(author=p["citizen"]).count() == 2

    # someone else's message, or one of one's own still in hand, fills nothing
    other = actions.do_submit(p["other_citizen"], title="七里河区路灯坏了", body=body, kind="help", region=d["qilihe"])
    for public_id in (other.public_id, Message.objects.filter(author=p["citizen"]).latest("id").public_id):
        page.goto(f"{live_server.url}/post/?again={public_id}")
        assert page.input_value("#id_title") == "" and page.input_value("#id_body") == ""


@pytest.mark.django_db(transaction=True)
def test_the_search_box_of_a_leaders_board_shows_its_whole_placeholder_on_a_phone(browser, live_server,  # noqa: F811
                                                                                    directory):
    """A leader's board at 390px: 关键词, the box and 搜索 shared one line, and the box's
    「标题或内容中的词, 或留言编号」 lost its last character."""
    page = phone_page(browser)
    page.goto(f"{live_server.url}/leaders/{directory['mayor'].pk}/")
    assert page.get_attribute("form.keyword input[name=q]", "placeholder") == "标题或内容中的词, 或留言编号"
    assert page.evaluate(CUT_JS) == []
    assert overflow(page) <= 0
    box, button = (page.locator(f"form.keyword {s}").bounding_box() for s in ("input[name=q]", "button"))
    assert button["x"] > box["x"] + box["width"] and abs(button["y"] - box["y"]) < 4  # 搜索 beside the box
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_a_long_region_or_status_chosen_reads_whole_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """At 390px the filters of 浏览留言 and the post form's 所在区划 stood two selects a row, 165px each:
    「有答复 (已答复、已评价、已办结)」 read 「有答复 (已答复、已」 and a county such as
    阿克塞哈萨克族自治县 「阿克塞哈萨克族自」."""
    jiuquan = Region.objects.create(code="620900", name="酒泉市", level=2, parent=directory["province"])
    aksay = Region.objects.create(code="620924", name="阿克塞哈萨克族自治县", level=3, parent=jiuquan)
    page = phone_page(browser)
    page.goto(f"{live_server.url}/browse/?region={aksay.code}&status=answered")
    assert page.input_value("select[name=region]") == aksay.code and page.input_value("select[name=status]") == "answered"
    assert page.evaluate(CUT_JS) == []
    assert overflow(page) <= 0

    sign_in(page, live_server, personas["citizen"].phone)
    page.goto(f"{live_server.url}/post/?region={aksay.code}")
    assert page.input_value("#id_region_level_3") == aksay.code
    assert page.evaluate(CUT_JS) == []
    assert overflow(page) <= 0
    page.context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 800])
def test_a_long_region_or_status_chosen_reads_whole_on_a_desk(browser, live_server, directory, width):  # noqa: F811
    """The phone's rule (a row each) left a desk's 浏览留言 as it was: 区划 and 状态 in a column of the
    filters' grid, 128px at 1280 wide, read 「有答复 (已答复、已」 and 「阿克塞哈萨克族自」 there too."""
    jiuquan = Region.objects.create(code="620900", name="酒泉市", level=2, parent=directory["province"])
    aksay = Region.objects.create(code="620924", name="阿克塞哈萨克族自治县", level=3, parent=jiuquan)
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/browse/?region={aksay.code}&status=answered")
    assert page.input_value("select[name=status]") == "answered"
    assert page.evaluate(CUT_JS) == []
    assert overflow(page) <= 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_no_words_smaller_than_14px_on_a_phone(browser, live_server, answered_with_photos, lift_hotspot,  # noqa: F811
                                               personas, directory):
    """The secondary type (.85rem: the status badges, a message's timeline, help under the fields, the
    footer, 统计口径) was 13.6px at 390px, 消息's times 13.1px and its count 12.8px."""
    page = phone_page(browser)
    pages = ["/", "/browse/", f"/m/{answered_with_photos.public_id}/", "/leaders/", f"/leaders/{directory['mayor'].pk}/",
             f"/region/{directory['lanzhou'].code}/", "/hotspots/", f"/hotspots/{lift_hotspot.pk}/", "/stats/",
             "/accounts/login/", "/accounts/register/", "/accounts/reset/", "/privacy/"]
    small = []
    for url in pages:
        assert page.goto(live_server.url + url).status == 200, url
        small += [f"{url}: {s}" for s in page.evaluate(SMALL_TEXT_JS)]
    sign_in(page, live_server, personas["citizen"].phone)  # answered: a notice of the reply, unread
    for url in ("/post/", "/me/messages/", "/me/notifications/", "/accounts/me/", "/accounts/me/close/"):
        assert page.goto(live_server.url + url).status == 200, url
        small += [f"{url}: {s}" for s in page.evaluate(SMALL_TEXT_JS)]
    assert not small, "words under 14px at 390px:\n" + "\n".join(small)
    page.context.close()


# The month and date labels of the statistics tables that take more than one line: the cell's text
# drawn on two rows or more.
MONTHS_CUT_JS = r"""() => {
  const cut = [];
  for (const cell of document.querySelectorAll(".stats-table td")) {
    const text = cell.innerText.trim();
    if (!/^\d{4}年\d{1,2}月|^\d{4}-\d{2}(-\d{2})?/.test(text)) continue;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rows = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (rows.size > 1) cut.push(`「${text}」 on ${rows.size} lines`);
  }
  return cut;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_statistics_tables_keep_each_month_on_one_line_on_a_phone(browser, live_server, personas,  # noqa: F811
                                                                       directory):
    """公开统计's 按月份 table on a phone: its first column wrapped to fit beside eight columns of figures,
    and 「2026年11月」 read 「2026年」 over 「11月」 (the current month's 「(1日至5日)」 a line further). The
    month stays on one line; the table scrolls sideways inside its card, never the page."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    for months_ago, title in ((2, "城关区某路段路灯不亮"), (1, "小区门口垃圾无人清运"), (0, "公交站台顶棚破损漏雨")):
        actions.do_submit(personas["citizen"], title=title, body=f"{title}, 已经有一段时间了, 请尽快处理。",
                          kind="complain", region=directory["chengguan"], topic=directory["topic_build"],
                          at=now - dt.timedelta(days=31 * months_ago))
    page = phone_page(browser)
    for url in ("/stats/", f"/stats/?region={directory['chengguan'].code}&date_from={now:%Y-%m}-01"):
        assert page.goto(live_server.url + url).status == 200, url
        months = page.locator(".stats-table td", has_text=re.compile(r"^\d{4}年\d{2}月"))
        assert months.count() >= 1, url
        assert page.evaluate(MONTHS_CUT_JS) == [], url
        assert overflow(page) <= 0, f"{url} scrolls sideways by {overflow(page)}px at 390px"
        # the table is wider than the screen: its own card scrolls
        wrap = page.locator(".table-wrap", has=months.first)
        assert wrap.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX") == "auto"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def _refused_with_a_photo(browser, live_server, personas, directory, tmp_path):  # noqa: F811
    """小李's phone, on 我要留言 refused (内容 too short) with a photo chosen, the photo back in the box."""
    picture = tmp_path / "电梯.jpg"
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 200)).save(out, "JPEG")
    picture.write_bytes(out.getvalue())
    page = phone_page(browser)
    sign_in(page, live_server, personas["citizen"].phone)
    page.goto(f"{live_server.url}/post/?region={directory['chengguan'].code}")
    page.fill("#id_title", "幸福家园电梯坏了")
    page.fill("#id_body", "电梯坏了好几天")  # too short
    page.locator("div#id_kind label", has_text="求助").tap()
    page.set_input_files("input[name=photos]", str(picture))
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector(".errorsummary")
    page.wait_for_function("() => document.querySelector('input[name=photos]').files.length === 1")
    return page


def test_a_refused_message_keeps_its_photo_on_a_phone(browser, live_server, personas, directory, tmp_path):  # noqa: F811
    """A citizen who took a photo, wrote too little and pressed 提交留言 met 「照片需要重新选择」: the
    photo was gone and had to be found in the album again (an old citizen gave up there). The photo
    chosen comes back in the box, and the message sent once corrected carries it."""
    page = _refused_with_a_photo(browser, live_server, personas, directory, tmp_path)
    main = page.inner_text("main")
    assert "已保留您选择的 1 张照片" in main and "照片未保存" not in main and "重新选择" not in main
    page.fill("#id_body", "幸福家园小区3号楼电梯坏了好几天, 老人上下楼很困难, 请尽快维修。")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector("text=留言已提交")
    message = Message.objects.get(author=personas["citizen"])
    assert message.attachments.count() == 1

    # the next form opens with an empty photo box: the kept photo went with the message
    page.goto(f"{live_server.url}/post/")
    page.wait_for_load_state("networkidle")
    assert page.eval_on_selector("input[name=photos]", "e => e.files.length") == 0


KEPT_PHOTOS = """() => new Promise((resolve) => {
  const open = indexedDB.open("minsheng-photos", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("kept");
  open.onsuccess = () => {
    const req = open.result.transaction("kept").objectStore("kept").getAllKeys();
    req.onsuccess = () => { open.result.close(); resolve(req.result.map(String)); };
  };
})"""


def test_a_shared_phone_keeps_no_photo_of_the_citizen_before(browser, live_server, personas, directory,  # noqa: F811
                                                             tmp_path):
    """A citizen's message is refused with a photo chosen, and they leave the phone without 退出 (the
    session runs out, or the next one just signs in): the photo stayed in the browser's storage, kept
    for 30 minutes only in that it was not put back after, and no page removed it but that citizen's own
    post form or 退出. The next citizen's post form leaves no one else's photo, nor one past its 30 minutes,
    in the phone (review, 2026-12-05)."""
    page = _refused_with_a_photo(browser, live_server, personas, directory, tmp_path)
    assert page.evaluate(KEPT_PHOTOS) == [f"{personas['citizen'].pk}:/post/:photos"]
    page.context.clear_cookies()  # signed out without 退出
    sign_in(page, live_server, personas["other_citizen"].phone)
    page.goto(f"{live_server.url}/post/")
    page.wait_for_load_state("networkidle")
    assert page.eval_on_selector("input[name=photos]", "e => e.files.length") == 0
    page.wait_for_timeout(300)
    assert page.evaluate(KEPT_PHOTOS) == []
    # their own choice kept over 30 minutes ago (the page left open, the phone put away) goes too
    key = f"{personas['other_citizen'].pk}:/elsewhere/:photos"
    page.evaluate("""(key) => new Promise((resolve) => {
      const open = indexedDB.open("minsheng-photos", 1);
      open.onsuccess = () => {
        const t = open.result.transaction("kept", "readwrite");
        t.objectStore("kept").put({at: Date.now() - 31 * 60 * 1000, files: [new File(["x"], "a.jpg")]}, key);
        t.oncomplete = () => { open.result.close(); resolve(); };
      };
    })""", key)
    assert page.evaluate(KEPT_PHOTOS) == [key]
    page.goto(f"{live_server.url}/post/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert page.evaluate(KEPT_PHOTOS) == []


@pytest.mark.django_db(transaction=True)
def test_a_row_past_its_signing_deadline_is_marked_on_a_phone(browser, live_server, personas, directory):  # noqa: F811
    """At 390px a card past its reply deadline has a bar on its left; one past only its 签收 deadline had
    nothing there, its 「签收超期」 far down the card. Now a bar of its own (dashed, not the same as 已超期's:
    not colour alone) and the words for a screen reader at the start of the card."""
    from django.utils import timezone

    p, d = personas, directory
    sign_late, on_time = two_cases(p, d, lead=d["housing"])
    Assignment.objects.filter(message=sign_late).update(sign_due_at=timezone.now() - timezone.timedelta(days=1))
    page = phone_page(browser)
    sign_in(page, live_server, p["officer"].username)
    page.goto(f"{live_server.url}/staff/")

    def mark(case):
        cell = page.locator(f"table.cases tr:has(#sign-{case.public_id}) td").first
        return cell.evaluate("td => [getComputedStyle(td).borderLeftStyle, getComputedStyle(td).borderLeftWidth]")

    assert mark(sign_late) == ["dashed", "3px"]
    assert mark(on_time)[0] == "none"
    first = page.locator(f"table.cases tr:has(#sign-{sign_late.public_id}) td").first
    assert first.locator(".visually-hidden").inner_text().strip().startswith("签收超期")
    Assignment.objects.filter(message=sign_late).update(due_at=timezone.now() - timezone.timedelta(days=1))
    page.reload()
    assert mark(sign_late) == ["solid", "3px"]  # past its reply deadline too: 已超期's bar
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_messages_behind_a_figure_show_their_whole_titles_on_a_phone(browser, live_server, personas,  # noqa: F811
                                                                        directory):
    """QA walk 2026-12-06: the dashboard's 待答复 opened /stats/list/, whose titles ran off a 390 px screen
    beside the 14-digit 编号 (「建议搬迁石化花园附近的混凝土搅拌站」 read 「建议搬迁石化花园附近的混凝土搅拌」).
    Each title now wraps within the screen, heading its message's card (since 2026-12-06, second walk:
    tests/test_phone_walk.py)."""
    titles = ["建议搬迁幸福家园小区附近的混凝土搅拌站并公开环评结果", "城关区某路段路灯不亮"]
    for title in titles:
        message = actions.do_submit(personas["citizen"], title=title, body=f"{title}, 已经有一段时间了, 请尽快处理。",
                                    kind="complain", region=directory["chengguan"], topic=directory["topic_build"])
        actions.do_accept(personas["dispatcher"], message)
    page = phone_page(browser)
    assert page.goto(live_server.url + "/stats/list/?measure=submitted").status == 200
    shown = page.evaluate("""() => { const wrap = document.querySelector('.table-wrap').getBoundingClientRect();
        return [...document.querySelectorAll('.table-wrap tbody td a')].map(a => {
            const r = a.getBoundingClientRect(); return [a.innerText, r.left >= wrap.left - 1 && r.right <= wrap.right + 1]; }); }""")
    assert sorted(title for title, _ in shown) == sorted(titles)
    assert all(whole for _, whole in shown), shown
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_browsing_on_a_phone_shows_messages_in_the_first_screen(browser, live_server, answered_with_photos,  # noqa: F811
                                                                directory):
    """浏览留言 at 360×740: its seven filters took the whole first screen and the messages began below it
    (citizen walk, 2026-12-06). The keyword box stays; 区划, 领域, 类型, 状态 and the dates fold under
    「更多筛选」, open where one of them is in use; on a desk they all stand, nothing to unfold."""
    page = browser.new_context(**{**PHONE, "viewport": {"width": 360, "height": 740}}).new_page()
    page.goto(live_server.url + "/browse/")
    first = page.locator("ul.msglist li").first.bounding_box()
    assert first["y"] + 40 < 740, first
    assert page.locator("#id_q").is_visible() and not page.locator("#id_region").is_visible()
    page.get_by_text("更多筛选").click()
    assert page.locator("#id_region").is_visible() and page.locator("#id_date_to").is_visible()
    page.goto(f"{live_server.url}/browse/?region={directory['lanzhou'].code}")
    assert page.locator("#id_region").is_visible()  # a filter in use stays in sight
    assert overflow(page) <= 0
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    desk.goto(live_server.url + "/browse/")
    assert desk.locator("#id_region").is_visible() and not desk.get_by_text("更多筛选").is_visible()


# The 「、」 of a list of links that stands at the start of a line, away from the link it follows.
COMMA_FIRST_JS = r"""(selector) => {
  const bad = [];
  for (const p of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let t; (t = walker.nextNode());) {
      const before = t.previousSibling;
      if (!t.data.startsWith("、") || !before || before.nodeType !== Node.ELEMENT_NODE) continue;
      const comma = document.createRange();
      comma.setStart(t, 0);
      comma.setEnd(t, 1);
      if (comma.getBoundingClientRect().top >= before.getBoundingClientRect().bottom - 2) bad.push(`「、${t.data.slice(1, 6)}」 after 「${before.textContent}」`);
    }
  }
  return bad;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_figures_note_never_begins_a_line_with_a_comma_on_a_small_phone(browser, live_server):  # noqa: F811
    """The figures' 「逐条查看: 受理留言、已答复、按时答复、签收超期」 (the home page, a region's, a leader's board):
    at 360px a line began with 「、按时答复」, the 「、」 parted from 已答复 (2026-12-06, workbench walk: each
    link an inline block on a phone, a line may break before the 「、」 after it). Each 「、」 stays with its link."""
    context = browser.new_context(**{**PHONE, "viewport": {"width": 360, "height": 780}})
    page = context.new_page()
    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 780})
        assert page.goto(live_server.url + "/").status == 200
        links = page.locator(".figures-note a")
        assert links.count() == 6  # 统计口径 and five lists (误期未答复 since 2026-12-06, stats misses)
        assert page.evaluate(COMMA_FIRST_JS, ".figures-note") == [], f"at {width}px"
    context.close()

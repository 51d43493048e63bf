"""A citizen on a small phone (360×740) in the system Chromium, as the QA walk of 2026-12-06 met the
site on demo data: what looked wrong on the way from 消息 to a message, and back."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from PIL import Image

from minsheng.board import actions
from minsheng.board.models import Message, Notification
from minsheng.insight.models import Hotspot, HotspotMember

from .test_browser import CHROMIUM, browser, post_for_help_in_chengguan, signed_in_page  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.mark.django_db(transaction=True)
def test_an_unread_notice_has_its_dot_on_its_first_line(browser, live_server, personas, directory):  # noqa: F811
    """消息 on a phone: the red dot of an unread notice stood alone on a line above the notice (its link
    is a block, to be a 40px target), a row of dots down the page. The dot begins the notice's first line."""
    message = actions.do_submit(personas["citizen"], title="七里河区敦煌路小区没有电梯",
                                body="我们小区是上世纪九十年代建成的六层老楼, 老人上下楼非常困难, 希望政府支持加装电梯。",
                                kind="help", region=directory["qilihe"])
    Notification.objects.create(user=personas["citizen"], message=message, kind="dispatched",
                                text="您的留言「七里河区敦煌路小区没有电梯」已交由相关单位办理")
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    page.goto(f"{live_server.url}/me/notifications/")
    dot, first_line = page.evaluate("""() => {
        const li = document.querySelector("ul.notes li.unread");
        const dot = li.querySelector(".dot").getBoundingClientRect();
        const text = [...li.querySelector("a").childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
        const range = document.createRange();
        const start = text.textContent.search(/\\S/);
        range.setStart(text, start); range.setEnd(text, start + 1);
        const first = range.getBoundingClientRect();
        return [[dot.top, dot.bottom], [first.top, first.bottom]];
    }""")
    middle = (dot[0] + dot[1]) / 2
    assert first_line[0] <= middle <= first_line[1], (dot, first_line)
    assert page.locator("ul.notes li.unread a").bounding_box()["height"] >= 40  # still a finger's target
    page.click("ul.notes li.unread a")
    page.wait_for_url(f"**/m/{message.public_id}/")


FACT_TOPS = """() => [...document.querySelectorAll("dl.facts dt")].map(dt => {
    const first = el => {  // the top of the first line of words in el
        const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT,
                                               {acceptNode: n => n.textContent.trim() ? 1 : 3});
        const range = document.createRange();
        range.selectNodeContents(walk.nextNode());
        return range.getClientRects()[0].top;
    };
    return [dt.textContent.trim(), first(dt), first(dt.nextElementSibling)];
})"""


@pytest.mark.django_db(transaction=True)
def test_a_message_s_facts_read_level_with_their_names(browser, live_server, personas, directory):  # noqa: F811
    """A message's facts on a phone: a value that is a link (留言对象 兰州市市长, 热点问题) is a 40px target, and it
    stood 7px below its name, 「留言对象」 up and 「兰州市市长」 down, where every other fact reads level with its
    name. Each value's first line is level with its name."""
    message = actions.do_submit(personas["citizen"], title="七里河区敦煌路小区没有电梯",
                                body="我们小区是上世纪九十年代建成的六层老楼, 老人上下楼非常困难, 希望政府支持加装电梯。",
                                kind="help", region=directory["lanzhou"], addressee=directory["mayor"])
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    page.goto(f"{live_server.url}/m/{message.public_id}/")
    facts = page.evaluate(FACT_TOPS)
    assert "留言对象" in [name for name, _, _ in facts]
    assert [(name, round(value - label)) for name, label, value in facts if abs(value - label) > 1] == []
    assert page.locator("dl.facts dd > a", has_text="兰州市市长").bounding_box()["height"] >= 40  # still a target


@pytest.mark.django_db(transaction=True)
def test_the_headline_figures_fill_their_rows_on_a_desk(browser, live_server, directory):  # noqa: F811
    """The home page on a desk (1280px): six figures in a grid of five, 平均答复用时 alone on a second row under
    受理留言, four empty places beside it (since 及时签收率 made them six); so on a region's page and a leader's
    board. The figures fill whole rows."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    for url in ("/", f"/region/{directory['lanzhou'].code}/", f"/leaders/{directory['mayor'].pk}/"):
        page.goto(f"{live_server.url}{url}")
        tops = page.eval_on_selector_all(".figures > div", "tiles => tiles.map(t => Math.round(t.getBoundingClientRect().top))")
        rows = [tops.count(top) for top in sorted(set(tops))]
        assert len(tops) == 6 and len(set(rows)) == 1, (url, rows)


PLACEHOLDER_FITS = """input => {
    const style = getComputedStyle(input);
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return [context.measureText(input.placeholder).width, room];
}"""


@pytest.mark.django_db(transaction=True)
def test_the_statistics_region_search_shows_its_whole_hint_on_a_desk(browser, live_server, directory):  # noqa: F811
    """公开统计 on a desk (1280px): the 查找区划 box, a browser's default width, cut its hint to 「输入名称或拼音首字母,」:
    the example that says pinyin initials work (如 qlh) was lost. The box is wide enough for its hint, and on a
    phone (360px) still fits the screen. A phone held sideways (740px, touch: its boxes' text at 16px since
    2026-12-07) cut it again to 「…, 如 q」: the box's width grows with its text."""
    sizes = (({"width": 1280, "height": 900}, {}), ({"width": 360, "height": 740}, PHONE),
             ({"width": 740, "height": 360}, PHONE))
    for viewport, options in sizes:
        page = browser.new_context(locale="zh-CN", **{**options, "viewport": viewport}).new_page()
        page.goto(f"{live_server.url}/stats/")
        box = page.locator("#region-q-region")
        box.wait_for(state="visible")  # shown by forms.js
        needed, room = box.evaluate(PLACEHOLDER_FITS)
        assert "如 qlh" in box.get_attribute("placeholder") and needed <= room, (viewport, needed, room)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


LIFT_BODY = "我们小区是上世纪九十年代建成的六层老楼, 老人上下楼非常困难, 希望政府支持加装电梯。"


@pytest.mark.django_db(transaction=True)
def test_a_case_s_hotspot_reads_beside_its_name(browser, live_server, personas, directory):  # noqa: F811
    """A case's 「热点问题: …」 on a phone (360px): a hotspot's title too long for the rest of the line went whole
    to the next one (a 40px link box that did not break), and 「热点问题:」 stood alone above it. The title begins
    on its name's line, on a phone and on a desk, as 「答复期限 …」 and the other facts read."""
    message = actions.do_submit(personas["citizen"], title="七里河区敦煌路小区没有电梯", body=LIFT_BODY,
                                kind="help", region=directory["qilihe"])
    actions.do_accept(personas["dispatcher"], message)
    other = actions.do_submit(personas["other_citizen"], title="七里河区敦煌路小区加装电梯", body=LIFT_BODY,
                              kind="help", region=directory["qilihe"])
    now = timezone.now()
    hotspot = Hotspot.objects.create(title="建议在七里河区敦煌路小区的六层老楼加装电梯并给予补贴", region=directory["qilihe"],
                                     first_at=now, last_at=now, message_count=2, public_count=1)
    for m in (message, other):
        HotspotMember.objects.update_or_create(message=m, defaults={"hotspot": hotspot})
    for options in (PHONE, {"viewport": {"width": 1280, "height": 900}}):
        page = signed_in_page(browser, live_server, "supervisor", **options)
        page.goto(f"{live_server.url}/staff/case/{message.public_id}/")
        name, title = page.evaluate("""() => {
            const note = document.querySelector("p.hotspot-note");
            const top = (node, at) => { const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + 1);
                                        return r.getClientRects()[0]; };
            const words = [...note.querySelectorAll("*")].flatMap(e => [...e.childNodes]).concat([...note.childNodes])
                .filter(n => n.nodeType === 3);
            const label = words.find(n => n.textContent.includes("热点问题"));
            const link = note.querySelector("a").firstChild;
            const first = top(label, label.textContent.indexOf("热")), start = top(link, 0);
            return [[first.top, first.bottom], [start.top, start.bottom]];
        }""")
        assert abs(name[0] - title[0]) < 2 and abs(name[1] - title[1]) < 2, (options["viewport"], name, title)
        assert page.evaluate("document.documentElement.scrollWidth") <= options["viewport"]["width"]
        page.context.close()


def _post_form_with_a_position(browser, live_server, personas, accuracy=25):  # noqa: F811
    page = signed_in_page(browser, live_server, personas["citizen"].phone, permissions=["geolocation"],
                          geolocation={"latitude": 36.0610891, "longitude": 103.8343042, "accuracy": accuracy}, **PHONE)
    page.goto(f"{live_server.url}/post/")
    return page


@pytest.mark.django_db(transaction=True)
def test_the_place_taken_reads_in_words_and_the_raw_numbers_are_folded_away(browser, live_server,  # noqa: F811
                                                                             personas, directory):
    """The post form on a phone showed 纬度 and 经度 as two raw number boxes. 使用我当前的位置 says in words what it
    took, 「已取得位置 (约 25 米内)」, with 清除; the boxes are folded in 「手动填写坐标」, and the position is sent."""
    page = _post_form_with_a_position(browser, live_server, personas)
    assert page.locator("#id_latitude").is_hidden() and page.locator("#id_longitude").is_hidden()
    assert page.locator("summary", has_text="手动填写坐标").is_visible()
    page.click("#locate")
    taken = page.locator("#locate-status")
    taken.get_by_text("已取得位置 (约 25 米内)").wait_for()
    assert page.input_value("#id_latitude") == "36.061089" and page.input_value("#id_longitude") == "103.834304"
    assert page.locator("#id_latitude").is_hidden()  # still folded: the line says it
    clear = page.locator("#locate-clear")
    assert clear.is_visible() and clear.bounding_box()["height"] >= 44
    clear.click()
    assert page.input_value("#id_latitude") == "" and page.input_value("#id_longitude") == ""
    assert "已取得位置" not in taken.inner_text() and clear.is_hidden()
    page.click("#locate")
    taken.get_by_text("已取得位置 (约 25 米内)").wait_for()
    page.fill("#id_title", "七里河区敦煌路小区没有电梯")
    page.fill("#id_body", LIFT_BODY)
    page.check("input[name=kind][value=help]")
    post_for_help_in_chengguan(page)
    message = Message.objects.get(title="七里河区敦煌路小区没有电梯")
    assert str(message.latitude) == "36.061089" and str(message.longitude) == "103.834304"
    # its author reads the place as a place, not six decimals
    facts = page.inner_text("dl.facts")
    assert "北纬 36.0611°, 东经 103.8343°" in facts and "36.061089" not in facts


@pytest.mark.django_db(transaction=True)
def test_a_form_sent_back_keeps_the_place_in_words_and_typed_numbers_too(browser, live_server,  # noqa: F811
                                                                          personas, directory):
    """Sent back (内容至少 20 个字), the form says the place it keeps, with 清除; numbers typed in 手动填写坐标
    read in words too."""
    page = _post_form_with_a_position(browser, live_server, personas)
    page.click("#locate")
    page.locator("#locate-status").get_by_text("已取得位置").wait_for()
    page.fill("#id_title", "七里河区敦煌路小区没有电梯")
    page.fill("#id_body", "电梯坏了")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector(".errorsummary")
    line = page.locator("#locate-status")
    assert "已取得位置: 北纬 36.0611°, 东经 103.8343°" in line.inner_text()
    assert page.locator("#locate-clear").is_visible()
    page.click("#locate-clear")
    assert page.input_value("#id_latitude") == "" and line.inner_text().strip() == ""
    page.click("summary:has-text('手动填写坐标')")
    page.fill("#id_latitude", "-33.8568")
    page.fill("#id_longitude", "-70.65")
    assert "南纬 33.8568°, 西经 70.6500°" in line.inner_text()


def _tab_to_the_photo_box(page, button):
    """Tab from the title reaches the photo box, and its focus is drawn on the 「选择照片」 button."""
    page.focus("#id_title")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_photos":
            break
    assert page.evaluate("document.activeElement.id") == "id_photos"
    assert button.evaluate("b => getComputedStyle(b).outlineStyle") != "none"


@pytest.mark.django_db(transaction=True)
def test_the_photo_box_speaks_chinese_and_names_the_photos_chosen(browser, live_server,  # noqa: F811
                                                                   personas, directory, tmp_path):
    """The browser's own file box said 「Choose Files」 and 「No file chosen」 on a Chinese page. The box is a
    「选择照片」 button (a 44px target, reached with Tab, its focus drawn) and a line that says 「未选择照片」 or
    names the photos chosen."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    page.goto(f"{live_server.url}/post/")
    button = page.locator("label.button[for=id_photos]")
    assert button.inner_text().strip() == "选择照片" and button.bounding_box()["height"] >= 44
    chosen = page.locator("#id_photos_chosen")
    assert chosen.inner_text().strip() == "未选择照片" and chosen.is_visible()
    box = page.locator("#id_photos").bounding_box()
    assert box is None or box["width"] <= 1  # the browser's English box is not seen
    _tab_to_the_photo_box(page, button)
    paths = []
    for name in ("门口.jpg", "楼道.jpg"):
        Image.new("RGB", (64, 48), "gray").save(tmp_path / name)
        paths.append(tmp_path / name)
    page.set_input_files("#id_photos", paths)
    page.wait_for_function("document.getElementById('id_photos_chosen').textContent.includes('楼道.jpg')")
    assert chosen.inner_text().strip() == "已选择 2 张照片: 门口.jpg、楼道.jpg"
    assert page.get_by_label("选择照片").count() == 1  # still named for a screen reader


def _heard(page, selector):
    """What a screen reader is told of ``selector``: its name, its description and whether it is invalid."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
    invalid = [p["value"]["value"] for p in ax.get("properties", []) if p["name"] == "invalid"]
    return (ax.get("name", {}).get("value", ""), ax.get("description", {}).get("value", ""),
            invalid[0] if invalid else "false")


@pytest.mark.django_db(transaction=True)
def test_without_scripts_the_photo_box_is_a_chinese_button_and_says_whether_photos_are_chosen(
        browser, live_server, personas, directory, tmp_path):  # noqa: F811
    """Without scripts the post form showed the browser's own file box, 「Choose Files」 / 「No file chosen」 in the
    browser's language. It is the 「选择照片」 button there too, reached with Tab; the line beside it says
    「未选择照片」 or, once photos are chosen, that they are (how many and which a page cannot tell without scripts:
    the message shows them once sent). A form sent back (内容至少 20 个字) says the photos must be chosen again and
    the line says none are; chosen again, they are sent and stored."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, java_script_enabled=False, **PHONE)
    page.goto(f"{live_server.url}/post/")
    button = page.locator("label.button[for=id_photos]")
    assert button.is_visible() and button.inner_text().strip() == "选择照片"
    assert button.bounding_box()["height"] >= 44
    box = page.locator("#id_photos").bounding_box()
    assert box is None or box["width"] <= 1  # the browser's English box is not seen
    none, some = page.get_by_text("未选择照片"), page.get_by_text("已选择照片")
    assert none.is_visible() and not some.is_visible()
    name, description, invalid = _heard(page, "#id_photos")
    assert "选择照片" in name and "未选择照片" in description and invalid == "false"  # optional: never 「invalid」
    _tab_to_the_photo_box(page, button)
    photo = tmp_path / "门口.jpg"
    Image.new("RGB", (64, 48), "gray").save(photo)
    page.set_input_files("#id_photos", [photo])
    assert some.is_visible() and not none.is_visible()
    assert "提交后" in some.inner_text()  # says where the photos will be seen
    name, description, invalid = _heard(page, "#id_photos")
    assert "已选择照片" in description and "未选择照片" not in description and invalid == "false"
    # sent back: the browser cannot fill a file box again, and the page says so
    page.fill("#id_title", "七里河区敦煌路小区没有电梯")
    page.fill("#id_body", "电梯坏了")
    page.check("input[name=kind][value=help]")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector(".errorsummary")
    assert page.get_by_text("照片未保存, 请重新选择。").is_visible()
    assert none.is_visible() and not some.is_visible()
    assert page.locator("label.button[for=id_photos]").is_visible()
    # chosen again and sent: stored
    page.fill("#id_body", LIFT_BODY)
    page.select_option("#id_region_level_1", "620000")
    page.click("button[name=action][value=refine]")
    page.select_option("#id_region_level_2", "620100")
    page.set_input_files("#id_photos", [photo])
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_url(re.compile(r"/m/\d+/$"))
    message = Message.objects.get(title="七里河区敦煌路小区没有电梯")
    assert message.attachments.count() == 1
    assert page.locator("div.photos img").count() == 1


TAKES_SPACE = """selector => {  // the height of the element with its margins, 0 when it is not laid out
    const e = document.querySelector(selector);
    if (!e || !e.getClientRects().length) return 0;
    const s = getComputedStyle(e);
    return e.getBoundingClientRect().height + parseFloat(s.marginTop) + parseFloat(s.marginBottom);
}"""


@pytest.mark.django_db(transaction=True)
def test_without_scripts_an_empty_position_line_takes_no_room(browser, live_server, personas, directory):  # noqa: F811
    """Without scripts 使用我当前的位置 cannot work and is not shown, and the line that says the place was empty: it
    still left a gap between 地点 and 手动填写坐标. Nothing to say, no room taken; sent back with a position, the line
    says it."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, java_script_enabled=False, **PHONE)
    page.goto(f"{live_server.url}/post/")
    assert page.evaluate(TAKES_SPACE, ".locate") == 0 and page.evaluate(TAKES_SPACE, "#locate-status") == 0
    page.click("summary:has-text('手动填写坐标')")
    page.fill("#id_latitude", "36.061089")
    page.fill("#id_longitude", "103.834304")
    page.fill("#id_title", "七里河区敦煌路小区没有电梯")
    page.fill("#id_body", "电梯坏了")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")
    page.wait_for_selector(".errorsummary")
    line = page.locator("#locate-status")
    assert line.is_visible() and "已取得位置: 北纬 36.0611°, 东经 103.8343°" in line.inner_text()


@pytest.mark.django_db(transaction=True)
def test_with_scripts_but_no_geolocation_the_position_line_stays_to_be_announced(
        browser, live_server, personas, directory):  # noqa: F811
    """The rule that gives an empty position line no room (above) hid it with scripts too, where the browser has no
    geolocation: the line (role=status) then appeared already filled when coordinates were typed, which a screen
    reader does not announce. It stays in the page, empty, for its words to be read out as they come."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    page.add_init_script("delete Navigator.prototype.geolocation;")
    page.goto(f"{live_server.url}/post/")
    assert page.evaluate("() => 'geolocation' in navigator") is False
    assert page.locator("#locate").is_hidden()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.locate')).display") != "none"
    page.click("summary:has-text('手动填写坐标')")
    page.fill("#id_latitude", "36.061089")
    page.fill("#id_longitude", "103.834304")
    assert "已取得位置: 北纬 36.0611°, 东经 103.8343°" in page.locator("#locate-status").inner_text()

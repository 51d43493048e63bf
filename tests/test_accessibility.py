"""What a keyboard user, a screen-reader user and a citizen with weak eyes notice
(WCAG 2.1 AA): every field has a label, a refused form says so and ties each error to
its field, 跳到正文 leads to the content, the region picker keeps the focus, the main
colours are readable, and a message can be posted with the keyboard alone."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from minsheng.board.models import Message
from minsheng.board.workflow import Status

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (browser: a fixture)

CSS = Path(__file__).resolve().parent.parent / "minsheng" / "static" / "css" / "minsheng.css"
CONTROLS = {"input", "select", "textarea"}


class Page(HTMLParser):
    """The elements of a page as (tag, attrs, path of enclosing tags) and the text of each id."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements, self.stack, self.text_of = [], [], {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs, [t for t, _ in self.stack]))
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for _, attrs in self.stack:
            if attrs.get("id"):
                self.text_of[attrs["id"]] = self.text_of.get(attrs["id"], "") + data

    def find(self, tag=None, **attrs):
        return [a for t, a, _ in self.elements
                if (tag is None or t == tag) and all(a.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def ids(self):
        return {a["id"] for _, a, _ in self.elements if a.get("id")}

    def fields(self):
        """The visible form controls, with the tags around them."""
        return [(t, a, path) for t, a, path in self.elements
                if t in CONTROLS and a.get("type") not in ("hidden", "submit", "button")]


def unlabelled(page: Page) -> list[str]:
    """Controls a screen reader would announce without a name."""
    labelled = {a.get("for") for a in page.find("label")}
    return [a.get("name") for t, a, path in page.fields()
            if a.get("id") not in labelled and "label" not in path
            and not a.get("aria-label") and not a.get("aria-labelledby")]


def orphan_labels(page: Page) -> list[str]:
    """<label>s that name nothing: no for= of a present id and no control inside."""
    ids = page.ids()
    out = []
    for i, (tag, attrs, path) in enumerate(page.elements):
        if tag != "label" or attrs.get("for") in ids:
            continue
        depth = len(path)
        inside = []
        for t, _, p in page.elements[i + 1:]:
            if len(p) <= depth:
                break
            inside.append(t)
        if not CONTROLS & set(inside):
            out.append(page.text_of.get(attrs.get("id", ""), attrs.get("for") or "?"))
    return out


def dangling_descriptions(page: Page) -> list[str]:
    """aria-describedby references to ids that are not on the page (read as nothing)."""
    ids = page.ids()
    return [ref for _, a, _ in page.elements for ref in (a.get("aria-describedby") or "").split()
            if ref not in ids]


def body(response) -> Page:
    assert response.status_code == 200, response.status_code
    return Page(response.content.decode())


# --- structure: skip link, landmarks, titles ---------------------------------------------

@pytest.mark.parametrize("url", ["/", "/browse/", "/accounts/login/", "/accounts/register/", "/hotspots/"])
def test_every_page_starts_with_a_skip_link_to_main(client, directory, url):
    page = body(client.get(url))
    first_link = next(a for t, a, _ in page.elements if t == "a")
    assert first_link.get("href") == "#main", first_link
    main = page.find("main")
    assert len(main) == 1 and main[0].get("id") == "main" and main[0].get("tabindex") == "-1"
    # the site menu is a named landmark, told apart from the page's own menus
    assert page.find("nav", aria_label="网站导航")
    assert all(a.get("aria-label") for t, a, _ in page.elements if t == "nav")
    assert page.find("html", lang="zh-CN")


def test_tabs_say_which_is_current(personas, login):
    page = body(login(personas["citizen"]).get("/me/messages/?status=submitted"))
    current = page.find("a", aria_current="page")
    assert len(current) == 1 and "status=submitted" in current[0]["href"]
    # 我的留言's two lists: the chosen one is marked current in its set, the status tab is the page
    page = body(login(personas["citizen"]).get("/me/messages/?supported=1&status=replied"))
    current = page.find("a", aria_current="page")
    assert len(current) == 1 and current[0]["href"] == "?supported=1&status=replied"
    chosen = page.find("a", aria_current="true")
    assert len(chosen) == 1 and chosen[0]["href"] == "?supported=1"


# --- labels ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/register/", "/accounts/reset/", "/browse/"])
def test_every_field_of_the_public_forms_has_a_label(client, directory, url):
    page = body(client.get(url))
    assert page.fields()
    assert unlabelled(page) == []
    assert orphan_labels(page) == []
    assert dangling_descriptions(page) == []


def test_every_field_of_the_post_form_has_a_label(personas, login):
    page = body(login(personas["citizen"]).get("/post/"))
    names = {a.get("name") for _, a, _ in page.fields()}
    assert {"title", "body", "kind", "region_level_1", "addressee", "topic", "photos", "show_name"} <= names
    assert unlabelled(page) == []
    # 所在区划 names the group of region boxes, not a label pointing nowhere
    assert orphan_labels(page) == []
    assert dangling_descriptions(page) == []
    assert "id_body_helptext" in page.find("textarea", name="body")[0]["aria-describedby"].split()


# --- a refused form ----------------------------------------------------------------------

def test_refused_post_ties_each_error_to_its_field(personas, login):
    c = login(personas["citizen"])
    page = body(c.post("/post/", {"title": "电梯", "body": "", "region": ""}))
    summary = page.find("div", class_="errorsummary")
    assert summary and summary[0]["role"] == "alert" and summary[0]["tabindex"] == "-1"
    assert "data-focus-on-load" in summary[0]
    links = [a["href"] for t, a, path in page.elements if t == "a" and "div" in path and a.get("href", "").startswith("#id_")]
    assert {"#id_title", "#id_body", "#id_kind_0", "#id_region_level_1"} <= set(links), links

    title = page.find("input", name="title")[0]
    assert title.get("aria-invalid") == "true"
    assert "标题至少 5 个字" in page.text_of[title["aria-describedby"]]
    text = page.find("textarea", name="body")[0]
    assert text.get("aria-invalid") == "true"
    assert "请填写留言内容" in page.text_of["id_body_error"] and "id_body_error" in text["aria-describedby"].split()
    kind = page.find("fieldset", aria_describedby="id_kind_error")
    assert kind and "请选择留言类型" in page.text_of["id_kind_error"]
    region = page.find("fieldset", aria_describedby="id_region_error")
    assert region and "请选择留言所在的区划" in page.text_of["id_region_error"]
    assert page.find("select", name="region_level_1")[0].get("aria-invalid") == "true"
    assert dangling_descriptions(page) == []


def test_refused_sign_in_is_announced(client, personas):
    r = client.post("/accounts/login/", {"username": "13800000001", "password": "wrong-password"})
    summary = re.search(r'<div class="errorsummary" role="alert" tabindex="-1" data-focus-on-load>(.*?)</div>',
                        r.content.decode(), re.S)
    assert summary and "手机号/邮箱或密码不正确" in summary.group(1)
    page = body(client.post("/accounts/login/", {"username": "13800000001", "password": ""}))
    password = page.find("input", name="password")[0]
    assert password["aria-invalid"] == "true" and "请输入密码" in page.text_of[password["aria-describedby"]]


def test_a_code_that_cannot_be_sent_is_tied_to_the_phone_box(client, directory):
    page = body(client.post("/accounts/register/", {"action": "send_code", "identifier": "12345"}))
    box = page.find("input", name="identifier")[0]
    assert box["aria-invalid"] == "true"
    assert "请输入 11 位手机号或有效的邮箱地址" in page.text_of["id_identifier_error"]
    assert "id_identifier_error" in box["aria-describedby"].split()
    assert dangling_descriptions(page) == []
    assert page.find("div", class_="errorsummary", role="alert")


# --- the region picker -------------------------------------------------------------------

def test_region_picker_boxes_keep_their_ids_across_a_swap(personas, login):
    """htmx gives the focus back to the element with the focused one's id: without ids the
    keyboard user is thrown to the top of the page after choosing a province."""
    c = login(personas["citizen"])
    page = body(c.get("/post/where/", {"changed": "1", "region_level_1": "620000"}))
    assert [a.get("id") for a in page.find("select") if a.get("name", "").startswith("region_level_")] == [
        "id_region_level_1", "id_region_level_2"]
    assert page.find("fieldset", class_="field region-levels")
    # what changed, for the status line outside the swapped part
    announce = [a for t, a, _ in page.elements if "data-announce" in a]
    assert announce


# --- colours -----------------------------------------------------------------------------

def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def css_rule(css: str, selector: str) -> str:
    match = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert match, selector
    return match.group(1)


def test_main_text_colours_have_a_contrast_of_at_least_4_5():
    css = CSS.read_text()
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", css_rule(css, ":root")))
    withdrawn = css_rule(css, ".badge.status-rejected, .badge.status-withdrawn")
    pairs = {
        "text on the page": (var["ink"], var["bg"]),
        "muted text on the page": (var["muted"], var["bg"]),
        "muted text on a card": (var["muted"], "#ffffff"),
        "the header's links": ("#ffffff", var["red"]),
        "buttons": ("#ffffff", var["red"]),
        "已超期": ("#ffffff", var["warn"]),
        "督办 badge": (var["warn"], "#fff4e5"),
        "已答复 badge": (var["ok"], "#e8f5e9"),
        "links": (link := re.search(r"main a, footer\.site a \{ color: (#[0-9a-f]+)", css).group(1), "#ffffff"),
        "the footer's 隐私政策 on the page": (link, var["bg"]),
        "撤回 badge": (re.search(r"color: (#[0-9a-f]+)", withdrawn.split("background")[1]).group(1),
                     re.search(r"background: (#[0-9a-f]+)", withdrawn).group(1)),
    }
    low = {name: round(contrast(*p), 2) for name, p in pairs.items() if contrast(*p) < 4.5}
    assert low == {}


def test_the_keyboard_focus_is_drawn():
    css = CSS.read_text()
    assert re.search(r":focus-visible \{ outline: 3px solid", css)
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")


def test_charts_have_a_text_alternative(client, directory):
    page = body(client.get("/stats/"))
    charts = [a for t, a, _ in page.elements if "data-chart" in a]
    assert charts
    assert all(a.get("role") == "img" and "表" in a.get("aria-label", "") for a in charts if a["data-chart"] != "map")


# --- in the browser: the keyboard alone ---------------------------------------------------

def tab_to(page, selector: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), selector  # the focus can be seen
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose_with_arrow(page, level: int) -> None:
    """ArrowDown on the focused region box picks its first place; htmx swaps the picker."""
    select = f"#id_region_level_{level}"
    page.wait_for_function(f"() => document.querySelector('{select}')['htmx-internal-data'] !== undefined")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(f"#id_region_level_{level + 1}", state="attached")
    page.wait_for_function(f"() => document.querySelector('#id_region_level_{level + 1}')['htmx-internal-data'] !== undefined")
    # the focus stays on the box the citizen just used, not thrown back to the top
    assert page.evaluate("() => document.activeElement.id") == f"id_region_level_{level}"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium")
@pytest.mark.django_db(transaction=True)
def test_a_citizen_posts_a_message_with_the_keyboard_alone(browser, live_server, personas, directory):  # noqa: F811
    page = signed_in_page(browser, live_server, personas["citizen"].phone)
    page.goto(f"{live_server.url}/post/")
    page.wait_for_function("() => window.htmx !== undefined")

    # the first Tab is 跳到正文, and Enter lands in the content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # sending the empty form: the summary of what to correct takes the focus
    tab_to(page, "form.post-form button[type=submit]", limit=80)
    page.keyboard.press("Enter")
    page.wait_for_selector(".errorsummary")
    page.wait_for_load_state("load")
    assert page.evaluate("() => document.activeElement.classList.contains('errorsummary')"), page.evaluate("() => document.activeElement.outerHTML.slice(0, 80)")
    page.wait_for_function("() => window.htmx !== undefined")

    tab_to(page, "a[href='#id_title']")  # the summary's link leads to the field
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "id_title"
    page.keyboard.type("七里河区敦煌路小区没有电梯")
    tab_to(page, "#id_body")
    page.keyboard.type("我们小区是上世纪九十年代建成的六层老楼, 住着很多行动不便的老人, 希望政府支持加装电梯。")
    tab_to(page, "input[name=kind]")
    page.keyboard.press("Space")
    tab_to(page, "#id_region_level_1")
    choose_with_arrow(page, 1)  # 甘肃省
    tab_to(page, "#id_region_level_2")
    choose_with_arrow(page, 2)  # 兰州市
    assert page.input_value("input[name=region]") == "620100"
    page.wait_for_function("() => document.getElementById('where-status').textContent.includes('兰州市')")
    tab_to(page, "form.post-form button[type=submit]", limit=80)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/m/\d+/(#.*)?$"))  # the fragment of the last link followed stays
    message = Message.objects.get(title="七里河区敦煌路小区没有电梯")
    assert message.region.code == "620100" and message.status == Status.SUBMITTED


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium")
@pytest.mark.django_db(transaction=True)
def test_a_refused_sign_in_moves_the_focus_to_what_went_wrong(browser, live_server, personas):  # noqa: F811
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.type(personas["citizen"].phone)  # the box has the focus when the page opens
    page.keyboard.press("Tab")
    page.keyboard.type("wrong-password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".errorsummary")
    page.wait_for_load_state("load")
    # not the autofocused phone box: the screen reader starts with 手机号/邮箱或密码不正确
    assert page.evaluate("() => document.activeElement.classList.contains('errorsummary')")
    assert "手机号/邮箱或密码不正确" in page.inner_text(".errorsummary")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium")
@pytest.mark.django_db(transaction=True)
def test_the_tab_shown_stands_out_from_the_others(browser, live_server, personas):  # noqa: F811
    # the hotspots' period tabs (and the workbench's) marked the tab shown for screen readers alone:
    # 近 7 天 looked like 近 30 天
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/hotspots/?days=7")
    shown = page.locator("nav.tabs a[aria-current='page']")
    other = page.locator("nav.tabs a:not([aria-current])").first
    assert shown.inner_text() == "近 7 天"
    weight = "el => getComputedStyle(el).fontWeight"
    colour = "el => getComputedStyle(el).color"
    assert shown.evaluate(weight) == "700" and other.evaluate(weight) != "700"
    assert shown.evaluate(colour) != other.evaluate(colour)

"""End to end in the system Chromium: a citizen posts a message through the real
form, the dispatcher dispatches it from the triage queue, an officer signs and
replies (with the preview), the citizen rates the reply, and an anonymous visitor
reads the reply and the rating on the public page."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from minsheng.board.models import Attachment, Evaluation, Message, Reply
from minsheng.board.workflow import Status

from .conftest import CHROMIUM, PASSWORD  # noqa: F401 (CHROMIUM: read from here by the browser tests)

TITLE = "七里河区敦煌路小区没有电梯"
BODY = "我们小区是上世纪九十年代建成的六层老楼, 住着很多行动不便的老人, 上下楼非常困难, 希望政府支持加装电梯。"
REPLY = "您好, 经我局现场核查, 该小区已列入今年老旧小区改造计划, 加装电梯工程预计十月底前开工, 感谢您的监督。"
COMMENT = "答复及时, 问题说得很清楚"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]


class _OneTestsBrowser:
    """The worker's Chromium as one test sees it: every context and page the test opens is its own (no cookie,
    storage or permission of another test's) and is closed when the test ends."""

    def __init__(self, chromium):
        self._chromium = chromium
        self._contexts = []

    def new_context(self, **options):
        context = self._chromium.new_context(**options)
        self._contexts.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def __getattr__(self, name):
        return getattr(self._chromium, name)

    def close(self) -> None:
        contexts, self._contexts = self._contexts, []
        if self._chromium.is_connected():  # else they went with it (the next test starts another)
            for context in contexts:
                try:
                    context.close()
                except Exception:  # noqa: BLE001 — gone with its page's crash: the others are closed all the same
                    pass


@pytest.fixture
def browser(_chromium):
    browser = _OneTestsBrowser(_chromium.get())
    try:
        yield browser
    finally:
        browser.close()


def signed_in_page(browser, live_server, username, password=PASSWORD, **context_options):
    context = browser.new_context(**{"locale": "zh-CN", "viewport": {"width": 412, "height": 915},  # a phone
                                     **context_options})
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_in(page, live_server, username, password)
    return page


def sign_in(page, live_server, username, password=PASSWORD) -> None:
    """Sign ``username`` in through the login form, in ``page``'s own tab."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def pick_region(page, level: int, code: str) -> None:
    """Choose ``code`` in the cascade's select of ``level`` once htmx has swapped it in and
    bound it (a change fired before htmx processes the new select would do nothing)."""
    select = f"select[name=region_level_{level}]"
    page.wait_for_selector(f"{select} option[value='{code}']", state="attached")
    page.wait_for_function(f"() => document.querySelector(\"{select}\")['htmx-internal-data'] !== undefined")
    page.select_option(select, code)


def post_for_help_in_chengguan(page) -> None:
    """Send the post form, its title and body filled, as a 求助 in 城关区, and wait for the message's page."""
    page.check("input[name=kind][value=help]")
    pick_region(page, 1, "620000")
    pick_region(page, 2, "620100")
    pick_region(page, 3, "620103")
    page.wait_for_function("document.querySelector('input[name=region]').value === '620103'")
    page.click("form.post-form button[type=submit]:text-is('提交留言')")  # not a listed message's 我也遇到
    page.wait_for_url(re.compile(r"/m/\d+/$"))


@pytest.mark.django_db(transaction=True)
def test_post_dispatch_sign_reply_rate_and_read_in_public(browser, live_server, personas, directory):
    # the citizen posts through the real form, picking the region in the cascade
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", TITLE)
    citizen.fill("#id_body", BODY)
    citizen.check("input[name=kind][value=help]")
    pick_region(citizen, 1, "620000")
    pick_region(citizen, 2, "620100")
    pick_region(citizen, 3, "620103")
    citizen.wait_for_function("document.querySelector('input[name=region]').value === '620103'")
    citizen.select_option("select[name=topic]", "urban")
    citizen.click("form.post-form button[type=submit]")
    citizen.wait_for_url(re.compile(r"/m/\d+/$"))
    message = Message.objects.get(title=TITLE)
    assert message.region.code == "620103" and message.status == Status.SUBMITTED
    assert message.public_id in citizen.url
    citizen.goto(f"{live_server.url}/post/")  # posted: the draft kept while typing is gone
    assert citizen.input_value("#id_title") == "" and citizen.locator("#draft-note").is_hidden()

    # the dispatcher finds it in the triage queue; 住建局 is preselected from the responsibility table
    dispatcher = signed_in_page(browser, live_server, "dispatcher")
    dispatcher.goto(f"{live_server.url}/staff/triage/")
    dispatcher.click(f"text={TITLE}")
    dispatcher.wait_for_selector("#dispatch-form")
    assert dispatcher.input_value("#dispatch-form select[name=lead]") == str(directory["housing"].pk)
    dispatcher.click("#dispatch-form button")
    dispatcher.wait_for_selector("text=已派单至")
    message.refresh_from_db()
    assert message.status == Status.DISPATCHED

    # the officer signs, previews the reply and publishes it
    officer = signed_in_page(browser, live_server, "officer")
    officer.goto(f"{live_server.url}/staff/")
    assert "待签收" in officer.content()
    officer.click(f"text={TITLE}")
    officer.click("form[action$='/sign/'] button")
    officer.wait_for_selector("#reply-form")
    officer.fill("#reply-form textarea[name=body]", REPLY)
    officer.click("#reply-form button:has-text('预览')")
    officer.wait_for_selector("#reply-preview >> text=答复预览")
    assert not Reply.objects.filter(message=message).exists()
    officer.click("#reply-form button:has-text('发布答复')")
    officer.wait_for_selector("text=答复已公开发布")
    message.refresh_from_db()
    assert message.status == Status.REPLIED

    # the citizen rates the reply
    citizen.goto(f"{live_server.url}/m/{message.public_id}/")
    citizen.click("text=评价答复")
    for name in ("resolution", "attitude", "speed"):
        citizen.check(f"input[name={name}][value=satisfied]")
    citizen.fill("textarea[name=comment]", COMMENT)
    citizen.click("form.stack button[type=submit]")
    citizen.wait_for_selector("text=感谢您的评价")
    evaluation = Evaluation.objects.get(message=message)
    assert evaluation.resolution == "satisfied"

    # an anonymous visitor reads the reply and the rating on the public page
    visitor = browser.new_context(locale="zh-CN").new_page()
    visitor.goto(f"{live_server.url}/m/{message.public_id}/")
    public = visitor.inner_text("main")
    assert REPLY in public
    assert "解决情况: 满意" in public.replace("：", ":") and COMMENT in public
    assert personas["citizen"].phone not in visitor.content()


def assert_tall_enough(page, selector: str, least: int = 40) -> None:
    """The first element of ``selector`` is at least ``least`` px high (a finger's target), read once the post
    form's lookups settle: the title's and the body's each swap the 「已有相似留言」 box and the region hint, and
    measured between two swaps under load the element was out of the page (2026-12-06). Times out (fails) if it
    never is."""
    page.wait_for_function("([sel, least]) => { const e = document.querySelector(sel); "
                           "return e !== null && e.getBoundingClientRect().height >= least; }",
                           arg=[selector, least], timeout=10_000)


def settled_box(page, locator) -> dict:
    """``locator``'s bounding box once it is in the page: measured between two of the post form's swaps (its
    lookups, ``assert_tall_enough``) it was out of it, and the box None (2026-12-07). Fails if it never is."""
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None:
            return box
        page.wait_for_timeout(200)
    raise AssertionError(f"{locator} never shown")


HTMX_ANSWERS = """() => { window.htmxAnswers = [];
  document.body.addEventListener("htmx:afterRequest",
    (event) => window.htmxAnswers.push([event.detail.pathInfo.requestPath, event.detail.xhr.status])); }"""


def note_htmx_answers(page) -> None:
    """From now, note each answer htmx has done with in ``page`` (swapped, or left out on an error status; an
    aborted request's as status 0), for ``wait_for_htmx_answer``."""
    page.evaluate(HTMX_ANSWERS)


def wait_for_htmx_answer(page, path: str, status: int = 200) -> None:
    """Until htmx has done with an answer of ``path`` with ``status`` since ``note_htmx_answers``: what it swapped
    (or did not) can be read then. A fixed wait for it was a race under load, and a wait for nothing otherwise."""
    page.wait_for_function("([path, status]) => window.htmxAnswers.some(([p, s]) => p.endsWith(path) && s === status)",
                           arg=[path, status])


def sends_nothing(page, action, sent=lambda request: request.is_navigation_request() or request.method == "POST",
                  timeout_ms: int = 500) -> None:
    """Do ``action``, and see the page send no request ``sent`` (by default: no form, whether it navigates or
    posts) within ``timeout_ms``: a wait for the request, which fails the test should it come, not a fixed wait
    before a look at the URL."""
    from playwright.sync_api import TimeoutError as NoRequest

    with pytest.raises(NoRequest, match='waiting for event "request"'), page.expect_request(sent, timeout=timeout_ms):
        action()  # the action's own timeout would say another thing, and fail the test


def _dingxi_lift(personas, directory):
    """Another citizen's accepted (public) message about 幸福家园's lift in 定西市."""
    from minsheng.board import actions

    same = actions.do_submit(personas["other_citizen"], title="定西市幸福家园小区电梯坏了三个月没人修",
                             body="幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人上下楼非常困难。",
                             kind="complain", region=directory["dingxi"], topic=directory["topic_build"])
    actions.do_accept(personas["dx_dispatcher"], same)
    return same


@pytest.mark.django_db(transaction=True)
def test_similar_messages_follow_the_text_and_the_chosen_region(browser, live_server, personas, directory):
    d = directory
    same = _dingxi_lift(personas, d)

    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    box = citizen.locator("#similar")
    assert box.bounding_box()["height"] == 0  # nothing typed: no empty box on the page
    citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了三个月, 物业不修, 老人上下楼很困难。")
    citizen.wait_for_selector(f"#similar a[href='/m/{same.public_id}/']")  # no region yet: the province
    assert "我也遇到" in box.inner_text()
    # the title is the way to its 我也遇到 button: a finger's target on a phone (it was 24px high)
    assert_tall_enough(citizen, f"#similar a[href='/m/{same.public_id}/']")
    # the whole text goes by POST: a 3000-character body in a GET URL got 414 from gunicorn
    with citizen.expect_response(lambda r: r.url.endswith("/similar/")) as answer:
        citizen.fill("#id_body", ("我们幸福家园小区3号楼的电梯坏了三个月, 物业不修, 老人上下楼很困难。" * 100)[:3000])
    assert answer.value.request.method == "POST" and answer.value.status == 200
    sent = answer.value.request.post_data
    assert "csrfmiddlewaretoken=" in sent and "body=" in sent and "addressee" not in sent  # hx-params
    assert "我也遇到" in answer.value.text()

    # choosing 兰州市 refreshes the list: the message in 定西市 is not in the same area
    pick_region(citizen, 1, "620000")
    pick_region(citizen, 2, "620100")
    citizen.wait_for_function("document.querySelector('input[name=region]').value === '620100'")
    citizen.wait_for_selector(f"#similar a[href='/m/{same.public_id}/']", state="detached")
    assert box.inner_text().strip() == "" and box.bounding_box()["height"] == 0


def _cleared_lookup(field: str):
    """A request of /similar/ for an empty title and body, asked by the typing in ``field`` (htmx's HX-Trigger)."""

    def cleared(request) -> bool:
        if not request.url.endswith("/similar/") or request.headers.get("hx-trigger") != field:
            return False
        sent = parse_qs(request.post_data or "", keep_blank_values=True)
        return sent.get("title") == [""] and sent.get("body") == [""]

    return cleared


@pytest.mark.django_db(transaction=True)
def test_a_cleared_text_empties_the_similar_box_and_an_answer_still_on_its_way_stays_out(browser, live_server,
                                                                                          personas, directory):
    """On a slow network the answer for what had been typed came back after the citizen cleared the
    title and the body: the empty form listed 「已有相似留言」 until the next answer (a second or two),
    for a text no longer there. The box empties with the text, and the late answer is dropped."""
    same = _dingxi_lift(personas, directory)
    listed = f"#similar a[href='/m/{same.public_id}/']"
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone, viewport={"width": 390, "height": 844})
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    citizen.wait_for_selector(listed)
    held = []  # the answers on their way: a slow network, let through once the text is cleared
    citizen.route("**/similar/", lambda route: held.append(route))
    citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了, 物业不修。")
    for _ in range(50):
        if held:
            break
        citizen.wait_for_timeout(100)
    assert held, "typing the body asked for similar messages"
    citizen.evaluate("""() => { window.listedAfterClearing = false;
        new MutationObserver(() => { if (document.querySelector("#similar a")) window.listedAfterClearing = true; })
          .observe(document.getElementById("similar"), {childList: true, subtree: true}); }""")
    # the typing's delays (800 and 1200 ms) run out: the empty text is asked, by the title and by the body
    with citizen.expect_request(_cleared_lookup("id_body")), citizen.expect_request(_cleared_lookup("id_title")):
        citizen.fill("#id_body", "")
        citizen.fill("#id_title", "")
        assert citizen.inner_text("#similar").strip() == ""  # at once, not after another round trip
    note_htmx_answers(citizen)
    citizen.unroute("**/similar/")
    for route in held:
        try:
            route.continue_()
        except Exception:  # noqa: BLE001 (a request the page dropped meanwhile: nothing to let through)
            pass
    wait_for_htmx_answer(citizen, "/similar/")  # the last one's (the others were dropped): swapped
    assert not citizen.evaluate("window.listedAfterClearing"), "the box listed a message for a cleared text"
    assert citizen.inner_text("#similar").strip() == ""


@pytest.mark.django_db(transaction=True)
def test_a_similar_box_past_the_lookup_limit_stays_as_it_was_and_the_form_still_posts(
        browser, live_server, personas, directory, settings):
    """Past MINSHENG_LOOKUPS_PER_MINUTE /similar/ answers 429 (minsheng/lookup_limits.py): htmx swaps
    nothing on an error status, so the box keeps the messages it listed, shows no error, and the
    message is still posted."""
    settings.MINSHENG_LOOKUPS_PER_MINUTE = 1
    same = _dingxi_lift(personas, directory)
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    with citizen.expect_response(lambda r: r.url.endswith("/similar/")) as first:
        citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    assert first.value.status == 200
    citizen.wait_for_selector(f"#similar a[href='/m/{same.public_id}/']")
    # what the box lists, without htmx's passing classes (htmx-added lasts until the swap settles)
    shown_html = "document.querySelector('#similar').innerHTML.replace(/ ?htmx-[a-z]+/g, '')"
    citizen.wait_for_function("!document.querySelector('#similar .htmx-added')")
    shown = citizen.evaluate(shown_html)
    note_htmx_answers(citizen)
    with citizen.expect_response(lambda r: r.url.endswith("/similar/")) as refused:
        citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了三个月, 物业不修, 老人上下楼很困难。")
    assert refused.value.status == 429 and refused.value.text() == "请求过于频繁, 请稍后再试"
    wait_for_htmx_answer(citizen, "/similar/", 429)  # htmx has done with it: swapped nothing
    assert citizen.evaluate(shown_html) == shown
    assert citizen.locator("[role=alert]").count() == 0
    post_for_help_in_chengguan(citizen)
    assert Message.objects.filter(author=personas["citizen"], title="幸福家园小区电梯坏了三个月").exists()


@pytest.mark.django_db(transaction=True)
def test_a_place_the_text_names_is_chosen_as_the_region_with_one_tap(browser, live_server, personas, directory):
    """A citizen on a phone who does not know the street's region: the body names 七里河区, the form
    offers it (「留言提到「七里河区」: 选为所在区划」) from the answer its typing asks for already, and
    one tap sets the picker to 甘肃省兰州市七里河区."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone, viewport={"width": 390, "height": 844})
    citizen.goto(f"{live_server.url}/post/")
    asked = []
    # what the page asks the server (the browser's own fetch of the favicon is no request of the form's)
    citizen.on("request", lambda r: r.resource_type in ("xhr", "fetch")
               and asked.append(r.url.removeprefix(live_server.url).split("?")[0]))
    citizen.fill("#id_title", "西津西路路灯坏了一个多月")
    citizen.fill("#id_body", "七里河区西津西路的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。")
    button = citizen.locator("#region-hint button")
    button.wait_for()
    assert "留言提到「七里河区」" in citizen.inner_text("#region-hint") and button.inner_text() == "选为所在区划"
    assert set(asked) == {"/similar/"}  # no request of its own
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 390
    assert_tall_enough(citizen, "#region-hint button")
    assert citizen.input_value("input[name=region]") == ""
    citizen.wait_for_function("() => document.querySelector('#region-hint button')['htmx-internal-data'] !== undefined")
    button.click()
    citizen.wait_for_function("document.querySelector('input[name=region]').value === '620103'")
    assert citizen.input_value("#id_region_level_1") == "620000"
    assert citizen.input_value("#id_region_level_2") == "620100"
    assert citizen.input_value("#id_region_level_3") == "620103"
    citizen.wait_for_function("() => document.getElementById('where-status').textContent.includes('七里河区')")
    assert citizen.evaluate("document.activeElement.id") == "id_region_level_3"  # not lost with the button
    button.wait_for(state="detached")  # the region is that specific now: nothing more to offer


@pytest.mark.django_db(transaction=True)
def test_a_similar_message_is_supported_from_the_box_and_enter_still_posts(browser, live_server, personas,
                                                                           directory):
    """「已有相似留言」 told the citizen to open the message (another tab) and press 我也遇到 there;
    the box now has the button. It belongs to a form of its own: as a button of the post form,
    Enter in the title would have pressed it instead of posting."""
    from minsheng.board.models import Support

    same = _dingxi_lift(personas, directory)
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了, 物业不修。")
    button = citizen.locator("#similar button:has-text('我也遇到')")
    button.wait_for()
    assert_tall_enough(citizen, "#similar button")
    citizen.press("#id_title", "Enter")  # posts the message: too short, so the form comes back
    citizen.wait_for_selector("text=请按提示修改标红的内容后重新提交")
    assert not Support.objects.exists()
    button.wait_for()  # the form came back with its text, and the box with it
    button.click()
    citizen.wait_for_url(f"**/m/{same.public_id}/")
    assert "已记录: 您也遇到了这个问题" in citizen.inner_text("main")
    same.refresh_from_db()
    assert same.support_count == 1 and Support.objects.get().user == personas["citizen"]
    assert not Message.objects.filter(author=personas["citizen"]).exists()
    # back on the form, what was typed before 我也遇到 is there again (it was lost), with its box
    citizen.goto(f"{live_server.url}/post/")
    citizen.wait_for_selector("#draft-note >> text=已恢复您在本页填写但未提交的内容")
    assert citizen.input_value("#id_title") == "幸福家园小区电梯坏了三个月"
    assert citizen.input_value("#id_body") == "我们幸福家园小区3号楼的电梯坏了, 物业不修。"
    citizen.wait_for_selector("#similar >> text=您已点过“我也遇到”")
    assert citizen.locator("#similar button").count() == 0
    citizen.click("#draft-clear")  # 清除: an empty form, also after a reload
    assert citizen.input_value("#id_title") == "" and citizen.input_value("#id_body") == ""
    citizen.reload()
    assert citizen.input_value("#id_title") == "" and citizen.locator("#draft-note").is_hidden()


@pytest.mark.django_db(transaction=True)
def test_each_我也遇到_of_the_similar_box_says_to_a_screen_reader_which_message_it_supports(
        browser, live_server, personas, directory):
    """A screen reader going through the box's buttons heard 「我也遇到」, 「我也遇到」…: which message
    each supports was only in the title above it. Each button's name now ends with its message's title."""
    from minsheng.board import actions

    first = _dingxi_lift(personas, directory)
    second = actions.do_submit(personas["other_citizen"], title="幸福家园小区电梯停运老人下不了楼",
                               body="幸福家园小区3号楼电梯停运三个月, 物业一直不修, 老人上下楼非常困难。",
                               kind="complain", region=directory["dingxi"], topic=directory["topic_build"])
    actions.do_accept(personas["dx_dispatcher"], second)
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了三个月, 物业不修, 老人上下楼很困难。")
    both = " && ".join(f"document.querySelector(\"#similar a[href='/m/{m.public_id}/']\")" for m in (first, second))
    citizen.wait_for_function(f"() => {both}")
    for message in (first, second):
        button = citizen.get_by_role("button", name=f"我也遇到: {message.public_title}", exact=True)
        assert button.count() == 1, citizen.locator("#similar").aria_snapshot()  # names as a screen reader hears them
        assert button.inner_text().startswith("我也遇到")  # what the eye reads stays as it was
        assert settled_box(citizen, button)["height"] < 60  # one line: the title is for the ear only


@pytest.mark.django_db(transaction=True)
def test_a_double_tap_on_a_similar_messages_我也遇到_sends_it_once(browser, live_server, personas, directory):
    """The box's 我也遇到 buttons stand outside the form they send (form="similar-support"), and
    only a form's own buttons were held while it was sending: a double tap posted twice, and the
    page said both 「已记录: 您也遇到了这个问题」 and 「您已经点过“我也遇到”」."""
    same = _dingxi_lift(personas, directory)
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "幸福家园小区电梯坏了三个月")
    citizen.fill("#id_body", "我们幸福家园小区3号楼的电梯坏了, 物业不修。")
    citizen.locator("#similar button:has-text('我也遇到')").wait_for()
    posts = []
    citizen.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/support/" in r.url else None)
    citizen.evaluate("""() => {  // a double tap: the second lands while the first is sending
        const button = document.querySelector("#similar button");
        button.click();
        setTimeout(() => button.click(), 5);
    }""")
    citizen.get_by_text("已记录: 您也遇到了这个问题").wait_for()  # the answer to the (first) post has loaded
    citizen.wait_for_load_state("networkidle")
    assert citizen.url == f"{live_server.url}/m/{same.public_id}/"
    assert len(posts) == 1, posts
    assert "已记录: 您也遇到了这个问题" in citizen.inner_text("main")
    assert "您已经点过" not in citizen.inner_text("main")


def phone_photo(path: Path) -> Path:
    """A JPEG as a phone makes them, about 12 MB (over the 5 MB limit): the sensor's 4000×3000
    pixels, with the EXIF orientation of a phone held upright (shown 3000×4000)."""
    from PIL import Image
    coarse = Image.frombytes("RGB", (1000, 750), os.urandom(1000 * 750 * 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show
    coarse.resize((4000, 3000), Image.BILINEAR).save(path, "JPEG", quality=100, exif=exif)
    assert path.stat().st_size > 6 * 1024 * 1024
    return path


@pytest.mark.django_db(transaction=True)
def test_a_phone_photo_over_the_limit_is_shrunk_in_the_browser_and_posted(browser, live_server, personas, directory,
                                                                          tmp_path):
    """A phone photo of 12 MB was refused with 「超过 5 MB, 请压缩后再上传」, which a citizen on a
    phone cannot do: the page shrinks it before it is sent, and says so."""
    photo = phone_photo(tmp_path / "IMG_20261205_101500.jpg")
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "小区门口路灯坏了")
    citizen.fill("#id_body", "小区门口的三盏路灯已经坏了两个星期, 晚上出入很不安全, 请尽快维修。")
    citizen.set_input_files("#id_photos", str(photo))
    note = citizen.locator("#id_photos_shrunk")
    note.get_by_text("照片已压缩").wait_for()
    said = re.fullmatch(r"照片已压缩: IMG_20261205_101500\.jpg (\d+\.\d) MB → (\d+\.\d) MB", note.inner_text())
    assert said and float(said[1]) > 10 and float(said[2]) < 5, note.inner_text()
    post_for_help_in_chengguan(citizen)
    message = Message.objects.get(title="小区门口路灯坏了")
    [stored] = Attachment.objects.filter(message=message)
    assert stored.content_type == "image/jpeg" and (stored.width, stored.height) == (1920, 2560)  # upright


@pytest.mark.django_db(transaction=True)
def test_提交_pressed_while_a_photo_is_shrunk_sends_the_shrunk_photo(browser, live_server, personas, directory,
                                                                 tmp_path):
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "小区门口路灯坏了")
    citizen.fill("#id_body", "小区门口的三盏路灯已经坏了两个星期, 晚上出入很不安全, 请尽快维修。")
    citizen.check("input[name=kind][value=help]")
    pick_region(citizen, 1, "620000")
    pick_region(citizen, 2, "620100")
    pick_region(citizen, 3, "620103")
    citizen.wait_for_function("document.querySelector('input[name=region]').value === '620103'")
    citizen.set_input_files("#id_photos", str(phone_photo(tmp_path / "IMG_0001.jpg")))
    citizen.click("form.post-form button[type=submit]")  # at once: the photo is still being shrunk
    citizen.wait_for_url(re.compile(r"/m/\d+/$"))
    [stored] = Attachment.objects.filter(message__title="小区门口路灯坏了")
    assert (stored.width, stored.height) == (1920, 2560)


@pytest.mark.django_db(transaction=True)
def test_a_file_the_browser_cannot_read_is_sent_as_picked(browser, live_server, personas, directory, tmp_path,
                                                          settings):
    """A file that is no image the browser reads (a HEIC photo where it is not supported) is not
    shrunk: it goes as it was, and the server says why it is refused."""
    settings.MINSHENG_MAX_PHOTO_BYTES = 1024 * 1024
    odd = tmp_path / "IMG_0002.jpg"
    odd.write_bytes(b"\0\0\0\x18ftypheic" + os.urandom(2 * 1024 * 1024))
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    assert citizen.get_attribute("#id_photos", "data-max-bytes") == str(1024 * 1024)  # the server's limit
    citizen.fill("#id_title", "小区门口路灯坏了")
    citizen.fill("#id_body", "小区门口的三盏路灯已经坏了两个星期, 晚上出入很不安全, 请尽快维修。")
    citizen.set_input_files("#id_photos", str(odd))
    citizen.check("input[name=kind][value=help]")
    pick_region(citizen, 1, "620000")
    pick_region(citizen, 2, "620100")
    pick_region(citizen, 3, "620103")
    citizen.wait_for_function("document.querySelector('input[name=region]').value === '620103'")
    citizen.click("form.post-form button[type=submit]")
    citizen.get_by_text("「IMG_0002.jpg」超过 1 MB: 可在手机相机设置中选较低的分辨率重拍, 或截图后上传", exact=True).wait_for()
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_screenshot_within_the_limit_is_sent_as_picked(browser, live_server, personas, directory, tmp_path):
    """A phone's screenshot (a PNG of 1290×2796, 「截图后上传」 as a refused photo is told) within the
    limit was drawn again as a JPEG of 1182×2560 for its side over 2560px: its text blurred. A file
    within the limit goes as it was picked."""
    from PIL import Image, ImageDraw
    shot = Image.new("RGB", (1290, 2796), "white")
    # a photo shown in the chat, then lines of text: 2.6 MB (a JPEG of it, 0.5 MB)
    shot.paste(Image.frombytes("RGB", (258, 200), os.urandom(258 * 200 * 3)).resize((1290, 1000)), (0, 300))
    draw = ImageDraw.Draw(shot)
    for y in range(1400, 2796, 40):
        draw.rectangle((60, y, 60 + (y * 7) % 1100, y + 18), fill="black")
    path = tmp_path / "Screenshot_20261205.png"
    shot.save(path, "PNG")
    assert 2 * 1024 * 1024 < path.stat().st_size < 5 * 1024 * 1024
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "小区门口路灯坏了")
    citizen.fill("#id_body", "小区门口的三盏路灯已经坏了两个星期, 晚上出入很不安全, 请尽快维修。")
    citizen.set_input_files("#id_photos", str(path))
    citizen.wait_for_function("document.getElementById('id_photos_shrunk').textContent === ''")
    assert citizen.evaluate("document.getElementById('id_photos').files[0].type") == "image/png"
    post_for_help_in_chengguan(citizen)
    [stored] = Attachment.objects.filter(message__title="小区门口路灯坏了")
    assert (stored.content_type, stored.width, stored.height) == ("image/png", 1290, 2796)


# counts the images being decoded at once: from createImageBitmap until the bitmap is closed
DECODES_AT_ONCE = """(() => {
  const real = window.createImageBitmap;
  window.decoding = 0;
  window.mostAtOnce = 0;
  window.createImageBitmap = function () {
    window.mostAtOnce = Math.max(window.mostAtOnce, ++window.decoding);
    return real.apply(this, arguments).then((bitmap) => {
      const close = bitmap.close.bind(bitmap);
      bitmap.close = () => { window.decoding--; close(); };
      return bitmap;
    }, (error) => { window.decoding--; throw error; });
  };
})();"""


@pytest.mark.django_db(transaction=True)
def test_photos_picked_together_are_shrunk_one_after_another(browser, live_server, personas, directory, tmp_path):
    """Six 50 MP photos picked at once were decoded at once (1.2 GB of pixels: a phone's browser closes
    the tab, and what was typed with it): each is read, drawn and let go before the next."""
    photos = [str(phone_photo(tmp_path / f"IMG_000{n}.jpg")) for n in (1, 2, 3)]
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.context.add_init_script(DECODES_AT_ONCE)
    citizen.goto(f"{live_server.url}/post/")
    citizen.set_input_files("#id_photos", photos)
    note = citizen.locator("#id_photos_shrunk")
    note.get_by_text("照片已压缩").wait_for()
    assert note.inner_text().count(" MB → ") == 3
    assert citizen.evaluate("[window.mostAtOnce, window.decoding]") == [1, 0]


@pytest.mark.django_db(transaction=True)
def test_a_long_letter_is_told_where_the_limit_cut_it(browser, live_server, personas, directory):
    """留言内容 takes 3000 characters (重办理由 300, 评价内容 500): the browser cut a longer paste
    without a word, and the end of the letter, often what is asked for, was gone unseen."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    counter = citizen.locator("#id_body ~ .counter")
    assert counter.inner_text() == "已输入 0 字, 还可输入 3000 字"
    citizen.fill("#id_body", "小区电梯坏了")
    assert counter.inner_text() == "已输入 6 字, 还可输入 2994 字"
    citizen.fill("#id_body", "小区电梯坏了三个月, 物业不修, 老人出不了门。" * 150 + "请尽快维修电梯。")  # 3458 characters
    assert len(citizen.input_value("#id_body")) == 3000
    assert counter.inner_text() == "已达 3000 字上限, 超出的部分未能输入, 请检查结尾是否完整"
    assert "已达 3000 字上限" in citizen.inner_text("#id_body ~ [role=status]")  # read out, once


@pytest.mark.django_db(transaction=True)
def test_a_letter_in_paragraphs_at_the_limit_is_taken(browser, live_server, personas, directory):
    """The box and its counter count a line break as one character; the browser sends it as CR LF:
    a letter in paragraphs that the counter called 「已达 3000 字上限」 was refused, 「内容最多 3000 字
    (现在 3088 个)」."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", TITLE)
    citizen.fill("#id_body", "\n".join(["小区电梯坏了三个月, 物业不修, 老人出不了门, 请尽快维修电梯。"] * 120))
    assert citizen.locator("#id_body ~ .counter").inner_text().startswith("已达 3000 字上限")
    post_for_help_in_chengguan(citizen)
    body = Message.objects.get(title=TITLE).body
    assert len(body) == 3000 and body.count("\n") > 70


@pytest.mark.django_db(transaction=True)
def test_a_letter_with_emoji_takes_as_many_characters_as_the_server(browser, live_server, personas, directory):
    """The box's maxlength counts UTF-16 units, an emoji as two, while the server counts characters:
    a letter with emoji stopped at 2500 of its 3000 characters, the counter said 「已达 3000 字上限」
    and the end was gone. The box now takes the server's 3000 and cuts a paste between characters,
    never within an emoji; the title alike (50)."""
    letter = "电梯坏了😀" * 700  # 3500 characters, 4200 UTF-16 units
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    counter = citizen.locator("#id_body ~ .counter")
    title = "小区电梯坏了😀" * 8  # 56 characters: the title takes 50, as the server does
    citizen.fill("#id_title", title)
    assert citizen.input_value("#id_title") == title[:50]
    citizen.focus("#id_body")
    citizen.keyboard.insert_text(letter)  # as a paste arrives
    pasted = citizen.input_value("#id_body")
    assert pasted == letter[:3000]  # Python counts code points, as the server does
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in pasted)  # no half of an emoji
    assert counter.inner_text() == "已达 3000 字上限, 超出的部分未能输入, 请检查结尾是否完整"
    citizen.fill("#id_body", letter[:2999])
    assert counter.inner_text() == "已输入 2999 字, 还可输入 1 字"
    citizen.keyboard.type("😀")  # the last character the server takes, an emoji
    assert citizen.input_value("#id_body") == letter[:3000]
    assert counter.inner_text().startswith("已达 3000 字上限")
    citizen.keyboard.insert_text("再补充一句😀")  # past the limit: nothing goes in
    assert citizen.input_value("#id_body") == letter[:3000]
    post_for_help_in_chengguan(citizen)
    assert Message.objects.get(title=title[:50]).body == letter[:3000]


@pytest.mark.django_db(transaction=True)
def test_a_one_line_input_takes_as_many_emoji_as_the_server(browser, live_server, personas, directory):
    """A one-line input's maxlength counts UTF-16 units, an emoji as two: a token's 名称 of 60
    characters, which the server takes, stopped at 30 emoji, and 昵称 (30) at 15. They now take
    the server's limit in characters (data-max-chars, forms.js), without a counter."""
    from minsheng.api.models import ApiToken

    name = "🚀数据" * 21  # 63 characters, 84 UTF-16 units
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/api/tokens/")
    citizen.focus("#token-name")
    citizen.keyboard.insert_text(name[:59])
    citizen.keyboard.type("🚀")  # the 60th character, an emoji: taken
    assert citizen.input_value("#token-name") == name[:59] + "🚀"
    citizen.keyboard.insert_text("再来一个🚀")  # past the limit: nothing goes in
    assert citizen.input_value("#token-name") == name[:59] + "🚀"
    citizen.click("form[action='/api/tokens/'] button[type=submit]")
    citizen.wait_for_selector("#new-token")
    assert ApiToken.objects.get(user=personas["citizen"]).name == name[:59] + "🚀"
    citizen.goto(f"{live_server.url}/accounts/me/")
    citizen.fill("#id_display_name", "🚀" * 31)
    assert citizen.input_value("#id_display_name") == "🚀" * 30


@pytest.mark.django_db(transaction=True)
def test_a_letter_already_past_the_limit_is_shortened_by_its_writer_not_cut(browser, live_server, personas,
                                                                             directory):
    """A letter past 3000 characters in the box (a draft restored, a letter the server sent back): each
    Backspace in it also cut what stood past the limit — near the start the letter's end, further in
    as many characters before the caret —; and typing at its start left 3001 characters, still refused."""
    letter = "".join(f"{i:04d}" for i in range(763))[:3050]  # every place tells its characters apart
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.eval_on_selector("#id_body", "(box, text) => { box.value = text; box.focus(); "
                                         "box.setSelectionRange(5, 5); }", letter)
    citizen.keyboard.press("Backspace")
    assert citizen.input_value("#id_body") == letter[:4] + letter[5:]  # that one character, nothing else
    citizen.eval_on_selector("#id_body", "box => box.setSelectionRange(0, 0)")
    citizen.keyboard.type("再")
    assert citizen.input_value("#id_body") == ("再" + letter[:4] + letter[5:])[:3000]  # the server's 3000


@pytest.mark.django_db(transaction=True)
def test_a_word_chosen_past_the_limit_is_cut_in_the_draft_too(browser, live_server, personas, directory):
    """A 拼音 word chosen at the limit: Chromium's last input event comes while it is still being
    composed, and the box cut it at compositionend, after the draft was saved: the draft kept the
    letter past 3000 characters, and brought it back so (refused by the server)."""
    letter = "小区电梯坏了三个月" * 400
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.eval_on_selector("#id_body", """(box, text) => {
        box.focus(); box.value = text.slice(0, 2999) + "电梯"; box.setSelectionRange(3001, 3001);
        box.dispatchEvent(new InputEvent("input", { bubbles: true, isComposing: true, data: "电梯" }));
        box.dispatchEvent(new CompositionEvent("compositionend", { bubbles: true, data: "电梯" }));
    }""", letter)
    assert citizen.input_value("#id_body") == letter[:2999] + "电"
    draft = citizen.evaluate("""() => { for (let i = 0; i < sessionStorage.length; i++) {
        const key = sessionStorage.key(i);
        if (key.endsWith(":post")) return JSON.parse(sessionStorage.getItem(key)).body; } }""")
    assert draft == letter[:2999] + "电"


@pytest.mark.django_db(transaction=True)
def test_a_draft_left_on_a_shared_computer_is_not_shown_to_the_next_citizen(browser, live_server, personas, directory):
    """The post form's draft is kept in the tab: a citizen who typed their name and phone,
    did not post and signed out left it there, and the next one to sign in on that computer
    (a library's, a community centre's) found it restored on 我要留言."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.fill("#id_title", "小区门口的路灯坏了很久")
    citizen.fill("#id_body", "联系人: 李明, 电话 13912345678, 路灯坏了三个星期了。")
    citizen.click("header form.inline button")  # 退出, in the same tab
    citizen.wait_for_load_state("networkidle")
    assert citizen.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:'))") == []
    sign_in(citizen, live_server, personas["other_citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    citizen.wait_for_load_state("load")
    assert citizen.input_value("#id_title") == "" and citizen.input_value("#id_body") == ""
    assert citizen.locator("#draft-note").is_hidden()


def _type_a_post_draft(page, live_server) -> None:
    page.goto(f"{live_server.url}/post/")
    page.fill("#id_title", "小区门口的路灯坏了很久")
    page.fill("#id_body", "联系人: 李明, 电话 13912345678, 路灯坏了三个星期了。")
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:draft'))") != []


@pytest.mark.django_db(transaction=True)
def test_closing_the_account_or_the_退出_page_drops_the_tabs_drafts(browser, live_server, personas, directory):
    """注销账号 signs the tab out as 退出 does, but its draft of 我要留言 (a name, a phone number)
    stayed in the tab for the next person at that computer; so did one left by the 退出登录 page's button."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    _type_a_post_draft(citizen, live_server)
    citizen.goto(f"{live_server.url}/accounts/me/close/")
    citizen.fill("input[name=password]", PASSWORD)
    citizen.click("main form button[type=submit]")
    citizen.wait_for_load_state("networkidle")
    assert citizen.url.endswith("/accounts/closed/") and "账号已注销" in citizen.content()
    assert citizen.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:'))") == []

    other = signed_in_page(browser, live_server, personas["other_citizen"].phone)
    _type_a_post_draft(other, live_server)
    other.goto(f"{live_server.url}/accounts/logout/")
    other.click("main form button[type=submit]")
    other.wait_for_load_state("networkidle")
    assert other.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:'))") == []


@pytest.mark.django_db(transaction=True)
def test_a_post_draft_kept_under_the_old_key_still_comes_back(browser, live_server, personas, directory):
    """The post form kept its draft under minsheng:post-draft:<user> until 2026-12-03: a tab open
    over the upgrade finds it again (under the drafts' own key now)."""
    citizen = signed_in_page(browser, live_server, personas["citizen"].phone)
    citizen.goto(f"{live_server.url}/post/")
    uid = personas["citizen"].pk
    citizen.evaluate("""uid => sessionStorage.setItem("minsheng:post-draft:" + uid,
        JSON.stringify({title: "小区门口的路灯坏了很久", body: "", address: ""}))""", uid)
    citizen.reload()
    citizen.wait_for_selector("#draft-note >> text=已恢复您在本页填写但未提交的内容")
    assert citizen.input_value("#id_title") == "小区门口的路灯坏了很久"
    assert citizen.evaluate("Object.keys(sessionStorage)") == [f"minsheng:draft:{uid}:post"]


@pytest.mark.django_db(transaction=True)
def test_a_reply_pasted_over_the_limit_is_not_cut_but_refused(browser, live_server, personas, directory):
    """The reply box cut a pasted reply at its limit without a word (maxlength), and the
    rest, often the contact number at its end, was lost from the published answer."""
    from minsheng.board import actions

    message = actions.do_submit(personas["citizen"], title=TITLE, body=BODY, kind="help", region=directory["qilihe"])
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"])
    actions.do_sign(personas["officer"], message, directory["housing"])
    officer = signed_in_page(browser, live_server, "officer")
    officer.goto(f"{live_server.url}/staff/case/{message.public_id}/")
    pasted = REPLY * 200 + "联系电话 0931-8888888"
    officer.focus("#reply-form textarea[name=body]")
    officer.keyboard.insert_text(pasted)  # as a paste arrives
    assert officer.eval_on_selector("#reply-form textarea[name=body]", "e => e.value.length") == len(pasted) > 10_000
    officer.click("#reply-form button:has-text('发布答复')")
    officer.wait_for_selector("text=答复内容不能超过 10000 字")
    assert not Reply.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_reply_preview_says_when_it_could_not_be_made(browser, live_server, personas, directory):
    """预览 did nothing when the request failed (a lost connection, a server error, a page whose token
    expired), and put the whole login page into the reply form once the officer was signed out."""
    from minsheng.board import actions

    message = actions.do_submit(personas["citizen"], title=TITLE, body=BODY, kind="help", region=directory["qilihe"])
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"])
    actions.do_sign(personas["officer"], message, directory["housing"])
    officer = signed_in_page(browser, live_server, "officer")
    officer.goto(f"{live_server.url}/staff/case/{message.public_id}/")
    officer.fill("#reply-form textarea[name=body]", REPLY)
    preview = "#reply-form button:has-text('预览')"
    officer.route("**/reply/preview/", lambda route: route.fulfill(status=500, body="oops"))
    officer.click(preview)
    officer.wait_for_selector("#reply-preview [role=alert]:has-text('服务器暂时出错 (500), 未能预览')")
    officer.unroute("**/reply/preview/")
    officer.route("**/reply/preview/", lambda route: route.abort())
    officer.click(preview)
    officer.wait_for_selector("#reply-preview [role=alert]:has-text('网络连接失败, 未能预览')")
    officer.unroute("**/reply/preview/")
    context = officer.context
    context.add_cookies([{**c, "value": "expired"} for c in context.cookies() if c["name"] == "sessionid"])
    officer.click(preview)
    officer.wait_for_selector("#reply-preview:has-text('登录已失效, 未能预览')")
    assert officer.locator("#reply-preview input[name=password]").count() == 0
    assert officer.input_value("#reply-form textarea[name=body]") == REPLY
    context.clear_cookies()  # no CSRF cookie: the token of the page no longer holds (403)
    officer.click(preview)
    officer.wait_for_selector("#reply-preview [role=alert]:has-text('页面已过期, 未能预览')")
    assert not Reply.objects.exists()


def _officer_on_a_signed_case(browser, live_server, personas, directory):
    """(message, the officer's page on its case, the case's URL): a citizen's message dispatched to
    the officer's unit and signed, the officer signed in on its case page."""
    from minsheng.board import actions

    message = actions.do_submit(personas["citizen"], title=TITLE, body=BODY, kind="help", region=directory["qilihe"])
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"])
    actions.do_sign(personas["officer"], message, directory["housing"])
    case_url = f"{live_server.url}/staff/case/{message.public_id}/"
    officer = signed_in_page(browser, live_server, "officer")
    officer.goto(case_url)
    return message, officer, case_url


@pytest.mark.django_db(transaction=True)
def test_a_reply_draft_outlives_a_session_that_ran_out_and_goes_once_published(browser, live_server, personas,
                                                                                 directory):
    """An officer whose session had run out pressed 发布答复: the post went to the login page and
    the reply typed was gone. The case page's forms keep their text in the tab: signed in again,
    the officer is back on the case with the reply (and the 退单 reason) restored, and publishing
    drops the draft."""
    from django.contrib.sessions.models import Session

    message, officer, case_url = _officer_on_a_signed_case(browser, live_server, personas, directory)
    officer.fill("#reply-form textarea[name=body]", REPLY)
    officer.fill("form[action$='/return/'] textarea[name=reason]", "该路段不归本局管理")
    Session.objects.all().delete()  # the session ran out on the server
    officer.click("#reply-form button:has-text('发布答复')")
    officer.wait_for_url("**/accounts/login/**")
    assert not Reply.objects.exists()
    officer.fill("input[name=username]", "officer")
    officer.fill("input[name=password]", PASSWORD)
    officer.click("form.stack button[type=submit]")
    officer.wait_for_url(case_url)  # back on the case page, not a 405 at the reply's address
    officer.wait_for_selector("#reply-form [data-draft-note]:has-text('已恢复您在本页填写但未提交的草稿')")
    assert officer.input_value("#reply-form textarea[name=body]") == REPLY
    assert officer.input_value("form[action$='/return/'] textarea[name=reason]") == "该路段不归本局管理"
    assert officer.locator("form[action$='/return/'] [data-draft-note]").is_visible()
    officer.click("#reply-form button:has-text('发布答复')")
    officer.wait_for_selector("text=答复已公开发布")
    assert Reply.objects.get(message=message).body == REPLY
    drafts = "Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:draft'))"
    assert officer.evaluate(drafts) == [f"minsheng:draft:{personas['officer'].pk}:return:{message.pk}"]
    officer.click("header form.inline button")  # 退出: the officer's drafts go with them
    officer.wait_for_load_state("networkidle")
    assert officer.evaluate(drafts) == []


@pytest.mark.django_db(transaction=True)
def test_a_cleared_staff_draft_stays_cleared_and_a_refused_reply_keeps_it(browser, live_server, personas, directory):
    """清除 empties the form for good; a reply the server refused (not in Chinese) stays the draft."""
    message, officer, case_url = _officer_on_a_signed_case(browser, live_server, personas, directory)
    officer.fill("#reply-form textarea[name=body]", "Received, we will look into it.")
    officer.click("#reply-form button:has-text('发布答复')")
    officer.wait_for_selector("text=答复内容没有中文")
    officer.goto(case_url)
    officer.wait_for_selector("#reply-form [data-draft-note]:has-text('已恢复')")
    assert officer.input_value("#reply-form textarea[name=body]") == "Received, we will look into it."
    officer.click("#reply-form [data-draft-clear]")
    assert officer.input_value("#reply-form textarea[name=body]") == ""
    officer.reload()
    officer.wait_for_load_state("load")
    assert officer.input_value("#reply-form textarea[name=body]") == ""
    assert officer.locator("#reply-form [data-draft-note]").is_hidden()


def test_a_double_click_sends_a_form_once(browser, live_server, personas):
    """Two quick clicks on 登录 (or 派单, 答复) post once: the second would count as a second
    sign-in failure, or meet 「刚刚被其他人处理过」 on a case."""
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", "wrong-password")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.evaluate("""() => {  // a person's double click: the second lands while the first is sending
        const button = document.querySelector("form.stack button[type=submit]");
        button.click();
        setTimeout(() => button.click(), 5);
    }""")
    page.get_by_text("手机号/邮箱或密码不正确").wait_for()  # the answer to the first post has loaded
    page.wait_for_load_state("networkidle")
    assert len(posts) == 1
    assert page.is_enabled("form.stack button[type=submit]")  # a new page: the button works again


@pytest.mark.django_db(transaction=True)
def test_the_merge_candidates_are_targets_a_finger_can_hit(browser, live_server, personas, directory):
    """On a phone the 并单 candidates were a bullet, an 18px radio and a wrapped title each,
    their lines 24px apart, with a 20px 查看 link: a thumb picked the neighbour."""
    from minsheng.board import actions
    from minsheng.insight import lookup

    lookup.clear_cache()
    body = "七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。"
    first, second = (actions.do_submit(personas["citizen"], title=title, body=body, kind="complain",
                                       region=directory["qilihe"])
                     for title in ("幸福家园小区3号楼电梯坏了三个月", "幸福家园小区3号楼电梯三个月没人修"))
    actions.do_accept(personas["dispatcher"], first)
    page = signed_in_page(browser, live_server, personas["dispatcher"].username,
                          viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/staff/case/{second.public_id}/")
    candidate = page.locator(f"ul.duplicates li:has(input[value='{first.public_id}'])")
    assert candidate.evaluate("li => getComputedStyle(li).listStyleType") == "none"  # the radio is the marker
    assert candidate.locator("label").bounding_box()["height"] >= 40
    assert candidate.get_by_role("link", name="查看").bounding_box()["height"] >= 40
    candidate.locator("label").click(position={"x": 200, "y": 5})  # the label's top edge, on its text
    assert page.is_checked(f"input[name=pick][value='{first.public_id}']")
    lookup.clear_cache()


# --- what a phone and a desk draw: separators, dates, names --------------------------------

# every 「·」 of the page's text that begins or ends a drawn line: the nearest character before
# it (or after it) sits on another line, or there is none
TEXT_SEPARATORS_AT_LINE_EDGES = """() => {
  const rectOf = ([n, i]) => {
    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    const rs = r.getClientRects(); return rs.length ? rs[0] : null;
  };
  const sameLine = (a, b) => Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2) < Math.min(a.height, b.height) / 2;
  const chars = [];
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode())
    if (n.parentElement.checkVisibility())
      for (let i = 0; i < n.data.length; i++) if (!/\\s/.test(n.data[i])) chars.push([n, i]);
  const found = [];
  chars.forEach((c, k) => {
    const me = c[0].data[c[1]] === "·" && rectOf(c); if (!me || !me.height) return;
    const before = k > 0 && rectOf(chars[k - 1]), after = k + 1 < chars.length && rectOf(chars[k + 1]);
    if (!before || !sameLine(before, me) || !after || !sameLine(me, after))
      found.push(c[0].parentElement.closest("p, div, li, td, th, span").innerText);
  });
  return found;
}"""

# a 「·」 a style draws (content: "·" before or after an element): mark them, and return, for each
# element holding such separators, its box and its text's line boxes, in page coordinates; then
# paint every text, background and border of the page transparent and only those 「·」 black
DRAWN_SEPARATORS = """() => {
  const lists = new Map();
  for (const el of document.querySelectorAll("main *"))
    for (const pseudo of ["::before", "::after"])
      if (/^"\\s*·\\s*"$/.test(getComputedStyle(el, pseudo).content)) {  // a 「·」 alone, not a label holding one
        el.dataset.separator = "";
        lists.set(el.parentElement, true);
      }
  const page = r => [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
  const out = [...lists.keys()].map(list => {
    const lines = [];
    const walk = document.createTreeWalker(list, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.data.trim()) continue;
      const r = document.createRange(); r.selectNodeContents(n);
      for (const box of r.getClientRects()) if (box.width > 0) lines.push(page(box));
    }
    return {box: page(list.getBoundingClientRect()), text: list.innerText, lines};
  });
  const style = document.createElement("style");
  style.textContent = `* { color: transparent !important; background: transparent !important; border-color: transparent !important;
                           text-decoration-color: transparent !important; box-shadow: none !important; outline: none !important; }
                       [data-separator]::before, [data-separator]::after { color: #000 !important; }`;
  document.head.append(style);
  return out;
}"""


def separators_at_line_edges(page) -> list[str]:
    """The text of each list on ``page`` where a reader sees a 「·」 begin or end a line: in the
    page's text, or drawn by a style (found in a screenshot where only those are painted)."""
    import io

    from PIL import Image

    found = page.evaluate(TEXT_SEPARATORS_AT_LINE_EDGES)
    lists = page.evaluate(DRAWN_SEPARATORS)
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    page.reload()  # the page as it was, for what the test does next
    for drawn in lists:
        left, top, right, bottom = (round(v) for v in drawn["box"])
        for y in range(max(top, 0), min(bottom, shot.height)):
            for x in range(max(left - 30, 0), min(right + 30, shot.width)):
                if shot.getpixel((x, y)) > 100:
                    continue  # not a dot's ink
                on_line = [b for b in drawn["lines"] if b[1] <= y <= b[3]]
                if not any(b[2] <= x for b in on_line) or not any(b[0] >= x for b in on_line):
                    found.append(drawn["text"])  # nothing of the list before it, or after it, on its line
                    break
            else:
                continue
            break
    return found


def wrapped_lists(page, selector) -> int:
    """How many of the ``selector`` lists take more than one line."""
    return page.evaluate("""sel => [...document.querySelectorAll(sel)].filter(list =>
        new Set([...list.children].map(c => Math.round(c.getBoundingClientRect().top))).size > 1).length""", selector)


@pytest.mark.django_db(transaction=True)
def test_no_line_of_a_message_list_begins_or_ends_with_a_separator_on_a_phone(browser, live_server, personas,
                                                                               directory):
    """At 390px a message's 「region · 致 … · topic · date」 wrapped as the words fell, and the
    next line could open on a lone 「·」 (the list, /browse/, the staff case page)."""
    from minsheng.board import actions
    from minsheng.directory.models import Addressee

    d = directory
    titles = ("兰州市市长", "七里河区人民政府区长", "兰州市人民政府分管城建的副市长", "兰州市住房和城乡建设局局长")
    for n, title in enumerate(titles):
        to, _ = Addressee.objects.get_or_create(title=title, region=d["lanzhou"], defaults={"unit": d["center"]})
        m = actions.do_submit(personas["citizen"], title=f"敦煌路{n + 1}号楼电梯停运", body="电梯停了两周, 老人下不了楼。",
                              kind="complain", region=d["qilihe"], addressee=to, topic=d["topic_build"])
        actions.do_dispatch(personas["dispatcher"], m, d["housing"])
        if n % 2:
            actions.do_support(personas["other_citizen"], m)
    visitor = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    visitor.goto(f"{live_server.url}/browse/")
    assert wrapped_lists(visitor, "ul.msglist .meta") >= 2  # the case this is about: lists that wrap
    assert separators_at_line_edges(visitor) == []

    officer = signed_in_page(browser, live_server, "officer", viewport={"width": 390, "height": 844})
    officer.goto(f"{live_server.url}/staff/case/{m.public_id}/")
    assert wrapped_lists(officer, ".case-head .meta") >= 1
    assert separators_at_line_edges(officer) == []
    officer.goto(f"{live_server.url}/staff/")
    assert separators_at_line_edges(officer) == []


# each date, time and badge drawn on more than one line
VALUES_CUT_IN_TWO = r"""() => {
  const lines = rects => new Set([...rects].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const cut = [];
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode())
    for (const m of n.data.matchAll(/\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?|\d{2}-\d{2} \d{2}:\d{2}/g)) {
      const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
      if (lines(r.getClientRects()) > 1) cut.push(m[0]);
    }
  for (const badge of document.querySelectorAll("main .badge, main .overdue"))
    if (lines(badge.getClientRects()) > 1 || badge.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(badge).lineHeight))
      cut.push(badge.innerText);
  return cut;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_supervisors_dates_stay_whole_on_a_desk_and_the_page_fits_a_phone(browser, live_server, personas,
                                                                              directory):
    """At 1280px the 督办 page's extension table drew 「2026-12-」 over 「11」 and 「12-02」 over
    「11:20」: the title, unit and reason columns took the width the dates needed."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board import actions
    from minsheng.board.models import Assignment, Message

    d, officer = directory, personas["officer"]
    for n, reason in enumerate(("需要召开业主协调会, 听取各楼栋住户对施工方案的意见",
                                "需要等待第三方检测机构出具电梯安全评估报告后再答复")):
        m = actions.do_submit(personas["citizen"], title=f"建议尽快公开敦煌路{n + 1}号楼老旧电梯更换的资金来源",
                              body="电梯老化严重, 希望尽快更换。", kind="suggest", region=d["qilihe"],
                              topic=d["topic_build"])
        actions.do_dispatch(personas["dispatcher"], m, d["housing"])
        actions.do_sign(officer, Message.objects.get(pk=m.pk), d["housing"])
        actions.do_request_extension(officer, Message.objects.get(pk=m.pk), d["housing"], 10, reason)
    late = actions.do_submit(personas["citizen"], title="七里河区某小区加装电梯审批半年没有进展", body="审批一直没有消息。",
                             kind="complain", region=d["qilihe"], topic=d["topic_build"])
    actions.do_dispatch(personas["dispatcher"], late, d["housing"], at=timezone.now() - dt.timedelta(days=60))
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=late.pk), "该件已超期, 请抓紧办理并答复群众")
    soon = actions.do_submit(personas["citizen"], title="七里河区西湖街道老旧小区雨污分流改造工程进度何时公开",
                             body="施工已经停了一个月。", kind="suggest", region=d["qilihe"], topic=d["topic_build"])
    actions.do_dispatch(personas["dispatcher"], soon, d["housing"])
    Assignment.objects.filter(message=soon).update(due_at=timezone.now() + dt.timedelta(days=1))  # 即将到期

    desk = signed_in_page(browser, live_server, "supervisor", viewport={"width": 1280, "height": 900})
    desk.goto(f"{live_server.url}/staff/supervision/")
    assert desk.locator("#extensions tbody tr").count() == 2 and desk.locator("#supervised tbody tr").count() == 1
    assert desk.locator("#due-soon tbody tr").count() == 1
    assert desk.evaluate(VALUES_CUT_IN_TWO) == []
    phone = signed_in_page(browser, live_server, "supervisor", viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/staff/supervision/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
    assert phone.evaluate(VALUES_CUT_IN_TWO) == []


# each name or 「置信度 0.93」 of ``names`` drawn on more than one line
NAMES_CUT_IN_TWO = r"""names => {
  const cut = [];
  const walk = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.parentElement.checkVisibility()) continue;
    const found = [...n.data.matchAll(/置信度\s[\d.]+/g)].map(m => [m.index, m[0]]);
    for (const name of names) for (let i = n.data.indexOf(name); i >= 0; i = n.data.indexOf(name, i + 1)) found.push([i, name]);
    for (const [at, what] of found) {
      const r = document.createRange(); r.setStart(n, at); r.setEnd(n, at + what.length);
      if (new Set([...r.getClientRects()].filter(b => b.width > 0).map(b => Math.round(b.top))).size > 1) cut.push(what);
    }
  }
  return cut;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_dispatch_form_keeps_unit_names_and_confidences_whole(browser, live_server, personas, directory):
    """The case page's 机器阅读 drew 「(置」 over 「信度 0.63)」 on a phone, and the dispatch hint
    「兰州市住房和城乡建」 over 「设局」 in its narrow column on a desk."""
    from minsheng.board import actions
    from minsheng.board.models import Message

    d = directory
    m = actions.do_submit(personas["citizen"], title="七里河区敦煌路小区冬季供暖温度一直不达标",
                          body="今年冬天暖气片摸着是凉的, 屋里只有十几度, 老人孩子都冻感冒了。",
                          kind="help", region=d["qilihe"], addressee=d["mayor"], topic=d["topic_build"])
    Message.objects.filter(pk=m.pk).update(predicted_topic=d["topic_build"], topic_confidence=0.93,
                                           predicted_kind="complain", kind_confidence=0.63)
    names = [u.name for u in (d["housing"], d["ecology"], d["transport"])]
    for width in (390, 1280):
        page = signed_in_page(browser, live_server, "dispatcher", viewport={"width": width, "height": 900})
        page.goto(f"{live_server.url}/staff/case/{m.public_id}/")
        assert "置信度 0.63" in page.inner_text(".machine-reading") and d["housing"].name in page.inner_text(".suggestion")
        assert page.evaluate(NAMES_CUT_IN_TWO, names) == [], width
        assert separators_at_line_edges(page) == [], width


@pytest.mark.django_db(transaction=True)
def test_the_overdue_list_shows_the_deadline_and_days_late_without_a_swipe_on_a_phone(browser, live_server, personas,
                                                                                        directory):
    """At 390px /stats/overdue/'s seven columns scrolled inside their box: the deadline was a
    sideways swipe away, and no column said how late a case was. Each case is a card now."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board import actions

    late = actions.do_submit(personas["citizen"], title="七里河区某小区加装电梯审批半年没有进展", body="审批一直没有消息。",
                             kind="complain", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], late, directory["housing"], at=timezone.now() - dt.timedelta(days=60))
    phone = signed_in_page(browser, live_server, "supervisor", viewport={"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/stats/overdue/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    for label in ("答复期限", "超期天数", "主办单位"):
        cell = phone.locator(f'tbody td[data-label="{label}"]').first
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{label} is off the screen: {box}"
    assert re.fullmatch(r"\d+ 个工作日", phone.locator('tbody td[data-label="超期天数"]').first.inner_text().strip())
    assert phone.evaluate(VALUES_CUT_IN_TWO) == []


@pytest.mark.django_db(transaction=True)
def test_a_rating_comment_and_a_reopen_reason_outlive_a_session_that_ran_out(browser, live_server, personas,
                                                                              directory):
    """A citizen whose session had run out (or who signed out in another tab) pressed 提交评价 or
    申请重办: the post went to the login page and the comment or reason typed was gone. Both forms
    keep their text in the tab as the post form does: signed in again, the citizen is back on the
    form with it, and sending it drops the draft."""
    from django.contrib.sessions.models import Session

    from .test_citizen_pages import replied, submit

    message = submit(personas["citizen"], directory)
    replied(personas, directory, message)
    page = signed_in_page(browser, live_server, personas["citizen"].phone, has_touch=True,
                          viewport={"width": 390, "height": 844})
    drafts = "Object.keys(sessionStorage).filter(k => k.startsWith('minsheng:draft'))"

    def resend_after_signing_in_again(url, field, text):
        page.goto(url)
        page.fill(f"textarea[name={field}]", text)
        Session.objects.all().delete()  # the session ran out on the server
        page.click("main form.stack button[type=submit]")
        page.wait_for_url("**/accounts/login/**")
        page.fill("input[name=username]", personas["citizen"].phone)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_url(url)
        page.wait_for_selector("[data-draft-note]:has-text('已恢复您在本页填写但未提交的草稿')")
        assert page.input_value(f"textarea[name={field}]") == text

    rate_url = f"{live_server.url}/m/{message.public_id}/rate/"
    resend_after_signing_in_again(rate_url, "comment", "路灯到现在还是不亮, 没有人来修")
    for aspect in ("resolution", "attitude", "speed"):
        page.check(f"input[name={aspect}][value=unsatisfied]")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("text=感谢您的评价")
    assert Evaluation.objects.get(message=message).comment == "路灯到现在还是不亮, 没有人来修"
    assert page.evaluate(drafts) == []

    reopen_url = f"{live_server.url}/m/{message.public_id}/reopen/"
    resend_after_signing_in_again(reopen_url, "reason", "路灯仍然不亮, 请重新办理")
    page.click("main form.stack button[type=submit]")
    page.wait_for_selector("text=已申请重办")
    message.refresh_from_db()
    assert message.reopen_count == 1 and page.evaluate(drafts) == []


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_finds_a_region_of_the_statistics_filter_by_its_pinyin_initials(browser, live_server, personas):
    """/stats/'s 区划 filter lists every region: 「qlh」 typed in its 查找 box leaves 七里河区 (and the
    region chosen), and
    查看 shows its figures; without scripts the box is not there and the whole list still works."""
    page = signed_in_page(browser, live_server, "supervisor", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/stats/")
    box = page.locator("#region-q-region")
    assert box.is_visible() and box.get_attribute("placeholder") == "输入名称或拼音首字母, 如 qlh"
    assert page.locator("#id_region option").count() == 6
    box.press_sequentially("qlh")
    # 七里河区, and 甘肃省, chosen as the page opened (the home region) and kept
    page.wait_for_function("document.querySelectorAll('#id_region option').length === 3")
    assert page.inner_text("#region-found-region") == "找到 1 个区划"
    sends_nothing(page, lambda: box.press("Enter"))  # the box is not part of the filters' form
    assert "region=" not in page.url
    page.select_option("#id_region", "620103")
    page.click(".stats-filters button[type=submit]")
    page.wait_for_url("**region=620103**")
    assert page.eval_on_selector("#id_region", "s => s.options[s.selectedIndex].text").strip() == "七里河区"

    plain = browser.new_context(java_script_enabled=False, locale="zh-CN").new_page()
    plain.goto(f"{live_server.url}/stats/")
    assert not plain.locator("#region-q-region").is_visible()
    plain.select_option("#id_region", "620103")
    plain.click(".stats-filters button[type=submit]")
    assert "region=620103" in plain.url


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_finds_the_lead_unit_by_its_pinyin_initials(browser, live_server, personas, directory):
    """The 主办单位 box lists every unit of the prefecture: 「zjj」 typed in its 查找 box leaves
    住建局 (chosen as it was) and Enter there sends nothing (in the 派单 form it would dispatch)."""
    from minsheng.board import actions
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status

    m = actions.do_submit(personas["citizen"], title="七里河区小区加装电梯", body="老旧小区没有电梯, 老人上下楼困难。" * 2,
                          kind="help", region=directory["qilihe"])
    page = signed_in_page(browser, live_server, "dispatcher", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/staff/case/{m.public_id}/")
    box = page.locator("#unit-q-lead")
    assert box.is_visible() and box.get_attribute("placeholder").startswith("输入名称或拼音首字母")
    assert page.locator("#id_lead option").count() > 3
    box.press_sequentially("zjj")
    page.wait_for_function("document.querySelectorAll('#id_lead option').length === 2")
    assert page.inner_text("#unit-found-lead") == "找到 1 个单位"  # a live region: read out by a screen reader
    page.select_option("#id_lead", str(directory["housing"].pk))
    box.fill("")
    box.press_sequentially("jiaotong")
    page.wait_for_function("document.querySelectorAll('#id_lead option').length === 3")  # 交通运输局, and the chosen
    assert page.eval_on_selector("#id_lead", "s => s.options[s.selectedIndex].text") == directory["housing"].name
    sends_nothing(page, lambda: box.press("Enter"))
    assert Message.objects.get(pk=m.pk).status == Status.SUBMITTED and "/staff/case/" in page.url


# each number of a link in the inbox's summary line drawn against the words beside it (no space between)
NUMBERS_AGAINST_WORDS = r"""() => {
  const stuck = [];
  for (const b of document.querySelectorAll("main p.summary a b")) {
    const box = b.getBoundingClientRect();
    for (const side of [b.previousSibling, b.nextSibling]) {
      if (!side || side.nodeType !== Node.TEXT_NODE || !side.data.trim()) continue;
      const r = document.createRange(); r.selectNodeContents(side);
      const words = r.getBoundingClientRect();
      const gap = side === b.previousSibling ? box.left - words.right : words.left - box.right;
      if (gap < 2) stuck.push(b.parentElement.innerText);
    }
  }
  return stuck;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_inbox_summary_keeps_its_numbers_apart_from_their_words_on_a_phone(browser, live_server, personas,
                                                                            directory):
    """At 390px the summary's links (已超期, 签收超期, 督办) are flex boxes for a finger's height, and a flex box
    drops the spaces at its text's edges: 「已超期113件」 beside 「待签收 438 件」 (QA walk of 2026-12-05)."""
    from minsheng.board import actions

    m = actions.do_submit(personas["citizen"], title="敦煌路小区电梯停运", body="电梯停了两周, 老人下不了楼。",
                          kind="complain", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    officer = signed_in_page(browser, live_server, "officer", viewport={"width": 390, "height": 844})
    officer.goto(f"{live_server.url}/staff/")
    assert officer.locator("main p.summary a b").count() == 7  # every count a link (待签收, 办理中, 协办 since 2026-12-06)
    assert officer.evaluate(NUMBERS_AGAINST_WORDS) == []


def test_the_units_of_the_dispatch_form_follow_the_topic_the_dispatcher_chooses(browser, live_server, personas,
                                                                                 directory):
    """Read as 交通运输 (交通运输局 preselected), corrected to 城乡建设: the lead becomes 住建局 with its reason
    line, as soon as the 领域 is chosen (htmx). A lead then chosen by hand stays when the 领域 changes again,
    the table's units offered with 采用建议 (44px high on a phone, as every button), which takes them; 派单 sends the case
    there (docs/routing.md, 「The dispatcher changes the topic」)."""
    from django.utils import timezone

    from minsheng.board import actions
    from minsheng.board.models import Assignment

    d = directory
    m = actions.do_submit(personas["citizen"], title="七里河区小区门口的路面塌陷", kind="help", region=d["qilihe"],
                          body="七里河区某小区门口的路面塌陷了一个大坑, 已经两个星期没人修, 晚上经过很危险, 请尽快处理。")
    actions.do_accept(personas["dispatcher"], m)
    Message.objects.filter(pk=m.pk).update(predicted_topic=d["topic_traffic"], topic_confidence=0.93,
                                           classified_at=timezone.now())
    page = signed_in_page(browser, live_server, "dispatcher")
    page.goto(f"{live_server.url}/staff/case/{m.public_id}/")
    lead = "#dispatch-form select[name=lead]"
    assert page.input_value(lead) == str(d["transport"].pk)

    def choose_topic(topic):
        page.wait_for_function("() => document.querySelector('#id_topic')['htmx-internal-data'] !== undefined")
        with page.expect_response(lambda r: r.url.endswith("/dispatch/suggest/")):
            page.select_option("#id_topic", str(topic.pk))
        page.wait_for_function("() => !document.querySelector('#dispatch-form.htmx-request, #dispatch-form .htmx-added')")

    choose_topic(d["topic_build"])
    page.wait_for_function(f"() => document.querySelector('{lead}').value === '{d['housing'].pk}'")
    suggestion = page.inner_text("#dispatch-suggestion")
    assert "建议主办单位: 兰州市住房和城乡建设局" in suggestion and "兰州市 · 城乡建设 → 兰州市住房和城乡建设局" in suggestion
    # 查找主办单位 still there after the swap (shown once htmx has settled the new form: htmx:load)
    page.wait_for_selector("#dispatch-form [data-unit-search]", state="visible")

    page.select_option(lead, str(d["center"].pk))  # by hand
    choose_topic(d["topic_env"])
    page.wait_for_selector("#dispatch-form button[name=adopt]")
    assert page.input_value(lead) == str(d["center"].pk)
    assert "按所选领域建议: 主办 兰州市生态环境局" in page.inner_text("#dispatch-form .resuggested")
    adopt = page.locator("#dispatch-form button[name=adopt]")
    assert adopt.bounding_box()["height"] >= 44  # a phone's button (tests/test_touch_targets.py)
    assert page.locator("#dispatch-form button[name=resuggest]").bounding_box()["height"] >= 44
    with page.expect_response(lambda r: r.url.endswith("/dispatch/suggest/")):
        adopt.click()
    page.wait_for_function(f"() => document.querySelector('{lead}').value === '{d['ecology'].pk}'")
    page.click("#dispatch-form button:text-is('派单')")
    page.wait_for_selector("text=已派单至兰州市生态环境局")
    assert Assignment.objects.get(message=m, role=Assignment.Role.LEAD).unit == d["ecology"]
    assert Message.objects.get(pk=m.pk).topic == d["topic_env"]


def _case_page_holding_the_suggestions(browser, live_server, personas, d):
    """A dispatcher on an accepted case's page, the 领域's suggestion requests held (each route kept in
    ``held``, answered when the test says so)."""
    from minsheng.board import actions

    m = actions.do_submit(personas["citizen"], title="七里河区小区门口的路面塌陷", kind="help", region=d["qilihe"],
                          topic=d["topic_traffic"], body="七里河区某小区门口的路面塌陷了一个大坑, 晚上经过很危险。")
    actions.do_accept(personas["dispatcher"], m)
    page = signed_in_page(browser, live_server, "dispatcher")
    page.goto(f"{live_server.url}/staff/case/{m.public_id}/")
    held = []
    page.route("**/dispatch/suggest/", lambda route: held.append(route))
    return m, page, held


def test_派单_waits_while_the_units_of_a_new_topic_are_on_their_way(browser, live_server, personas, directory):
    """Choosing a 领域 asks the server for its units (htmx); a 派单 clicked before they came back sent the
    old units, and the dispatcher met the form refused (「领域已改为…」). The form's buttons are disabled
    while the request is out (hx-disabled-elt, since 2026-12-06); once the units are in, 派单 sends them."""
    from minsheng.board.models import Assignment

    d = directory
    m, page, held = _case_page_holding_the_suggestions(browser, live_server, personas, d)
    assert page.input_value("#dispatch-form select[name=lead]") == str(d["transport"].pk)
    page.wait_for_function("() => document.querySelector('#id_topic')['htmx-internal-data'] !== undefined")
    page.select_option("#id_topic", str(d["topic_build"].pk))
    page.wait_for_function("() => document.querySelector('#id_topic.htmx-request')")
    dispatch = "#dispatch-form button:text-is('派单')"
    assert page.is_disabled(dispatch)
    # a quick click, the mouse on the button whatever its state: it posts nothing
    sends_nothing(page, lambda: page.click(dispatch, force=True),
                  lambda request: request.method == "POST" and not request.url.endswith("/dispatch/suggest/"))
    held[0].continue_()
    page.wait_for_function(f"() => document.querySelector('#dispatch-form select[name=lead]').value"
                           f" === '{d['housing'].pk}'")
    page.click(dispatch)
    page.wait_for_selector("text=已派单至兰州市住房和城乡建设局")
    assert Assignment.objects.get(message=m, role=Assignment.Role.LEAD).unit == d["housing"]


def test_派单_comes_back_when_the_units_of_a_new_topic_never_arrive(browser, live_server, personas, directory):
    """The buttons wait for the 领域's units (above); a request that hangs (a dead connection) must not
    leave 派单 disabled until the page is reloaded: after 15 s (hx-request timeout) the buttons come back
    and the server's own rule explains a 派单 with the old units."""
    d = directory
    _, page, _ = _case_page_holding_the_suggestions(browser, live_server, personas, d)  # never answered
    page.wait_for_function("() => document.querySelector('#id_topic')['htmx-internal-data'] !== undefined")
    page.select_option("#id_topic", str(d["topic_build"].pk))
    dispatch = "#dispatch-form button:text-is('派单')"
    page.wait_for_function("() => document.querySelector('#id_topic.htmx-request')")
    assert page.is_disabled(dispatch)
    page.wait_for_function("() => [...document.querySelectorAll('#dispatch-form button')].every(b => !b.disabled)",
                           timeout=25_000)
    page.click(dispatch)
    page.wait_for_selector("text=领域已改为")

"""A citizen's first message from a phone (390×844) in the system Chromium, as the QA walk of
2026-12-06 met it: the post form on a slow network, and the region picker on the way back to
the form from a 「已有相似留言」 message."""

from __future__ import annotations

import re

import pytest

from minsheng.board.models import Message

from .test_browser import CHROMIUM, browser, pick_region, signed_in_page  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TITLE = "七里河区西津西路路口红绿灯坏了"
BODY = "七里河区西津西路与敦煌路交叉口的红绿灯坏了一个星期, 早晚高峰车辆和行人抢行, 非常危险, 请尽快修复。"


def _fill_the_post_form(page, live_server) -> None:
    page.goto(f"{live_server.url}/post/")
    page.fill("#id_title", TITLE)
    page.fill("#id_body", BODY)
    page.check("input[name=kind][value=complain]")
    pick_region(page, 1, "620000")
    pick_region(page, 2, "620100")
    page.wait_for_function("document.querySelector('input[name=region]').value === '620100'")


@pytest.mark.django_db(transaction=True)
def test_提交留言_says_it_is_sending_on_a_slow_network(browser, live_server, personas, directory):  # noqa: F811
    """On a slow network (a photo going up over 3G) the pressed 提交留言 was disabled but looked as
    before, red with its white words: nothing said the message was on its way, and a citizen pressed
    it again and again, or left the page. It reads 「正在提交…」 and looks pressed until the answer."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    _fill_the_post_form(page, live_server)
    submit = "form.post-form button[type=submit]"
    before = page.evaluate(f"getComputedStyle(document.querySelector('{submit}')).opacity")
    # what the page shows while the post is out, noted in the tab (the page is busy navigating: the
    # test reads it once the answer is in)
    page.evaluate(
        """submit => document.addEventListener("submit", () => setTimeout(() => {
        const b = document.querySelector(submit);
        sessionStorage.setItem("seen", JSON.stringify([b.textContent.trim(), b.disabled, getComputedStyle(b).opacity]));
    }, 300))""",
        submit,
    )
    held = []
    page.route(
        re.compile(r"/post/$"),
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    page.click(submit, no_wait_after=True)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "提交留言 posted the form"
    page.wait_for_timeout(600)
    held[0].continue_()
    page.wait_for_url(re.compile(r"/m/\d+/$"))
    assert Message.objects.filter(title=TITLE).count() == 1
    text, disabled, opacity = page.evaluate("JSON.parse(sessionStorage.getItem('seen'))")
    assert text == "正在提交…" and disabled
    assert float(opacity) < float(before)
    page.go_back()  # the form again, from the back/forward cache or not: its button as it was
    page.wait_for_load_state("load")
    assert page.locator(submit).inner_text().strip() == "提交留言"
    assert page.is_enabled(submit)


@pytest.mark.django_db(transaction=True)
def test_the_region_chosen_comes_back_with_the_draft(browser, live_server, personas, directory):  # noqa: F811
    """A citizen who chose 兰州市, opened a message of 「已有相似留言」 (its link, or 我也遇到) and came back
    found the title and the body restored but the picker at 甘肃省 with no 市州 box under it (the
    browser put back the first select, not the box htmx had added): there was no way to choose the
    city again short of choosing 请选择省份 first, and the similar messages of the city were gone.
    The draft keeps the region and the leader chosen, and the picker comes back as it was."""
    page = signed_in_page(browser, live_server, personas["citizen"].phone, **PHONE)
    _fill_the_post_form(page, live_server)
    page.select_option("select[name=addressee]", label="兰州市市长")
    page.goto(f"{live_server.url}/browse/")  # as a link of 「已有相似留言」 opens a message
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert page.input_value("#id_title") == TITLE
    page.wait_for_function("document.querySelector('input[name=region]').value === '620100'")
    assert page.input_value("select[name=region_level_2]") == "620100"
    assert page.locator("select[name=region_level_3]").is_visible()  # the next level can be chosen
    assert page.locator("#where option:checked", has_text="兰州市市长").count() == 1
    page.click("form.post-form button[type=submit]")
    page.wait_for_url(re.compile(r"/m/\d+/$"))
    message = Message.objects.get(title=TITLE)
    assert message.region.code == "620100" and message.addressee.title == "兰州市市长"

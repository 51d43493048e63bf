"""The busy officer's inbox in the system Chromium (QA walk of 2026-12-07): ticking a page of cases for 签收所选
or 指派所选."""

from __future__ import annotations

import pytest

from minsheng.board.models import Assignment

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)
from .test_staff_qa import dispatch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.mark.django_db(transaction=True)
def test_one_box_ticks_the_whole_page_for_signing(browser, live_server, personas, directory):  # noqa: F811
    """20 new cases on a page were 20 boxes to tick, one by one, before 签收所选. 「全选本页」 ticks them all
    (and unticks them); unticking one row leaves it half ticked; 签收所选 then signs every case of the page."""
    cases = [dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(4)]
    page = signed_in_page(browser, live_server, "officer", **DESKTOP)
    assert page.goto(live_server.url + "/staff/?tab=new").status == 200
    rows = page.locator("table.cases input[type=checkbox][name=case]")
    assert rows.count() == 4
    every = page.get_by_label("全选本页")
    every.check()
    assert all(rows.nth(i).is_checked() for i in range(4))
    rows.nth(2).uncheck()
    assert page.evaluate("() => document.querySelector('[data-check-all]').indeterminate")
    every.check()  # from half ticked: all again
    assert all(rows.nth(i).is_checked() for i in range(4))
    every.uncheck()
    assert not any(rows.nth(i).is_checked() for i in range(4))
    every.check()
    page.get_by_role("button", name="签收所选").click()
    page.wait_for_load_state()
    assert "已签收 4 件" in page.locator("main").inner_text()
    signed = Assignment.objects.filter(message__in=cases, signed_at__isnull=False).count()
    assert signed == 4

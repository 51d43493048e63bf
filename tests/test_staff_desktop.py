"""The staff workbench's lists at a desktop width (1366×900) in the system Chromium: a short
name (a region) stays on one line rather than breaking between its characters."""

from __future__ import annotations

import pytest

from minsheng.board import actions

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

"""An officer with 200 cases and their unit head (QA walk of 2026-12-07): what they could not tell or reach
from the inbox without opening case after case."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Extension
from minsheng.board.views import staff

from .test_staff_qa import LONG_AGO, dispatch, fresh, row_titles, text

pytestmark = pytest.mark.django_db


def _row(html: str, title: str) -> str:
    return next(row for row in re.findall(r"<tr[ >].*?</tr>", html, re.S) if title in row)


def test_the_inbox_row_says_an_extension_waits_for_the_supervisor(personas, directory, login):
    """The officer asked for 延期 on a few of their 70 overdue cases: the inbox showed them as overdue as the
    rest, and which were already asked for (and still waiting) was found by opening each case. The row (and the
    export, for the unit's meeting) says 「延期待审批」 until the supervisor decides."""
    asked = dispatch(personas, directory, "加装电梯审批进展缓慢", at=LONG_AGO)
    other = dispatch(personas, directory, "小区路灯不亮", at=LONG_AGO)
    officer = personas["officer"]
    for m in (asked, other):
        actions.do_sign(officer, fresh(m), directory["housing"])
    actions.do_request_extension(officer, fresh(asked), directory["housing"], 5, "需要协调施工单位")
    client = login(officer)
    inbox = text(client.get(reverse("board:inbox"), {"tab": "overdue"}))
    assert "延期待审批" in _row(inbox, asked.title)
    assert "延期待审批" not in _row(inbox, other.title)
    export = client.get(reverse("board:inbox_export", args=["csv"]), {"tab": "overdue"})
    rows = {r[1]: r for r in csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig")))}
    assert "延期待审批" in rows[asked.title][12] and "延期待审批" not in rows[other.title][12]
    # decided (here refused): the row no longer says it waits
    extension = Extension.objects.get(assignment__message=asked)
    actions.do_decide_extension(personas["supervisor"], extension, approve=False, note="请按期办理")
    inbox = text(client.get(reverse("board:inbox"), {"tab": "overdue"}))
    assert "延期待审批" not in _row(inbox, asked.title)


def _pager(html: str) -> str:
    return html[html.index('class="pagination"') :].split("</nav>")[0]


def test_the_inbox_pager_reaches_the_last_page_and_any_page_in_one_click(
    personas, directory, login, monkeypatch
):
    """200 cases are 10 pages: the pager offered 上一页 and 下一页 alone, so the officer reached the oldest
    cases on the last page (or page 7, where they stopped yesterday) by clicking 下一页 page after page. It links
    the first and last page and the pages around the one shown, keeping the tab, sort and search."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    for n in range(19):
        dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}")
    client = login(personas["officer"])
    first = _pager(text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted"})))
    assert "第 1 / 10 页, 共 19 件" in first
    assert '<a href="?tab=new&amp;sort=submitted&amp;page=10"' in first  # the last page, in one click
    assert '<a href="?tab=new&amp;sort=submitted&amp;page=2"' in first
    assert "上一页" not in first
    middle = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 6}))
    pager = _pager(middle)
    for n in (1, 5, 7, 10):
        assert f'<a href="?tab=new&amp;sort=submitted&amp;page={n}"' in pager, n
    assert 'aria-current="page">6<' in pager  # the page shown is said, not linked
    assert "page=6" not in pager
    # the last page, by submission the newest: its one row
    last = text(client.get(reverse("board:inbox"), {"tab": "new", "sort": "submitted", "page": 10}))
    assert row_titles(last) == ["七里河区小区停车难问题18"]
    assert "下一页" not in _pager(last)

"""What cleared a 督办 mark, read for a page's or an export chunk's rows at once (2026-12-08: it was a subquery per
row, run for every late case of the list whatever the page; bench/supervision.py): the words stay each case's, on
every page and across the export's chunks, and a page reads them in as many queries however many rows need them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Message
from minsheng.board.views import staff
from minsheng.stats import exports

from .test_exports import _csv
from .test_inbox_export import HEADER, csv_rows
from .test_staff_qa import LONG_AGO, dispatch
from .test_supervision_history import pressed_twice, section, transferred

pytestmark = pytest.mark.django_db


def returned_and_dispatched(personas, directory, m) -> None:
    actions.do_sign(personas["officer"], m, directory["housing"])
    actions.do_return(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属本单位职责")
    actions.do_dispatch(personas["dispatcher"], Message.objects.get(pk=m.pk), directory["ecology"])


def returned_then_pressed_and_dispatched(personas, directory, title) -> Message:
    """A late case 住建局 sent back, pressed while back with the dispatcher, then dispatched to 生态环境局: the 派单
    cleared the mark, the deadline counted from the 派单 long ago (late still)."""
    m = dispatch(personas, directory, title, at=LONG_AGO)
    actions.do_sign(personas["officer"], m, directory["housing"], at=LONG_AGO + dt.timedelta(hours=1))
    actions.do_return(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属本单位职责",
                      at=LONG_AGO + dt.timedelta(days=1))
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=m.pk), "请尽快派单",
                         at=LONG_AGO + dt.timedelta(days=2))
    actions.do_dispatch(personas["dispatcher"], Message.objects.get(pk=m.pk), directory["ecology"],
                        at=LONG_AGO + dt.timedelta(days=3))
    return m


def cases(personas, directory) -> dict[str, str]:
    """Cases of every 督办 word, late but the one dispatched again (a new deadline): title -> its word. Four late
    ones read what cleared their mark, in three words (转办, 退单, 派单), so each chunk of one row has its own."""
    still = pressed_twice(personas, directory, "督办后仍在办的留言")
    moved = pressed_twice(personas, directory, "督办后转办的留言")
    transferred(personas, directory, moved)
    back = pressed_twice(personas, directory, "督办后退单又派单的留言")
    returned_and_dispatched(personas, directory, back)
    again = pressed_twice(personas, directory, "转办后又督办的留言")
    transferred(personas, directory, again)
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=again.pk), "生态环境局请尽快办理")
    dispatch(personas, directory, "从未督办的超期留言", at=LONG_AGO)
    left = pressed_twice(personas, directory, "督办后退单未再派单的留言")
    actions.do_sign(personas["officer"], left, directory["housing"])
    actions.do_return(personas["officer"], Message.objects.get(pk=left.pk), directory["housing"], "不属本单位职责")
    redispatched = returned_then_pressed_and_dispatched(personas, directory, "督办后重新派单的留言")
    moved_too = pressed_twice(personas, directory, "督办后转办的第二件")
    transferred(personas, directory, moved_too)
    return {still.title: "已督办", moved.title: "转办后未再督办", back.title: "退单后未再督办",
            again.title: "已督办", "从未督办的超期留言": "未督办", left.title: "退单后未再督办",
            redispatched.title: "派单后未再督办", moved_too.title: "转办后未再督办"}


def row_words(html: str, title: str, words: set[str]) -> str:
    row = html[html.index(title):]
    row = row[: row.index("</tr>")]
    return next(w for w in sorted(words, key=len, reverse=True) if w in row)


def test_every_case_keeps_its_words_across_the_export_chunks_and_the_pages(
    personas, directory, login, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "CLEARED_CHUNK", 1)  # a chunk a row: each reads what cleared its own mark
    monkeypatch.setattr(staff, "INBOX_CLEARED_CHUNK", 1)  # the inbox export's too
    with django_capture_on_commit_callbacks(execute=True):  # the statistics rows /stats/overdue/ reads
        words = cases(personas, directory)
    client = login(personas["supervisor"])
    late = {t: w for t, w in words.items() if t != "督办后退单又派单的留言"}
    rows = _csv(client.get(reverse("stats:export_messages", args=["csv"]), {"measure": "overdue", "region": "620100"}))
    got = {r[1]: dict(zip(rows[0], r, strict=True))["督办"] for r in rows[1:]}
    assert got == late
    overdue = client.get(reverse("stats:overdue"), {"region": "620100"}).content.decode()
    assert {t: row_words(overdue, t, set(words.values())) for t in late} == late
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    pressed = {t: w for t, w in words.items() if w != "未督办"}
    assert {t: row_words(listed, t, set(words.values())) for t in pressed} == pressed
    inbox = csv_rows(login(personas["other_officer"]).get(reverse("board:inbox_export", args=["csv"])))
    got = {r[1]: dict(zip(HEADER, r, strict=True))["督办"] for r in inbox[1:]}
    assert {t: got[t] for t in got if t in words} == {  # 生态环境局's, four read what cleared their mark
        "督办后转办的留言": "转办后未再督办", "督办后退单又派单的留言": "退单后未再督办", "转办后又督办的留言": "已督办",
        "督办后重新派单的留言": "派单后未再督办", "督办后转办的第二件": "转办后未再督办"}


def test_the_pages_read_what_cleared_their_marks_in_as_many_queries_for_more_rows(
    personas, directory, login, django_capture_on_commit_callbacks
):
    def queries(client, url, params=None) -> int:
        client.get(url, params or {})  # what a page reads once a minute (the calendar's years) read already
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params or {}).status_code == 200
        return len(captured)

    with django_capture_on_commit_callbacks(execute=True):
        moved = pressed_twice(personas, directory, "督办后转办的留言")
        transferred(personas, directory, moved)
    client = login(personas["supervisor"])
    one = (queries(client, reverse("stats:overdue"), {"region": "620100"}), queries(client, reverse("board:supervision")))
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("督办后转办的第二件", "督办后转办的第三件"):
            m = pressed_twice(personas, directory, title)
            transferred(personas, directory, m)
    three = (queries(client, reverse("stats:overdue"), {"region": "620100"}),
             queries(client, reverse("board:supervision")))
    assert three == one

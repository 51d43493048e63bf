"""The lists behind a late figure and their exports count as of the minute the figure does (``figures.clock``),
since 2026-12-06: /stats/overdue/ and the exports read the exact time, so in the seconds after a deadline passed
the list held a case its figure did not count yet, and a list downloaded right after reading the page a row more."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment

from .test_exports import data_rows
from .test_stats_sign_rate import BODY, _late_at, _text

pytestmark = pytest.mark.django_db


def _end_of_minute(moment: dt.datetime) -> dt.datetime:
    """The last instant of ``moment``'s minute: past ``moment`` (unless it is that instant), the same minute."""
    return moment.replace(second=59, microsecond=999_999)


def _csv(response) -> list[str]:
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    return sorted(row[table[0].index("标题")] for row in table[1:])


def _listed(html: str) -> tuple[int, list[str]]:
    count = int(re.search(r"共 (\d+) 件", html).group(1))
    return count, sorted(re.findall(r'<a href="/(?:m|staff/case)/[^"]+/">([^<]+)</a>', html))


@pytest.fixture
def just_due(personas, directory, django_capture_on_commit_callbacks):
    """Two cases late for long, and one dispatched an hour ago: its assignment (签收期限, 答复期限)."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        _late_at(p, d, d["housing"], "楼道灯坏了一个月")
        _late_at(p, d, d["ecology"], "小区门口道路坑洼积水")
        at = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
        m = actions.do_submit(p["citizen"], title="路灯不亮影响夜间出行", body=BODY, kind="help", region=d["qilihe"],
                              topic=d["topic_build"], at=at)
        actions.do_dispatch(p["dispatcher"], m, d["housing"], at=at)
    return Assignment.objects.get(message=m, role=Assignment.Role.LEAD)


def test_the_overdue_list_and_its_export_hold_what_the_figure_counts_seconds_after_a_deadline(
        login, personas, just_due, capsys):
    """Seconds after the third case's 答复期限, within its minute: 超期未答复 reads 2 (as of the minute), and so do
    the overdue list, its CSV and `minsheng export-stats messages --measure overdue` (3 before: the exact time)."""
    from django.core.management import call_command

    moment = _end_of_minute(just_due.due_at)
    assert moment > just_due.due_at
    with mock.patch("django.utils.timezone.now", return_value=moment):
        supervisor = login(personas["supervisor"])
        figure = supervisor.get("/api/v1/statistics/", {"region": "620100"}).json()["overdue"]
        count, titles = _listed(_text(supervisor.get("/stats/overdue/", {"region": "620100"})))
        exported = _csv(supervisor.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue"}))
        call_command("export_stats", "messages", "--region", "620100", "--measure", "overdue")
    command = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert sorted(row[command[0].index("标题")] for row in command[1:]) == exported
    assert figure == count == 2
    assert titles == exported == sorted(["楼道灯坏了一个月", "小区门口道路坑洼积水"])


def test_the_late_sign_for_export_holds_the_pages_rows_seconds_after_a_sign_for_deadline(client, personas, just_due):
    """Seconds after the third case's 签收期限: the 签收超期 list (as of the minute) and its CSV (the exact time
    before) hold the same rows."""
    moment = _end_of_minute(just_due.sign_due_at)
    assert moment > just_due.sign_due_at
    params = {"region": "620100", "measure": "sign_late"}
    with mock.patch("django.utils.timezone.now", return_value=moment):
        count, titles = _listed(_text(client.get("/stats/list/", params)))
        exported = _csv(client.get("/stats/export/messages.csv", params))
    assert titles == exported and count == len(exported)
    assert "路灯不亮影响夜间出行" not in exported


def test_the_supervision_page_counts_the_late_cases_as_of_the_figures_minute(login, personas, just_due):
    """Seconds after the third case's 答复期限, within its minute: /staff/supervision/ lists and counts 2 late cases,
    as the figures (超期未答复, as of the minute) and /stats/overdue/ do, its rows 2
    (since 2026-12-06; before, it read the exact time: 3 beside the dashboard's 2). The third case is not
    lost between the lists either: it is listed under 即将到期 until the minute is over."""
    moment = _end_of_minute(just_due.due_at)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        supervisor = login(personas["supervisor"])
        figure = supervisor.get("/api/v1/statistics/", {"region": "620100"}).json()["overdue"]
        text = _text(supervisor.get("/staff/supervision/"))
        count, _ = _listed(_text(supervisor.get("/stats/overdue/")))
    late = text[text.index('id="overdue"'):text.index('id="due-soon"')]
    soon = text[text.index('id="due-soon"'):text.index('id="supervised"')]
    assert figure == count == 2
    assert re.search(r"超期未答复 \((\d+)\)", text).group(1) == "2"
    assert "路灯不亮影响夜间出行" not in late and "路灯不亮影响夜间出行" in soon
    assert late.count('<tr class="late"') == 2
